// Loyalty's referral events on MariaDB, through the feed consumer: the
// referred customer's first order, delivered many times, appends one
// REFERRAL_REWARDED (keyed by the referral, naming both sides and the reward
// time) in the transaction that rewards it; a merge that cancels a rewarded
// referral between the two appends REFERRAL_CANCELLED; an erasure of either
// side rewrites that side's name in the referral's past events to its
// tombstone and appends REFERRAL_ERASED, so no feed row names the erased
// customer (nor a customer merged into it, named when it was the referrer).
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <cstdint>
#include <istream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/loyalty/v1/change_event.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/timestamps.h"
#include "services/consents/mysql_consent_repository.h"
#include "services/loyalty/coupon_codes.h"
#include "services/loyalty/member_lifecycle.h"
#include "services/loyalty/migrations.h"
#include "services/loyalty/mysql_account_repository.h"
#include "services/loyalty/mysql_campaign_repository.h"
#include "services/loyalty/mysql_feed_event_repository.h"
#include "services/loyalty/mysql_program_repository.h"
#include "services/loyalty/mysql_referral_repository.h"
#include "services/loyalty/mysql_reward_repository.h"
#include "services/loyalty/order_earning.h"
#include "services/loyalty/profile_feed_apply.h"
#include "services/loyalty/program_manager.h"
#include "services/loyalty/referral_manager.h"
#include "services/loyalty/tier_change_feed.h"
#include "tests/integration/loyalty/profile_events.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
namespace cp = ::crm::customerprofile::v1;
using ::crm::loyalty::testing::MergeEvent;

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 3, 1, 0, 0, 0), absl::UTCTimeZone());

std::string Ordered(const std::string& customer, const std::string& order) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::ORDER_RECORDED);
  event.set_customer_name(absl::StrCat("customers/", customer));
  cp::Order* placed = event.mutable_order();
  placed->set_name(absl::StrCat("customers/", customer, "/orders/", order));
  placed->set_customer(event.customer_name());
  placed->mutable_amount()->set_currency_code("CNY");
  placed->mutable_amount()->set_amount_minor(1000);
  return event.SerializeAsString();
}

std::string Erased(const std::string& customer) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  event.set_customer_name(absl::StrCat("customers/", customer));
  return event.SerializeAsString();
}

// One row of loyalty's outbox.
struct FeedRow {
  int type = 0;
  std::string key;
  std::string payload;
  v1::ChangeEvent event;
};

class ReferralFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(
        database_, crm::testing::TestDatabase::Create("loyalty_referral_feed"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_,
                             database_->NewMigratedPool(Migrations(), 4));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    program_manager_ = std::make_unique<ProgramManager>(
        *unit_of_work_, programs_, idempotency_, clock_);
    referral_manager_ = std::make_unique<ReferralManager>(
        *unit_of_work_, referrals_, accounts_, idempotency_, clock_, ids_,
        CsprngCouponCodes::Instance());
    earning_ = std::make_unique<OrderEarning>(accounts_, programs_, campaigns_,
                                              consents_, ids_, clock_,
                                              &referrals_, &feed_);
    lifecycle_ = std::make_unique<MemberLifecycle>(
        accounts_, rewards_, programs_, ids_, clock_, &idempotency_,
        &referrals_, &feed_, &feed_events_);
    crm::common::FeedConsumerOptions options;
    options.consumer = "loyalty.orders";
    consumer_ = std::make_unique<crm::common::FeedConsumer>(
        *pool_,
        [](int64_t)
            -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
          return absl::UnavailableError("not used");
        },
        MakeProfileFeedApply(*earning_, *lifecycle_, consent_tracker_),
        options);

    v1::UpdateProgramRequest request;
    v1::Program* program = request.mutable_program();
    program->set_name("programs/default");
    v1::EarnRate* rate = program->add_earn_rates();
    rate->set_currency_code("CNY");
    rate->set_points(1);
    rate->set_per_amount_minor(100);
    program->mutable_referral_policy()->set_referrer_points(100);
    program->mutable_referral_policy()->set_referred_points(50);
    request.mutable_update_mask()->add_paths("*");
    ASSERT_THAT(program_manager_->UpdateProgram({}, request).status(), IsOk());
  }

  void Deliver(const std::string& payload) {
    ASSERT_THAT(consumer_->ApplyOne(++sequence_, payload).status(), IsOk());
  }

  // `referrer` refers `referred`; the referral's id.
  std::string Refer(const std::string& referrer, const std::string& referred) {
    v1::GetReferralCodeRequest code_request;
    code_request.set_name(
        absl::StrCat("customers/", referrer, "/referralCode"));
    absl::StatusOr<v1::ReferralCode> code =
        referral_manager_->GetReferralCode({}, code_request);
    EXPECT_TRUE(code.ok()) << code.status();
    v1::CreateReferralRequest request;
    request.mutable_referral()->set_referred(
        absl::StrCat("customers/", referred));
    request.mutable_referral()->set_referral_code(code.ok() ? code->code()
                                                            : "");
    request.set_request_id(absl::StrCat(referrer, "-", referred));
    clock_.Advance(absl::Seconds(1));
    absl::StatusOr<v1::Referral> referral =
        referral_manager_->CreateReferral({}, request);
    EXPECT_TRUE(referral.ok()) << referral.status();
    return referral.ok() ? referral->name().substr(sizeof("referrals/") - 1)
                         : "";
  }

  // Loyalty's outbox in write order.
  std::vector<FeedRow> Feed() {
    return crm::common::WithConnection<std::vector<FeedRow>>(
               *pool_,
               [&](sql::Connection& connection)
                   -> absl::StatusOr<std::vector<FeedRow>> {
                 std::unique_ptr<sql::Statement> statement(
                     connection.createStatement());
                 std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(
                     "SELECT type, `key`, payload FROM change_feed_events "
                     "WHERE feed = 'loyalty' ORDER BY id"));
                 std::vector<FeedRow> feed;
                 while (rows->next()) {
                   FeedRow row;
                   row.type = rows->getInt("type");
                   row.key = rows->getString("key").asStdString();
                   std::unique_ptr<std::istream> blob(rows->getBlob("payload"));
                   row.payload.assign(std::istreambuf_iterator<char>(*blob),
                                      std::istreambuf_iterator<char>());
                   EXPECT_TRUE(row.event.ParseFromString(row.payload));
                   feed.push_back(std::move(row));
                 }
                 return feed;
               })
        .value_or(std::vector<FeedRow>{});
  }

  // The referral events of the feed, in order.
  std::vector<FeedRow> ReferralEvents() {
    std::vector<FeedRow> out;
    for (FeedRow& row : Feed()) {
      if (row.type != v1::ChangeEvent::TIER_CHANGED) out.push_back(row);
    }
    return out;
  }

  // How many outbox rows hold `id` in key or payload.
  int RowsNaming(const std::string& id) {
    int count = 0;
    for (const FeedRow& row : Feed()) {
      if (absl::StrContains(row.key, id) || absl::StrContains(row.payload, id))
        ++count;
    }
    return count;
  }

  crm::common::FakeClock clock_{kStart};
  crm::common::RandomIdGenerator ids_;
  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlAccountRepository accounts_;
  MySqlProgramRepository programs_;
  MySqlRewardRepository rewards_;
  MySqlCampaignRepository campaigns_;
  crm::consents::MySqlConsentRepository consents_;
  MySqlReferralRepository referrals_;
  MySqlFeedEventRepository feed_events_;
  crm::consents::ConsentTracker consent_tracker_{consents_};
  crm::common::MySqlIdempotencyRepository idempotency_;
  crm::common::MySqlChangeFeedWriter feed_{std::string(kLoyaltyFeed), clock_,
                                           nullptr};
  std::unique_ptr<ProgramManager> program_manager_;
  std::unique_ptr<ReferralManager> referral_manager_;
  std::unique_ptr<OrderEarning> earning_;
  std::unique_ptr<MemberLifecycle> lifecycle_;
  std::unique_ptr<crm::common::FeedConsumer> consumer_;
  int64_t sequence_ = 0;
};

TEST_F(ReferralFeedTest,
       TheFirstOrderAppendsOneRewardedEventWhateverTheDeliveries) {
  const std::string id = Refer("alice", "bob");
  clock_.Advance(absl::Minutes(5));
  const absl::Time reward_time = clock_.Now();
  const std::string order = Ordered("bob", "o1");
  for (int delivery = 0; delivery < 10; ++delivery) Deliver(order);
  Deliver(Ordered("bob", "o2"));  // Later orders reward nothing.

  const std::vector<FeedRow> events = ReferralEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, v1::ChangeEvent::REFERRAL_REWARDED);
  EXPECT_EQ(events[0].key, absl::StrCat("referrals/", id));
  EXPECT_EQ(events[0].event.customer(), "customers/alice");
  const v1::ReferralChange& change = events[0].event.referral_change();
  EXPECT_EQ(change.referral(), absl::StrCat("referrals/", id));
  EXPECT_EQ(change.referrer(), "customers/alice");
  EXPECT_EQ(change.referred(), "customers/bob");
  EXPECT_EQ(crm::common::FromProtoTimestamp(change.reward_time()), reward_time);
}

TEST_F(ReferralFeedTest, AMergeCancellingARewardedReferralAppendsCancelled) {
  const std::string id = Refer("dup", "surv");
  Deliver(Ordered("surv", "o1"));  // Rewarded.
  Deliver(MergeEvent("surv", "dup"));
  Deliver(MergeEvent("surv", "dup"));  // Again: nothing more.

  const std::vector<FeedRow> events = ReferralEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, v1::ChangeEvent::REFERRAL_REWARDED);
  EXPECT_EQ(events[1].type, v1::ChangeEvent::REFERRAL_CANCELLED);
  EXPECT_EQ(events[1].key, absl::StrCat("referrals/", id));
  EXPECT_EQ(events[1].event.referral_change().referral(),
            absl::StrCat("referrals/", id));
}

TEST_F(ReferralFeedTest, ErasingTheReferredRewritesItsNameAndAppendsErased) {
  const std::string id = Refer("alice", "bob-erased");
  Deliver(Ordered("bob-erased", "o1"));
  ASSERT_GT(RowsNaming("bob-erased"), 0);

  Deliver(Erased("bob-erased"));
  Deliver(Erased("bob-erased"));  // Again: nothing more.
  EXPECT_EQ(RowsNaming("bob-erased"), 0);

  const std::vector<FeedRow> events = ReferralEvents();
  ASSERT_EQ(events.size(), 2u);
  for (const FeedRow& row : events) {
    EXPECT_EQ(row.key, absl::StrCat("referrals/", id));
    EXPECT_EQ(row.event.referral_change().referrer(), "customers/alice");
    EXPECT_TRUE(absl::StartsWith(row.event.referral_change().referred(),
                                 "customers/erased-"))
        << row.event.referral_change().referred();
  }
  EXPECT_EQ(events[0].type, v1::ChangeEvent::REFERRAL_REWARDED);
  EXPECT_EQ(events[1].type, v1::ChangeEvent::REFERRAL_ERASED);
  // The rewritten event and the erasure name the same tombstone.
  EXPECT_EQ(events[0].event.referral_change().referred(),
            events[1].event.referral_change().referred());
}

TEST_F(ReferralFeedTest, ErasingASurvivorRewritesTheDuplicateNamedAsReferrer) {
  // The duplicate referred carl and was rewarded before the merge; its name
  // is in that event's payload.
  const std::string id = Refer("dup-erased", "carl");
  Deliver(Ordered("carl", "o1"));
  Deliver(MergeEvent("surv-erased", "dup-erased"));
  ASSERT_GT(RowsNaming("dup-erased"), 0);

  Deliver(Erased("surv-erased"));
  EXPECT_EQ(RowsNaming("dup-erased"), 0);
  EXPECT_EQ(RowsNaming("surv-erased"), 0);

  const std::vector<FeedRow> events = ReferralEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type, v1::ChangeEvent::REFERRAL_ERASED);
  for (const FeedRow& row : events) {
    EXPECT_EQ(row.event.referral_change().referred(), "customers/carl");
    EXPECT_TRUE(absl::StartsWith(row.event.referral_change().referrer(),
                                 "customers/erased-"))
        << row.event.referral_change().referrer();
    EXPECT_EQ(row.event.customer(), row.event.referral_change().referrer());
  }
}

}  // namespace
}  // namespace crm::loyalty

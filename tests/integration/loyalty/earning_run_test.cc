// An earning run (OrderEarning::ApplyRun, through the feed consumer's batch
// apply) leaves exactly the state that applying the same events one per
// transaction leaves, on real MariaDB: two databases receive the same
// programme, campaign, referral and earlier history, then the same events,
// one database one event per transaction, the other all in one batch; every
// account, ledger entry, lot, order earning, campaign's usage, referral and
// feed event (tier changes, the referral's REFERRAL_REWARDED) must match. The
// events cover what an earning run must handle: new and existing accounts,
// several orders of one member in a run (a tier crossed mid-run and its
// multiplier on the next order), a redelivered order, a refund, a debt settled
// from new points, a consent change between orders, a campaign bonus (and
// members it skips for want of consent) and a referral rewarded on both sides.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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
#include "services/consents/consent_tracker.h"
#include "services/consents/mysql_consent_repository.h"
#include "services/loyalty/account_manager.h"
#include "services/loyalty/campaign_manager.h"
#include "services/loyalty/member_lifecycle.h"
#include "services/loyalty/migrations.h"
#include "services/loyalty/mysql_account_repository.h"
#include "services/loyalty/mysql_campaign_repository.h"
#include "services/loyalty/mysql_program_repository.h"
#include "services/loyalty/mysql_referral_repository.h"
#include "services/loyalty/mysql_reward_repository.h"
#include "services/loyalty/order_earning.h"
#include "services/loyalty/profile_feed_apply.h"
#include "services/loyalty/program_manager.h"
#include "services/loyalty/tier_change_feed.h"
#include "tests/integration/loyalty/profile_events.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::IsOkAndHolds;
namespace cp = ::crm::customerprofile::v1;
using ::crm::loyalty::testing::EmailConsentEvent;
using ::crm::loyalty::testing::OrderEvent;

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 5, 1, 9, 0, 0), absl::UTCTimeZone());

std::string Recorded(const std::string& customer, const std::string& order,
                     int64_t amount_minor) {
  return OrderEvent(cp::ChangeEvent::ORDER_RECORDED, customer, order,
                    amount_minor);
}

// One loyalty database with everything the feed consumer drives.
class World {
 public:
  explicit World(const std::string& name) {
    absl::StatusOr<std::unique_ptr<crm::testing::TestDatabase>> database =
        crm::testing::TestDatabase::Create(name);
    EXPECT_THAT(database.status(), IsOk());
    if (!database.ok()) return;
    database_ = std::move(*database);
    absl::StatusOr<std::unique_ptr<crm::common::MySqlPool>> pool =
        database_->NewMigratedPool(Migrations(), 8);
    EXPECT_THAT(pool.status(), IsOk());
    if (!pool.ok()) return;
    pool_ = std::move(*pool);
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    manager_ = std::make_unique<AccountManager>(
        *unit_of_work_, accounts_, programs_, idempotency_, clock_, ids_);
    programs_manager_ = std::make_unique<ProgramManager>(
        *unit_of_work_, programs_, idempotency_, clock_);
    campaigns_manager_ = std::make_unique<CampaignManager>(
        *unit_of_work_, campaigns_, idempotency_, clock_, ids_);
    earning_ = std::make_unique<OrderEarning>(accounts_, programs_, campaigns_,
                                              consents_, ids_, clock_,
                                              &referrals_, &tier_feed_);
    lifecycle_ = std::make_unique<MemberLifecycle>(accounts_, rewards_,
                                                   programs_, ids_, clock_);
    crm::common::FeedConsumerOptions options;
    options.consumer = "run-test";
    auto no_stream = [](int64_t)
        -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
      return absl::UnavailableError("not streamed in this test");
    };
    one_by_one_ = std::make_unique<crm::common::FeedConsumer>(
        *pool_, no_stream,
        MakeProfileFeedApply(*earning_, *lifecycle_, consent_tracker_),
        options);
    batched_ = std::make_unique<crm::common::FeedConsumer>(
        *pool_, no_stream,
        MakeProfileFeedBatchApply(*earning_, *lifecycle_, consent_tracker_),
        options);
  }

  bool ready() const { return earning_ != nullptr; }

  // The programme, a campaign doubling every order's points for members
  // with marketing consent, a pending referral of `r` by `a`, and a member
  // `d` owing points after a refund of points already spent.
  void Prepare() {
    v1::UpdateProgramRequest program;
    program.mutable_program()->set_name("programs/default");
    v1::EarnRate* rate = program.mutable_program()->add_earn_rates();
    rate->set_currency_code("CNY");
    rate->set_points(1);
    rate->set_per_amount_minor(100);
    v1::Tier* silver = program.mutable_program()->add_tiers();
    silver->set_tier_id("silver");
    silver->set_min_qualifying_points(500);
    silver->set_multiplier_percent(150);
    v1::Tier* gold = program.mutable_program()->add_tiers();
    gold->set_tier_id("gold");
    gold->set_min_qualifying_points(2000);
    gold->set_multiplier_percent(200);
    program.mutable_program()->mutable_referral_policy()->set_referrer_points(
        50);
    program.mutable_program()->mutable_referral_policy()->set_referred_points(
        30);
    program.mutable_update_mask()->add_paths("*");
    ASSERT_THAT(programs_manager_->UpdateProgram({}, program).status(), IsOk());

    v1::CreateCampaignRequest campaign;
    campaign.mutable_campaign()->set_display_name("Double points");
    *campaign.mutable_campaign()->mutable_start_time() =
        crm::common::ToProtoTimestamp(kStart - absl::Hours(1));
    *campaign.mutable_campaign()->mutable_end_time() =
        crm::common::ToProtoTimestamp(kStart + absl::Hours(24));
    campaign.mutable_campaign()->set_multiplier_percent(200);
    campaign.mutable_campaign()->set_points_budget(100000);
    ASSERT_THAT(campaigns_manager_->CreateCampaign({}, campaign).status(),
                IsOk());

    ASSERT_THAT(unit_of_work_->Run({},
                                   [&](crm::common::Transaction& tx) {
                                     ReferralRecord referral;
                                     referral.id = "ref1";
                                     referral.referrer_id = "a";
                                     referral.referred_id = "r";
                                     referral.state = v1::Referral::PENDING;
                                     referral.create_time = kStart;
                                     return referrals_.InsertReferral(tx,
                                                                      referral);
                                   }),
                IsOk());

    ASSERT_THAT(one_by_one_->ApplyOne(1, Recorded("d", "d1", 10000)),
                IsOkAndHolds(true));
    v1::RedeemPointsRequest redeem;
    redeem.set_account("accounts/d");
    redeem.set_points(80);
    redeem.set_reason("gift");
    redeem.set_request_id("d-gift");
    ASSERT_THAT(manager_->RedeemPoints({}, redeem).status(), IsOk());
    ASSERT_THAT(
        one_by_one_->ApplyOne(2, OrderEvent(cp::ChangeEvent::ORDER_REFUNDED,
                                            "d", "d1", 10000, 10000)),
        IsOkAndHolds(true));
  }

  // Everything the events can change, one line per row, in a fixed order.
  std::vector<std::string> Dump() {
    std::vector<std::string> lines;
    const std::vector<std::string> queries = {
        "SELECT customer_id, points_balance, version, tier, "
        "tier_grace_end_time, points_debt, merged_into, update_time "
        "FROM accounts ORDER BY customer_id",
        "SELECT customer_id, sequence, id, type, points_delta, balance_after, "
        "reason, idempotency_key, create_time, qualifying_delta, expire_time "
        "FROM ledger_entries ORDER BY customer_id, sequence",
        "SELECT customer_id, id, points, remaining_points, earn_time, "
        "expire_time FROM point_lots ORDER BY customer_id, id",
        "SELECT customer_id, order_name, amount_minor, currency_code, "
        "points_earned, points_clawed FROM order_earnings "
        "ORDER BY customer_id, order_name",
        "SELECT points_awarded, orders_rewarded, "
        "orders_skipped_without_consent, version FROM campaigns ORDER BY id",
        "SELECT id, state, reward_time, referrer_points, referred_points "
        "FROM referrals ORDER BY id",
        "SELECT type, `key`, HEX(payload), event_time FROM change_feed_events "
        "ORDER BY id",
    };
    for (const std::string& query : queries) {
      absl::Status status = crm::common::WithConnection(
          *pool_, [&](sql::Connection& connection) -> absl::Status {
            std::unique_ptr<sql::Statement> statement(
                connection.createStatement());
            std::unique_ptr<sql::ResultSet> rows(
                statement->executeQuery(query));
            const unsigned columns = rows->getMetaData()->getColumnCount();
            while (rows->next()) {
              std::vector<std::string> values;
              for (unsigned c = 1; c <= columns; ++c) {
                values.push_back(rows->isNull(c)
                                     ? "NULL"
                                     : rows->getString(c).asStdString());
              }
              lines.push_back(absl::StrJoin(values, " | "));
            }
            return absl::OkStatus();
          });
      EXPECT_THAT(status, IsOk()) << query;
    }
    return lines;
  }

  // Σ points_earned of the order earnings of each customer.
  std::map<std::string, int64_t> EarnedByCustomer() {
    std::map<std::string, int64_t> earned;
    absl::Status status = crm::common::WithConnection(
        *pool_, [&](sql::Connection& connection) -> absl::Status {
          std::unique_ptr<sql::Statement> statement(
              connection.createStatement());
          std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(
              "SELECT customer_id, SUM(points_earned - points_clawed) "
              "FROM order_earnings GROUP BY customer_id"));
          while (rows->next()) {
            earned[rows->getString(1).asStdString()] = rows->getInt64(2);
          }
          return absl::OkStatus();
        });
    EXPECT_THAT(status, IsOk());
    return earned;
  }

  crm::common::FeedConsumer& one_by_one() { return *one_by_one_; }
  crm::common::FeedConsumer& batched() { return *batched_; }
  AccountManager& manager() { return *manager_; }

 private:
  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"run"};
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlAccountRepository accounts_;
  MySqlProgramRepository programs_;
  MySqlRewardRepository rewards_;
  MySqlCampaignRepository campaigns_;
  crm::consents::MySqlConsentRepository consents_;
  MySqlReferralRepository referrals_;
  crm::consents::ConsentTracker consent_tracker_{consents_};
  crm::common::MySqlIdempotencyRepository idempotency_;
  crm::common::MySqlChangeFeedWriter tier_feed_{std::string(kLoyaltyFeed),
                                                clock_, nullptr};
  std::unique_ptr<AccountManager> manager_;
  std::unique_ptr<ProgramManager> programs_manager_;
  std::unique_ptr<CampaignManager> campaigns_manager_;
  std::unique_ptr<OrderEarning> earning_;
  std::unique_ptr<MemberLifecycle> lifecycle_;
  std::unique_ptr<crm::common::FeedConsumer> one_by_one_;
  std::unique_ptr<crm::common::FeedConsumer> batched_;
};

TEST(EarningRunTest, ABatchLeavesWhatOneEventPerTransactionLeaves) {
  World single("loyalty_run_single");
  World batch("loyalty_run_batch");
  ASSERT_TRUE(single.ready() && batch.ready());
  single.Prepare();
  batch.Prepare();
  ASSERT_EQ(single.Dump(), batch.Dump()) << "the worlds differ before the run";

  const std::vector<std::string> payloads = {
      Recorded("a", "a1", 30000),  // New account.
      Recorded("b", "b1", 10000),
      Recorded("a", "a2", 30000),  // Crosses silver (600).
      Recorded("a", "a3", 10000),  // Earns x1.5 as silver.
      Recorded("a", "a1", 30000),  // Redelivered: earns nothing more.
      Recorded("d", "d2", 20000),  // Settles d's debt first.
      OrderEvent(cp::ChangeEvent::ORDER_REFUNDED, "b", "b1", 10000, 5000),
      EmailConsentEvent("c", cp::Consent::GRANTED),  // Ends the run.
      Recorded("c", "c1", 10000),                    // The campaign's bonus.
      Recorded("r", "r1", 10000),   // Rewards the referral, both sides.
      Recorded("a", "a4", 200000),  // Reaches gold.
      Recorded("a", "a5", 10000),   // Earns x2 as gold.
  };
  std::vector<crm::common::FeedItem> items;
  for (size_t i = 0; i < payloads.size(); ++i) {
    const int64_t sequence = 10 + static_cast<int64_t>(i);
    items.push_back({.sequence = sequence, .payload = payloads[i]});
    ASSERT_THAT(single.one_by_one().ApplyOne(sequence, payloads[i]),
                IsOkAndHolds(true))
        << "event " << i;
  }
  ASSERT_THAT(batch.batched().ApplyBatch(items),
              IsOkAndHolds(static_cast<int>(payloads.size())));

  const std::vector<std::string> expected = single.Dump();
  EXPECT_EQ(batch.Dump(), expected);
  // The dump holds loyalty's feed rows (type, key, payload, time): both
  // paths appended the one REFERRAL_REWARDED of the referral, identically.
  for (World* world : {&single, &batch}) {
    int rewarded = 0;
    for (const std::string& line : world->Dump()) {
      if (absl::StartsWith(
              line,
              absl::StrCat(static_cast<int>(v1::ChangeEvent::REFERRAL_REWARDED),
                           " | referrals/ref1 | "))) {
        ++rewarded;
      }
    }
    EXPECT_EQ(rewarded, 1);
  }

  // And the one-at-a-time outcome is the intended one (so the two cannot
  // agree on a wrong answer unnoticed).
  auto account = [&](World& world, const std::string& customer) {
    v1::GetAccountRequest request;
    request.set_name(absl::StrCat("accounts/", customer));
    absl::StatusOr<v1::Account> got = world.manager().GetAccount({}, request);
    EXPECT_THAT(got.status(), IsOk());
    return got.value_or(v1::Account());
  };
  for (World* world : {&single, &batch}) {
    const v1::Account a = account(*world, "a");
    EXPECT_EQ(a.tier(), "gold");
    // 300 + 300 + 150 (silver) + 3000 (silver) + 50 (referrer) + 200 (gold).
    EXPECT_EQ(a.points_balance(), 300 + 300 + 150 + 3000 + 50 + 200);
    EXPECT_EQ(account(*world, "b").points_balance(), 50);
    // The campaign doubles c's 100 points (a bonus of 100).
    EXPECT_EQ(account(*world, "c").points_balance(), 200);
    EXPECT_EQ(account(*world, "r").points_balance(), 100 + 30);
    // d owed 80 after the refund; the new order's 200 settle it.
    EXPECT_EQ(account(*world, "d").points_balance(), 120);
    for (const char* customer : {"a", "b", "c", "d", "r"}) {
      v1::VerifyLedgerRequest verify;
      verify.set_account(absl::StrCat("accounts/", customer));
      absl::StatusOr<v1::LedgerVerification> proof =
          world->manager().VerifyLedger({}, verify);
      ASSERT_THAT(proof.status(), IsOk());
      EXPECT_TRUE(proof->consistent()) << customer;
    }
  }
}

TEST(EarningRunTest, RedemptionsRacingEarningRunsNeverOverdrawAndLedgersHold) {
  World world("loyalty_run_race");
  ASSERT_TRUE(world.ready());
  world.Prepare();
  constexpr int kMembers = 10;
  auto member = [](int i) { return absl::StrCat("m", i); };
  // Every member starts with 1,000 points.
  std::vector<crm::common::FeedItem> opening;
  int64_t sequence = 100;
  for (int i = 0; i < kMembers; ++i) {
    opening.push_back({.sequence = ++sequence,
                       .payload = Recorded(member(i), "open", 100000)});
  }
  ASSERT_THAT(world.batched().ApplyBatch(opening), IsOkAndHolds(kMembers));

  // 20 batches of 20 orders (10-50 CNY) applied as earning runs while four
  // callers redeem 5 points at a time from the same accounts.
  std::atomic<bool> earning_done{false};
  std::atomic<int> earn_failures{0};
  std::thread earner([&] {
    for (int b = 0; b < 20; ++b) {
      std::vector<crm::common::FeedItem> items;
      for (int k = 0; k < 20; ++k) {
        const int n = b * 20 + k;
        items.push_back(
            {.sequence = ++sequence,
             .payload = Recorded(member(n % kMembers), absl::StrCat("o", n),
                                 1000 + (n % 5) * 1000)});
      }
      if (!world.batched().ApplyBatch(items).ok()) ++earn_failures;
    }
    earning_done = true;
  });
  std::vector<std::atomic<int>> redeemed(kMembers);
  std::atomic<int> redeem_failures{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&, c] {
      for (int r = 0; r < 100; ++r) {
        const int i = (c * 100 + r) % kMembers;
        v1::RedeemPointsRequest redeem;
        redeem.set_account(absl::StrCat("accounts/", member(i)));
        redeem.set_points(5);
        redeem.set_reason("race");
        redeem.set_request_id(absl::StrCat("race-", c, "-", r));
        if (world.manager().RedeemPoints({}, redeem).ok()) {
          ++redeemed[i];
        } else {
          ++redeem_failures;
        }
      }
    });
  }
  earner.join();
  for (std::thread& caller : callers) caller.join();
  EXPECT_TRUE(earning_done);
  EXPECT_EQ(earn_failures.load(), 0);
  EXPECT_EQ(redeem_failures.load(), 0);

  const std::map<std::string, int64_t> earned = world.EarnedByCustomer();
  for (int i = 0; i < kMembers; ++i) {
    v1::GetAccountRequest get;
    get.set_name(absl::StrCat("accounts/", member(i)));
    absl::StatusOr<v1::Account> account = world.manager().GetAccount({}, get);
    ASSERT_THAT(account.status(), IsOk());
    ASSERT_TRUE(earned.count(member(i)) > 0);
    EXPECT_EQ(account->points_balance(),
              earned.at(member(i)) - 5 * redeemed[i].load())
        << member(i);
    v1::VerifyLedgerRequest verify;
    verify.set_account(absl::StrCat("accounts/", member(i)));
    absl::StatusOr<v1::LedgerVerification> proof =
        world.manager().VerifyLedger({}, verify);
    ASSERT_THAT(proof.status(), IsOk());
    EXPECT_TRUE(proof->consistent()) << member(i);
  }
}

}  // namespace
}  // namespace crm::loyalty

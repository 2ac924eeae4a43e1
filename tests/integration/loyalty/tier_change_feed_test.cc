// Loyalty's change feed on MariaDB: a tier change applied by the feed
// consumer writes its outbox row in the consumer's transaction (both or
// neither), WatchChanges replays the numbered events after a cursor and
// resumes from any cursor, tails new events, and an erasure re-keys the
// customer's events to its tombstone.
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/loyalty/v1/change_event.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/change_feed_sequencer.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/consents/consent_tracker.h"
#include "services/consents/mysql_consent_repository.h"
#include "services/loyalty/change_feed_streamer.h"
#include "services/loyalty/member_lifecycle.h"
#include "services/loyalty/migrations.h"
#include "services/loyalty/mysql_account_repository.h"
#include "services/loyalty/mysql_campaign_repository.h"
#include "services/loyalty/mysql_feed_event_repository.h"
#include "services/loyalty/mysql_program_repository.h"
#include "services/loyalty/mysql_reward_repository.h"
#include "services/loyalty/order_earning.h"
#include "services/loyalty/profile_feed_apply.h"
#include "services/loyalty/program_manager.h"
#include "services/loyalty/tier_change_feed.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
namespace cp = ::crm::customerprofile::v1;

std::string OrderRecorded(const std::string& customer, const std::string& order,
                          int64_t amount_minor) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::ORDER_RECORDED);
  event.set_customer_name(absl::StrCat("customers/", customer));
  cp::Order* o = event.mutable_order();
  o->set_name(absl::StrCat("customers/", customer, "/orders/", order));
  o->set_customer(event.customer_name());
  o->mutable_amount()->set_currency_code("CNY");
  o->mutable_amount()->set_amount_minor(amount_minor);
  return event.SerializeAsString();
}

std::string Erased(const std::string& customer) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  event.set_customer_name(absl::StrCat("customers/", customer));
  return event.SerializeAsString();
}

class TierChangeFeedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<crm::testing::TestDatabase>> database =
        crm::testing::TestDatabase::Create("loyalty_tier_feed");
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = std::move(database).value().release();
    absl::StatusOr<std::unique_ptr<crm::common::MySqlPool>> pool =
        database_->NewMigratedPool(Migrations(), 4);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(pool).value().release();
  }
  static void TearDownTestSuite() {
    delete pool_;
    delete database_;
  }

  void SetUp() override {
    ASSERT_NE(pool_, nullptr);
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    earning_ = std::make_unique<OrderEarning>(accounts_, programs_, campaigns_,
                                              consents_, ids_, clock_, nullptr,
                                              &writer_);
    lifecycle_ = std::make_unique<MemberLifecycle>(
        accounts_, rewards_, programs_, ids_, clock_, &idempotency_, nullptr,
        &writer_, &feed_events_);
    // 1 point per CNY; gold from 400 points earned.
    ProgramManager programs(*unit_of_work_, programs_, idempotency_, clock_);
    v1::UpdateProgramRequest request;
    request.mutable_program()->set_name("programs/default");
    v1::EarnRate* rate = request.mutable_program()->add_earn_rates();
    rate->set_currency_code("CNY");
    rate->set_points(1);
    rate->set_per_amount_minor(100);
    v1::Tier* gold = request.mutable_program()->add_tiers();
    gold->set_tier_id("gold");
    gold->set_min_qualifying_points(400);
    gold->set_multiplier_percent(100);
    request.mutable_update_mask()->add_paths("*");
    ASSERT_THAT(programs.UpdateProgram({}, request).status(), IsOk());
  }

  crm::common::FeedConsumer NewConsumer(const std::string& name,
                                        crm::common::FeedApplyFunction apply) {
    crm::common::FeedConsumerOptions options;
    options.consumer = name;
    return crm::common::FeedConsumer(
        *pool_,
        [](int64_t)
            -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
          return absl::UnavailableError("not used");
        },
        std::move(apply), options);
  }

  crm::common::FeedApplyFunction Apply() {
    return MakeProfileFeedApply(*earning_, *lifecycle_, consent_tracker_);
  }

  // Numbers every committed event of the feed.
  void Sequence() {
    crm::common::ChangeFeedSequencer sequencer(
        *pool_, std::string(kLoyaltyFeed), written_, sequenced_);
    ASSERT_THAT(sequencer.SequencePending().status(), IsOk());
  }

  // The events after `after`, read until `count` arrived or 5 s passed.
  std::vector<v1::ChangeEvent> Watch(int64_t after, size_t count) {
    std::vector<v1::ChangeEvent> events;
    v1::WatchChangesRequest request;
    request.set_after_sequence(after);
    const absl::Status status =
        streamer_.Watch(crm::common::RequestContext::WithDeadline(
                            absl::Now() + absl::Seconds(5)),
                        request, [&](const v1::ChangeEvent& event) {
                          events.push_back(event);
                          return events.size() < count;
                        });
    EXPECT_TRUE(status.ok() || absl::IsDeadlineExceeded(status)) << status;
    return events;
  }

  std::vector<std::string> Strings(const std::string& query) {
    absl::StatusOr<std::vector<std::string>> values =
        database_->QueryColumn(query);
    EXPECT_TRUE(values.ok()) << values.status();
    return values.value_or(std::vector<std::string>{});
  }

  int64_t QueryInt(const std::string& query) {
    std::vector<std::string> values = Strings(query);
    return values.empty() ? -1 : std::stoll(values[0]);
  }

  static crm::testing::TestDatabase* database_;
  static crm::common::MySqlPool* pool_;

  crm::common::FakeClock clock_{absl::FromCivil(
      absl::CivilSecond(2026, 3, 1, 0, 0, 0), absl::UTCTimeZone())};
  crm::common::RandomIdGenerator ids_;
  crm::common::FeedNotifier written_;
  crm::common::FeedNotifier sequenced_;
  crm::common::MySqlChangeFeedWriter writer_{std::string(kLoyaltyFeed), clock_,
                                             &written_};
  MySqlFeedEventRepository feed_events_;
  ChangeFeedStreamer streamer_{*pool_,
                               sequenced_,
                               crm::common::SystemClock::Instance(),
                               {.batch_size = 2}};
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlAccountRepository accounts_;
  MySqlProgramRepository programs_;
  MySqlRewardRepository rewards_;
  MySqlCampaignRepository campaigns_;
  crm::consents::MySqlConsentRepository consents_;
  crm::consents::ConsentTracker consent_tracker_{consents_};
  crm::common::MySqlIdempotencyRepository idempotency_;
  std::unique_ptr<OrderEarning> earning_;
  std::unique_ptr<MemberLifecycle> lifecycle_;
};

crm::testing::TestDatabase* TierChangeFeedTest::database_ = nullptr;
crm::common::MySqlPool* TierChangeFeedTest::pool_ = nullptr;

TEST_F(TierChangeFeedTest, TheOutboxRowCommitsWithTheTierChangeOrNotAtAll) {
  // A consumer whose transaction fails after the earning applied: neither
  // the tier nor its event stay.
  crm::common::FeedApplyFunction apply = Apply();
  crm::common::FeedConsumer failing = NewConsumer(
      "tier-failing",
      [&](sql::Connection& c, int64_t sequence, absl::string_view payload) {
        absl::Status applied = apply(c, sequence, payload);
        if (!applied.ok()) return applied;
        return absl::InternalError("fails after the tier change");
      });
  EXPECT_FALSE(failing.ApplyOne(1, OrderRecorded("a1", "o1", 50000)).ok());
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM accounts WHERE customer_id='a1'"),
            0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM change_feed_events "
                     "WHERE feed='loyalty' AND `key`='a1'"),
            0);

  crm::common::FeedConsumer consumer = NewConsumer("tier-atomic", apply);
  ASSERT_THAT(consumer.ApplyOne(1, OrderRecorded("a1", "o1", 50000)).status(),
              IsOk());
  EXPECT_EQ(Strings("SELECT tier FROM accounts WHERE customer_id='a1'"),
            std::vector<std::string>{"gold"});
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM change_feed_events "
                     "WHERE feed='loyalty' AND `key`='a1' AND type=1"),
            1);
  // The same order under a new sequence: no tier change, no event.
  ASSERT_THAT(consumer.ApplyOne(2, OrderRecorded("a1", "o1", 50000)).status(),
              IsOk());
  ASSERT_THAT(consumer.ApplyOne(3, OrderRecorded("a1", "o2", 100)).status(),
              IsOk());
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM change_feed_events "
                     "WHERE feed='loyalty' AND `key`='a1'"),
            1);
}

TEST_F(TierChangeFeedTest, WatchResumesFromACursorAndTails) {
  crm::common::FeedConsumer consumer = NewConsumer("tier-stream", Apply());
  const int64_t before =
      QueryInt("SELECT COUNT(*) FROM change_feed_events WHERE feed='loyalty'");
  Sequence();
  ASSERT_THAT(consumer.ApplyOne(1, OrderRecorded("w1", "o1", 40000)).status(),
              IsOk());
  ASSERT_THAT(consumer.ApplyOne(2, OrderRecorded("w2", "o1", 40000)).status(),
              IsOk());
  ASSERT_THAT(consumer.ApplyOne(3, OrderRecorded("w3", "o1", 40000)).status(),
              IsOk());
  Sequence();

  std::vector<v1::ChangeEvent> all = Watch(before, 3);
  ASSERT_EQ(all.size(), 3u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].sequence(), before + 1 + static_cast<int64_t>(i));
    EXPECT_EQ(all[i].type(), v1::ChangeEvent::TIER_CHANGED);
    EXPECT_EQ(all[i].customer(), absl::StrCat("customers/w", i + 1));
    EXPECT_EQ(all[i].tier_change().old_tier_id(), "");
    EXPECT_EQ(all[i].tier_change().new_tier_id(), "gold");
    EXPECT_EQ(all[i].tier_change().reason(), v1::TierChange::ORDER_EARNED);
    EXPECT_TRUE(all[i].has_event_time());
  }
  // Resumed after the second: only the third.
  std::vector<v1::ChangeEvent> rest = Watch(all[1].sequence(), 1);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].sequence(), all[2].sequence());
  EXPECT_EQ(rest[0].customer(), "customers/w3");

  // A reader at the end receives the next event once numbered (whether
  // it is already tailing or not; the tail's wake-up is the shared
  // streamer's, tested in change_feed_test).
  std::vector<v1::ChangeEvent> tailed;
  absl::Notification reading;
  std::thread reader([&] {
    reading.Notify();
    tailed = Watch(all[2].sequence(), 1);
  });
  reading.WaitForNotification();
  ASSERT_THAT(consumer.ApplyOne(4, OrderRecorded("w4", "o1", 40000)).status(),
              IsOk());
  Sequence();
  reader.join();
  ASSERT_EQ(tailed.size(), 1u);
  EXPECT_EQ(tailed[0].customer(), "customers/w4");
  EXPECT_EQ(tailed[0].sequence(), all[2].sequence() + 1);

  // A negative cursor is refused.
  v1::WatchChangesRequest bad;
  bad.set_after_sequence(-1);
  EXPECT_EQ(
      streamer_.Watch({}, bad, [](const v1::ChangeEvent&) { return true; })
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(TierChangeFeedTest, AnErasureReKeysTheCustomersEvents) {
  crm::common::FeedConsumer consumer = NewConsumer("tier-erase", Apply());
  ASSERT_THAT(consumer.ApplyOne(1, OrderRecorded("e1", "o1", 40000)).status(),
              IsOk());
  Sequence();
  const int64_t sequence = QueryInt(
      "SELECT sequence FROM change_feed_events WHERE feed='loyalty' AND "
      "`key`='e1'");
  ASSERT_GT(sequence, 0);
  ASSERT_THAT(consumer.ApplyOne(2, Erased("e1")).status(), IsOk());
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM change_feed_events "
                     "WHERE `key`='e1'"),
            0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM change_feed_events "
                     "WHERE LOCATE('e1', payload) > 0 AND feed='loyalty' AND "
                     "`key` NOT LIKE 'erased-%'"),
            0);
  std::vector<v1::ChangeEvent> events = Watch(sequence - 1, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].sequence(), sequence);
  EXPECT_TRUE(absl::StartsWith(events[0].customer(), "customers/erased-"))
      << events[0].customer();
  EXPECT_EQ(events[0].tier_change().new_tier_id(), "gold");
}

}  // namespace
}  // namespace crm::loyalty

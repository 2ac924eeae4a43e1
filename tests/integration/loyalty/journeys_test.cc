// Journeys on MariaDB (journey_engine.h, journey_manager.h): a journey acts
// exactly once per member and trigger event however often the feeds are
// replayed (the same batch twice, a consumer restarted from a fresh
// cursor), a member without the marketing consent gets no marketing action
// (the run audited SKIPPED NO_CONSENT), the frequency cap holds across
// journeys in a rolling window, a delayed run acts only once due (and
// once), N days without an order triggers once per quiet spell, a paused
// journey starts nothing and an erasure deletes the member's runs.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/segmentation/v1/change_event.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/timestamps.h"
#include "services/loyalty/journey_engine.h"
#include "services/loyalty/journey_manager.h"
#include "services/loyalty/mysql_reward_repository.h"
#include "services/loyalty/outbound_message_repository.h"
#include "services/loyalty/profile_feed_apply.h"
#include "services/loyalty/segmentation_feed_apply.h"
#include "tests/integration/loyalty/journey_database_test.h"
#include "tests/integration/loyalty/profile_events.h"
#include "tests/testing/status_matchers.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
namespace cp = ::crm::customerprofile::v1;
namespace seg = ::crm::segmentation::v1;
using testing::EmailConsentEvent;
using testing::OrderEvent;

const absl::Time kStart = testing::kJourneyStart;

// Records what journeys enqueue, in the caller's transaction's place.
class RecordingOutbox final : public OutboundMessageRepository {
 public:
  absl::Status Enqueue(crm::common::Transaction&,
                       const OutboundMessage& message) override {
    messages.push_back(message);
    return absl::OkStatus();
  }
  std::vector<OutboundMessage> messages;
};

std::string AtRisk(const std::string& customer) {
  seg::ChangeEvent event;
  event.set_type(seg::ChangeEvent::LIFECYCLE_STAGE_CHANGED);
  event.set_customer(absl::StrCat("customers/", customer));
  event.mutable_lifecycle_stage_change()->set_old_stage(
      seg::CustomerScore::ACTIVE);
  event.mutable_lifecycle_stage_change()->set_new_stage(
      seg::CustomerScore::AT_RISK);
  *event.mutable_event_time() = crm::common::ToProtoTimestamp(kStart);
  return event.SerializeAsString();
}

std::string Erased(const std::string& customer) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  event.set_customer_name(absl::StrCat("customers/", customer));
  return event.SerializeAsString();
}

class JourneysTest : public testing::JourneyDatabaseTest<JourneysTest> {
 public:
  static constexpr char kDatabase[] = "loyalty_journeys";

 protected:
  OutboundMessageRepository* Outbox() override { return &outbox_; }
  bool EarnsOnePointPerCny() const override { return true; }

  crm::common::FeedConsumer SegmentationConsumer(const std::string& name) {
    crm::common::FeedConsumerOptions options;
    options.consumer = name;
    return crm::common::FeedConsumer(
        *pool_, NoStream(), MakeSegmentationFeedApply(*engine_), options);
  }

  std::string NewReward(int64_t stock) {
    RewardRecord reward;
    reward.id = ids_.NewId();
    reward.display_name = "Win-back coupon";
    reward.point_cost = 100;
    reward.stock = stock;
    reward.coupon_validity_days = 30;
    reward.create_time = clock_.Now();
    reward.version = 1;
    EXPECT_THAT(unit_of_work_->Run({},
                                   [&](crm::common::Transaction& tx) {
                                     return rewards_.InsertReward(tx, reward);
                                   }),
                IsOk());
    return reward.id;
  }

  v1::Journey PointsOnOrder(int64_t points, const std::string& condition = "") {
    v1::Journey journey;
    journey.set_display_name("Thank you");
    journey.mutable_trigger()->set_kind(v1::JourneyTrigger::ORDER_RECORDED);
    journey.set_condition(condition);
    journey.mutable_action()->set_kind(v1::JourneyAction::AWARD_POINTS);
    journey.mutable_action()->set_points(points);
    journey.set_purpose(v1::Journey::SERVICE);
    return Create(journey);
  }

  v1::Journey CouponOnAtRisk(const std::string& reward_id) {
    v1::Journey journey;
    journey.set_display_name("Win back");
    journey.mutable_trigger()->set_kind(
        v1::JourneyTrigger::LIFECYCLE_STAGE_CHANGED);
    journey.mutable_trigger()->set_lifecycle_stage("AT_RISK");
    journey.mutable_action()->set_kind(v1::JourneyAction::ISSUE_COUPON);
    journey.mutable_action()->set_reward(absl::StrCat("rewards/", reward_id));
    journey.set_marketing_channel(v1::Campaign::EMAIL);
    return Create(journey);
  }

  std::vector<CouponRecord> Coupons(const std::string& customer) {
    absl::StatusOr<std::vector<CouponRecord>> coupons =
        unit_of_work_->Read<std::vector<CouponRecord>>(
            {}, [&](crm::common::Transaction& tx) {
              return rewards_.CouponsOfCustomer(tx, customer);
            });
    EXPECT_THAT(coupons.status(), IsOk());
    return coupons.ok() ? *coupons : std::vector<CouponRecord>();
  }

  int64_t Stock(const std::string& reward_id) {
    absl::StatusOr<std::optional<RewardRecord>> reward =
        unit_of_work_->Read<std::optional<RewardRecord>>(
            {}, [&](crm::common::Transaction& tx) {
              return rewards_.FindReward(tx, reward_id, false);
            });
    EXPECT_THAT(reward.status(), IsOk());
    return reward.ok() && reward->has_value() ? (*reward)->stock : -1;
  }

  RecordingOutbox outbox_;
};

TEST_F(JourneysTest, OrderJourneyActsOncePerTriggerUnderReplay) {
  const v1::Journey journey = PointsOnOrder(50, "order_total_minor >= 10000");
  const std::vector<crm::common::FeedItem> batch = {
      Item(1, OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "r1", "o1", 20000)),
      Item(2, OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "r2", "o1", 5000)),
      Item(3, OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "r1", "o1", 20000)),
      Item(4, OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "r1", "o2", 30000))};
  crm::common::FeedConsumer consumer = ProfileConsumer("journey-a", *engine_);
  ASSERT_THAT(consumer.ApplyBatch(batch).status(), IsOk());
  // The same batch again (skipped by the cursor), then a restarted consumer
  // with a fresh cursor replaying everything (the unique run key holds).
  ASSERT_THAT(consumer.ApplyBatch(batch).status(), IsOk());
  crm::common::FeedConsumer restarted =
      ProfileConsumer("journey-a-restarted", *engine_);
  ASSERT_THAT(restarted.ApplyBatch(batch).status(), IsOk());
  for (const crm::common::FeedItem& item : batch) {
    ASSERT_THAT(restarted.ApplyOne(item.sequence + 10, item.payload).status(),
                IsOk());
  }

  // r1: 200 + 300 points earned, a bonus of 50 for each of its two orders.
  EXPECT_EQ(Balance("r1"), 200 + 300 + 2 * 50);
  // r2's order is below the condition: earned points only, no run.
  EXPECT_EQ(Balance("r2"), 50);
  std::vector<v1::JourneyRun> runs = Runs(journey);
  ASSERT_EQ(runs.size(), 2u);
  for (const v1::JourneyRun& run : runs) {
    EXPECT_EQ(run.customer(), "customers/r1");
    EXPECT_EQ(run.state(), v1::JourneyRun::COMPLETED);
    EXPECT_FALSE(run.ledger_entry().empty());
  }
  EXPECT_TRUE(Runs(journey, "r2").empty());
  // Pages of one run, newest first, the token bound to parent and customer.
  v1::ListJourneyRunsRequest page;
  page.set_parent(journey.name());
  page.set_customer("customers/r1");
  page.set_page_size(1);
  absl::StatusOr<v1::ListJourneyRunsResponse> first =
      manager_->ListJourneyRuns({}, page);
  ASSERT_THAT(first.status(), IsOk());
  ASSERT_EQ(first->runs_size(), 1);
  EXPECT_EQ(first->runs(0).name(), runs[0].name());
  page.set_page_token(first->next_page_token());
  absl::StatusOr<v1::ListJourneyRunsResponse> second =
      manager_->ListJourneyRuns({}, page);
  ASSERT_THAT(second.status(), IsOk());
  ASSERT_EQ(second->runs_size(), 1);
  EXPECT_EQ(second->runs(0).name(), runs[1].name());
  EXPECT_TRUE(second->next_page_token().empty());
  page.set_customer("customers/r2");
  EXPECT_FALSE(manager_->ListJourneyRuns({}, page).ok());
}

TEST_F(JourneysTest, SegmentationJourneyActsOnceAndNeedsConsent) {
  const std::string reward = NewReward(10);
  const v1::Journey journey = CouponOnAtRisk(reward);
  crm::common::FeedConsumer profile = ProfileConsumer("journey-b", *engine_);
  ASSERT_THAT(
      profile.ApplyOne(1, EmailConsentEvent("s-yes", cp::Consent::GRANTED))
          .status(),
      IsOk());
  ASSERT_THAT(
      profile.ApplyOne(2, EmailConsentEvent("s-no", cp::Consent::DENIED))
          .status(),
      IsOk());
  // s-unknown never answered: default deny.
  crm::common::FeedConsumer consumer = SegmentationConsumer("journey-seg-b");
  const std::vector<std::pair<int64_t, std::string>> events = {
      {101, AtRisk("s-yes")},
      {102, AtRisk("s-no")},
      {103, AtRisk("s-unknown")}};
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [sequence, payload] : events) {
      ASSERT_THAT(consumer.ApplyOne(sequence, payload).status(), IsOk());
    }
  }
  crm::common::FeedConsumer restarted =
      SegmentationConsumer("journey-seg-b-restarted");
  for (const auto& [sequence, payload] : events) {
    ASSERT_THAT(restarted.ApplyOne(sequence, payload).status(), IsOk());
  }

  EXPECT_EQ(Coupons("s-yes").size(), 1u);
  EXPECT_TRUE(Coupons("s-no").empty());
  EXPECT_TRUE(Coupons("s-unknown").empty());
  EXPECT_EQ(Stock(reward), 9);
  std::vector<v1::JourneyRun> yes = Runs(journey, "s-yes");
  ASSERT_EQ(yes.size(), 1u);
  EXPECT_EQ(yes[0].state(), v1::JourneyRun::COMPLETED);
  EXPECT_EQ(yes[0].trigger_event(), "segmentation:101");
  EXPECT_EQ(yes[0].coupon(), absl::StrCat("coupons/", Coupons("s-yes")[0].id));
  for (const std::string customer : {"s-no", "s-unknown"}) {
    std::vector<v1::JourneyRun> skipped = Runs(journey, customer);
    ASSERT_EQ(skipped.size(), 1u) << customer;
    EXPECT_EQ(skipped[0].state(), v1::JourneyRun::SKIPPED);
    EXPECT_EQ(skipped[0].skip_reason(), v1::JourneyRun::NO_CONSENT);
    EXPECT_TRUE(skipped[0].coupon().empty());
  }
  EXPECT_EQ(Runs(journey).size(), 3u);
}

TEST_F(JourneysTest, FrequencyCapHoldsAcrossJourneysInTheWindow) {
  std::unique_ptr<JourneyEngine> capped =
      NewEngine({.cap_actions = 2, .cap_window = absl::Hours(7 * 24)});
  const v1::Journey first = PointsOnOrder(10);
  const v1::Journey second = PointsOnOrder(7);
  crm::common::FeedConsumer consumer = ProfileConsumer("journey-c", *capped);
  // Two journeys per order: the first order takes both allowed actions.
  ASSERT_THAT(consumer
                  .ApplyOne(1, OrderEvent(cp::ChangeEvent::ORDER_RECORDED,
                                          "cap1", "o1", 100))
                  .status(),
              IsOk());
  clock_.Advance(absl::Hours(24));
  ASSERT_THAT(consumer
                  .ApplyOne(2, OrderEvent(cp::ChangeEvent::ORDER_RECORDED,
                                          "cap1", "o2", 100))
                  .status(),
              IsOk());
  EXPECT_EQ(Balance("cap1"), 2 + 10 + 7);
  std::vector<v1::JourneyRun> runs = Runs(first, "cap1");
  std::vector<v1::JourneyRun> more = Runs(second, "cap1");
  runs.insert(runs.end(), more.begin(), more.end());
  int completed = 0, capped_runs = 0;
  for (const v1::JourneyRun& run : runs) {
    if (run.state() == v1::JourneyRun::COMPLETED) ++completed;
    if (run.skip_reason() == v1::JourneyRun::FREQUENCY_CAP) ++capped_runs;
  }
  EXPECT_EQ(completed, 2);
  EXPECT_EQ(capped_runs, 2);
  // A week after the first actions the window has room again.
  clock_.Advance(absl::Hours(6 * 24) + absl::Minutes(1));
  ASSERT_THAT(consumer
                  .ApplyOne(3, OrderEvent(cp::ChangeEvent::ORDER_RECORDED,
                                          "cap1", "o3", 100))
                  .status(),
              IsOk());
  EXPECT_EQ(Balance("cap1"), 3 + 2 * 10 + 2 * 7);
}

TEST_F(JourneysTest, DelayedRunActsOnlyWhenDueAndOnce) {
  v1::Journey journey;
  journey.set_display_name("Tell them later");
  journey.mutable_trigger()->set_kind(v1::JourneyTrigger::ORDER_RECORDED);
  journey.mutable_delay()->set_seconds(2 * 24 * 3600);
  journey.mutable_action()->set_kind(v1::JourneyAction::EMIT_MESSAGE);
  journey.mutable_action()->set_message_type("journey.thank_you");
  journey = Create(journey);
  crm::common::FeedConsumer consumer = ProfileConsumer("journey-d", *engine_);
  ASSERT_THAT(
      consumer.ApplyOne(1, EmailConsentEvent("d1", cp::Consent::GRANTED))
          .status(),
      IsOk());
  ASSERT_THAT(consumer
                  .ApplyOne(2, OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "d1",
                                          "o1", 100))
                  .status(),
              IsOk());
  outbox_.messages.clear();
  std::vector<v1::JourneyRun> runs = Runs(journey, "d1");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].state(), v1::JourneyRun::SCHEDULED);
  EXPECT_EQ(crm::common::FromProtoTimestamp(runs[0].due_time()),
            kStart + absl::Hours(48));

  clock_.Set(kStart + absl::Hours(47));
  EXPECT_EQ(*engine_->RunDue({}), 0);
  EXPECT_EQ(Runs(journey, "d1")[0].state(), v1::JourneyRun::SCHEDULED);
  EXPECT_TRUE(outbox_.messages.empty());

  clock_.Set(kStart + absl::Hours(48));
  EXPECT_EQ(*engine_->RunDue({}), 1);
  EXPECT_EQ(*engine_->RunDue({}), 0);
  runs = Runs(journey, "d1");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].state(), v1::JourneyRun::COMPLETED);
  EXPECT_EQ(runs[0].message_type(), "journey.thank_you");
  ASSERT_EQ(outbox_.messages.size(), 1u);
  EXPECT_EQ(outbox_.messages[0].event_type, "journey.thank_you");
  EXPECT_EQ(outbox_.messages[0].idempotency_key, runs[0].name());
  EXPECT_EQ(outbox_.messages[0].customer_id, "d1");
  EXPECT_EQ(outbox_.messages[0].payload_json, runs[0].message_payload());
}

TEST_F(JourneysTest, QuietMembersTriggerOncePerQuietSpell) {
  v1::Journey journey;
  journey.set_display_name("We miss you");
  journey.mutable_trigger()->set_kind(v1::JourneyTrigger::NO_ORDER_FOR_DAYS);
  journey.mutable_trigger()->set_days_without_order(30);
  journey.mutable_action()->set_kind(v1::JourneyAction::AWARD_POINTS);
  journey.mutable_action()->set_points(5);
  journey.set_purpose(v1::Journey::SERVICE);
  journey = Create(journey);
  crm::common::FeedConsumer consumer = ProfileConsumer("journey-e", *engine_);
  cp::ChangeEvent order;
  ASSERT_TRUE(order.ParseFromString(
      OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "q1", "o1", 100)));
  *order.mutable_order()->mutable_order_time() =
      crm::common::ToProtoTimestamp(kStart);
  ASSERT_THAT(consumer.ApplyOne(1, order.SerializeAsString()).status(), IsOk());

  // (Members of the other tests are quiet too: only q1's runs are counted.)
  clock_.Set(kStart + absl::Hours(29 * 24));
  ASSERT_THAT(engine_->CheckQuietMembers({}).status(), IsOk());
  EXPECT_TRUE(Runs(journey, "q1").empty());
  clock_.Set(kStart + absl::Hours(31 * 24));
  ASSERT_THAT(engine_->CheckQuietMembers({}).status(), IsOk());
  EXPECT_EQ(Runs(journey, "q1").size(), 1u);
  EXPECT_EQ(*engine_->CheckQuietMembers({}), 0);  // Once per quiet spell.
  EXPECT_EQ(Runs(journey, "q1").size(), 1u);
  EXPECT_EQ(Balance("q1"), 1 + 5);
  // A new order starts a new spell.
  order.mutable_order()->set_name("customers/q1/orders/o2");
  *order.mutable_order()->mutable_order_time() =
      crm::common::ToProtoTimestamp(clock_.Now());
  ASSERT_THAT(consumer.ApplyOne(2, order.SerializeAsString()).status(), IsOk());
  clock_.Advance(absl::Hours(31 * 24));
  ASSERT_THAT(engine_->CheckQuietMembers({}).status(), IsOk());
  EXPECT_EQ(Runs(journey, "q1").size(), 2u);
  EXPECT_EQ(Balance("q1"), 2 + 2 * 5);
}

TEST_F(JourneysTest, PausedJourneyStartsNothingAndErasureForgetsRuns) {
  const v1::Journey journey = PointsOnOrder(10);
  crm::common::FeedConsumer consumer = ProfileConsumer("journey-f", *engine_);
  ASSERT_THAT(consumer
                  .ApplyOne(1, OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "p1",
                                          "o1", 100))
                  .status(),
              IsOk());
  v1::PauseJourneyRequest pause;
  pause.set_name(journey.name());
  pause.set_etag("not-an-etag");
  EXPECT_FALSE(manager_->PauseJourney({}, pause).ok());
  pause.set_etag(journey.etag());
  absl::StatusOr<v1::Journey> paused = manager_->PauseJourney({}, pause);
  ASSERT_THAT(paused.status(), IsOk());
  EXPECT_EQ(paused->state(), v1::Journey::PAUSED);
  EXPECT_NE(paused->etag(), journey.etag());
  ASSERT_THAT(consumer
                  .ApplyOne(2, OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "p1",
                                          "o2", 100))
                  .status(),
              IsOk());
  EXPECT_EQ(Runs(journey, "p1").size(), 1u);
  EXPECT_EQ(Balance("p1"), 2 + 10);

  ASSERT_THAT(consumer.ApplyOne(3, Erased("p1")).status(), IsOk());
  EXPECT_TRUE(Runs(journey, "p1").empty());
}

// The cost of journeys on the order feed: 1,000 orders of 200 members in
// batches of 100 applied by the consumer without the journey engine, with
// it but no active journey, and with one order journey acting on every
// order (printed; Debug + sanitizer figures are only relative). Exact
// balances every time.
TEST_F(JourneysTest, OrderFeedCostWithAndWithoutAJourney) {
  TearDown();  // No journey of the earlier tests is active.
  std::unique_ptr<JourneyEngine> uncapped = NewEngine({.cap_actions = 0});
  double seconds[3] = {0, 0, 0};
  for (int mode = 0; mode < 3; ++mode) {
    if (mode == 2) PointsOnOrder(1);
    crm::common::FeedConsumerOptions options;
    options.consumer = absl::StrCat("journey-cost-", mode);
    crm::common::FeedConsumer consumer(
        *pool_, NoStream(),
        MakeProfileFeedBatchApply(*earning_, *lifecycle_, consent_tracker_,
                                  mode == 0 ? nullptr : uncapped.get()),
        options);
    const absl::Time start = absl::Now();
    int64_t sequence = 0;
    for (int batch = 0; batch < 10; ++batch) {
      std::vector<crm::common::FeedItem> items;
      for (int i = 0; i < 100; ++i) {
        ++sequence;
        items.push_back(
            Item(sequence,
                 OrderEvent(cp::ChangeEvent::ORDER_RECORDED,
                            absl::StrCat("cost", mode, "-", sequence % 200),
                            absl::StrCat("o", sequence), 100)));
      }
      ASSERT_THAT(consumer.ApplyBatch(items).status(), IsOk());
    }
    seconds[mode] = absl::ToDoubleSeconds(absl::Now() - start);
    for (int member = 0; member < 200; member += 37) {
      EXPECT_EQ(Balance(absl::StrCat("cost", mode, "-", member)),
                mode == 2 ? 10 : 5);
    }
  }
  std::printf(
      "1000 order events in batches of 100: %.0f events/s without the "
      "journey engine, %.0f with it and no active journey, %.0f with one "
      "order journey acting on each\n",
      1000 / seconds[0], 1000 / seconds[1], 1000 / seconds[2]);
}

TEST_F(JourneysTest, CreateRefusesAnUnknownRewardNamingTheField) {
  v1::Journey journey;
  journey.set_display_name("Win back");
  journey.mutable_trigger()->set_kind(
      v1::JourneyTrigger::LIFECYCLE_STAGE_CHANGED);
  journey.mutable_trigger()->set_lifecycle_stage("AT_RISK");
  journey.mutable_action()->set_kind(v1::JourneyAction::ISSUE_COUPON);
  journey.mutable_action()->set_reward("rewards/none");
  v1::CreateJourneyRequest request;
  *request.mutable_journey() = journey;
  absl::Status status = manager_->CreateJourney({}, request).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(crm::common::ErrorMetadataOf(status)["field"],
            "journey.action.reward");
}

}  // namespace
}  // namespace crm::loyalty

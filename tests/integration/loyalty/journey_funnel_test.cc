// GetJourneyFunnel on MariaDB (journey_funnel_manager.h,
// mysql_journey_funnel_repository.h): runs made by the real journey flow
// (the order feed, the due job, a pause) in every state and skip reason,
// counted exactly; runs written in bulk counted per journey and state with
// distinct members, index-only through the covering key (EXPLAIN), timed;
// an unknown journey NOT_FOUND naming `name`.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/loyalty/journey_engine.h"
#include "services/loyalty/journey_funnel_manager.h"
#include "services/loyalty/journey_manager.h"
#include "services/loyalty/mysql_journey_funnel_repository.h"
#include "tests/integration/loyalty/journey_database_test.h"
#include "tests/integration/loyalty/profile_events.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
namespace cp = ::crm::customerprofile::v1;
using testing::EmailConsentEvent;
using testing::OrderEvent;
using Run = v1::JourneyRun;

const absl::Time kStart = testing::kJourneyStart;

class JourneyFunnelTest
    : public testing::JourneyDatabaseTest<JourneyFunnelTest> {
 public:
  static constexpr char kDatabase[] = "loyalty_journey_funnel";

 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(JourneyDatabaseTest::SetUp());
    funnel_manager_ =
        std::make_unique<JourneyFunnelManager>(*unit_of_work_, funnels_);
  }

  // One action per member and week: a member's second due run is capped.
  JourneyEngineOptions EngineOptions() override {
    return {.cap_actions = 1, .cap_window = absl::Hours(7 * 24)};
  }
  bool EarnsOnePointPerCny() const override { return true; }

  // A marketing e-mail message a day after each order.
  v1::Journey MessageADayAfterOrders() {
    v1::Journey journey;
    journey.set_display_name("Thank you, a day later");
    journey.mutable_trigger()->set_kind(v1::JourneyTrigger::ORDER_RECORDED);
    journey.mutable_delay()->set_seconds(24 * 3600);
    journey.mutable_action()->set_kind(v1::JourneyAction::EMIT_MESSAGE);
    journey.mutable_action()->set_message_type("journey.thank_you");
    journey.set_marketing_channel(v1::Campaign::EMAIL);
    return Create(journey);
  }

  absl::StatusOr<v1::JourneyFunnel> Funnel(const std::string& journey_name) {
    v1::GetJourneyFunnelRequest request;
    request.set_name(absl::StrCat(journey_name, "/funnel"));
    return funnel_manager_->GetJourneyFunnel({}, request);
  }

  static std::map<Run::SkipReason, int64_t> Skips(
      const v1::JourneyFunnel& funnel) {
    std::map<Run::SkipReason, int64_t> skips;
    for (const auto& count : funnel.skipped_by_reason()) {
      skips[count.reason()] = count.run_count();
    }
    return skips;
  }

  MySqlJourneyFunnelRepository funnels_;
  std::unique_ptr<JourneyFunnelManager> funnel_manager_;
};

TEST_F(JourneyFunnelTest, CountsRunsOfTheJourneyFlowInEveryState) {
  clock_.Set(kStart);
  const v1::Journey journey = MessageADayAfterOrders();
  ASSERT_FALSE(journey.name().empty());
  absl::StatusOr<v1::JourneyFunnel> empty = Funnel(journey.name());
  ASSERT_THAT(empty.status(), IsOk());
  EXPECT_EQ(empty->name(), absl::StrCat(journey.name(), "/funnel"));
  EXPECT_EQ(empty->triggered_count(), 0);
  EXPECT_EQ(empty->member_count(), 0);

  crm::common::FeedConsumer consumer = ProfileConsumer("funnel-a");
  int64_t sequence = 0;
  auto apply = [&](const std::string& payload) {
    ASSERT_THAT(consumer.ApplyOne(++sequence, payload).status(), IsOk());
  };
  // f1, f3, f4 granted e-mail marketing; f2 denied; f5 never answered.
  for (const char* customer : {"f1", "f3", "f4"}) {
    apply(EmailConsentEvent(customer, cp::Consent::GRANTED));
  }
  apply(EmailConsentEvent("f2", cp::Consent::DENIED));
  // Day 0: four runs scheduled for day 1 (f1 twice).
  clock_.Set(kStart + absl::Minutes(1));
  apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "f1", "o1", 1000));
  apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "f1", "o2", 1000));
  apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "f2", "o1", 1000));
  apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "f5", "o1", 1000));
  absl::StatusOr<v1::JourneyFunnel> scheduled = Funnel(journey.name());
  ASSERT_THAT(scheduled.status(), IsOk());
  EXPECT_EQ(scheduled->triggered_count(), 4);
  EXPECT_EQ(scheduled->scheduled_count(), 4);
  EXPECT_EQ(scheduled->completed_count(), 0);
  EXPECT_EQ(scheduled->skipped_count(), 0);
  EXPECT_EQ(scheduled->member_count(), 3);

  // Day 1: f1's first run acts, its second meets the cap of one action,
  // f2 and f5 have no consent. f3 orders: due on day 2.
  clock_.Set(kStart + absl::Hours(24) + absl::Minutes(2));
  ASSERT_THAT(engine_->RunDue({}).status(), IsOk());
  apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "f3", "o1", 1000));
  // Day 2, paused: f3's run is due while the journey is paused.
  v1::PauseJourneyRequest pause;
  pause.set_name(journey.name());
  ASSERT_THAT(manager_->PauseJourney({}, pause).status(), IsOk());
  clock_.Set(kStart + absl::Hours(48) + absl::Minutes(3));
  ASSERT_THAT(engine_->RunDue({}).status(), IsOk());
  v1::ResumeJourneyRequest resume;
  resume.set_name(journey.name());
  ASSERT_THAT(manager_->ResumeJourney({}, resume).status(), IsOk());
  // f4 orders: scheduled for day 3.
  apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "f4", "o1", 1000));

  absl::StatusOr<v1::JourneyFunnel> funnel = Funnel(journey.name());
  ASSERT_THAT(funnel.status(), IsOk());
  EXPECT_EQ(funnel->triggered_count(), 6);
  EXPECT_EQ(funnel->scheduled_count(), 1);
  EXPECT_EQ(funnel->completed_count(), 1);
  EXPECT_EQ(funnel->skipped_count(), 4);
  EXPECT_EQ(funnel->member_count(), 5);
  ASSERT_EQ(funnel->skipped_by_reason_size(), 3);
  EXPECT_EQ(funnel->skipped_by_reason(0).reason(), Run::NO_CONSENT);
  EXPECT_EQ(funnel->skipped_by_reason(0).run_count(), 2);
  EXPECT_EQ(Skips(*funnel),
            (std::map<Run::SkipReason, int64_t>{{Run::NO_CONSENT, 2},
                                                {Run::FREQUENCY_CAP, 1},
                                                {Run::JOURNEY_PAUSED, 1}}));
  // The same figures as the audit of runs lists.
  v1::ListJourneyRunsRequest list;
  list.set_parent(journey.name());
  list.set_page_size(100);
  absl::StatusOr<v1::ListJourneyRunsResponse> runs =
      manager_->ListJourneyRuns({}, list);
  ASSERT_THAT(runs.status(), IsOk());
  std::map<Run::State, int64_t> by_state;
  std::set<std::string> members;
  for (const v1::JourneyRun& run : runs->runs()) {
    ++by_state[run.state()];
    members.insert(run.customer());
  }
  EXPECT_EQ(runs->runs_size(), funnel->triggered_count());
  EXPECT_EQ(by_state[Run::SCHEDULED], funnel->scheduled_count());
  EXPECT_EQ(by_state[Run::COMPLETED], funnel->completed_count());
  EXPECT_EQ(by_state[Run::SKIPPED], funnel->skipped_count());
  EXPECT_EQ(static_cast<int64_t>(members.size()), funnel->member_count());
}

TEST_F(JourneyFunnelTest, CountsBulkRunsPerJourneyThroughItsKey) {
  const v1::Journey journey = MessageADayAfterOrders();
  const v1::Journey other = MessageADayAfterOrders();
  const std::string id = journey.name().substr(std::string("journeys/").size());
  const std::string other_id =
      other.name().substr(std::string("journeys/").size());
  // 20,000 runs of `journey` over 7,000 members: i % 10 is 0 SCHEDULED,
  // 1..5 COMPLETED, 6..7 NO_CONSENT, 8 FREQUENCY_CAP, 9 REWARD_UNAVAILABLE;
  // 500 runs of `other`. Due far ahead: no due job acts on them.
  constexpr int kRuns = 20'000;
  auto insert = [&](const std::string& journey_id, int runs,
                    const std::string& prefix) {
    return database_->Execute(absl::StrCat(
        "INSERT INTO journey_runs (id, journey_id, customer_id, "
        "trigger_event, trigger_time, due_time, state, skip_reason, "
        "create_time) SELECT CONCAT('",
        prefix, "', seq), '", journey_id,
        "', CONCAT('m', seq % 7000), CONCAT('bulk:', seq), NOW(6), "
        "'2100-01-01', "
        "CASE WHEN seq % 10 = 0 THEN 'SCHEDULED' WHEN seq % 10 <= 5 THEN "
        "'COMPLETED' ELSE 'SKIPPED' END, CASE WHEN seq % 10 IN (6, 7) THEN "
        "'NO_CONSENT' WHEN seq % 10 = 8 THEN 'FREQUENCY_CAP' WHEN seq % 10 = 9 "
        "THEN 'REWARD_UNAVAILABLE' ELSE 'SKIP_REASON_UNSPECIFIED' END, "
        "NOW(6) FROM seq_1_to_",
        runs));
  };
  ASSERT_THAT(insert(id, kRuns, "bulk-a-"), IsOk());
  ASSERT_THAT(insert(other_id, 500, "bulk-b-"), IsOk());

  const auto started = std::chrono::steady_clock::now();
  absl::StatusOr<v1::JourneyFunnel> funnel = Funnel(journey.name());
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_THAT(funnel.status(), IsOk());
  std::printf("GetJourneyFunnel over %d runs (Debug + sanitizers): %.1f ms\n",
              kRuns,
              std::chrono::duration<double, std::milli>(elapsed).count());
  EXPECT_EQ(funnel->triggered_count(), kRuns);
  EXPECT_EQ(funnel->scheduled_count(), kRuns / 10);
  EXPECT_EQ(funnel->completed_count(), kRuns / 2);
  EXPECT_EQ(funnel->skipped_count(), kRuns * 4 / 10);
  EXPECT_EQ(funnel->member_count(), 7000);
  ASSERT_EQ(funnel->skipped_by_reason_size(), 3);
  EXPECT_EQ(funnel->skipped_by_reason(0).reason(), Run::NO_CONSENT);
  EXPECT_EQ(funnel->skipped_by_reason(0).run_count(), kRuns / 5);
  // Equal counts: by reason number.
  EXPECT_EQ(funnel->skipped_by_reason(1).reason(), Run::FREQUENCY_CAP);
  EXPECT_EQ(funnel->skipped_by_reason(1).run_count(), kRuns / 10);
  EXPECT_EQ(funnel->skipped_by_reason(2).reason(), Run::REWARD_UNAVAILABLE);
  EXPECT_EQ(funnel->skipped_by_reason(2).run_count(), kRuns / 10);

  absl::StatusOr<v1::JourneyFunnel> small = Funnel(other.name());
  ASSERT_THAT(small.status(), IsOk());
  EXPECT_EQ(small->triggered_count(), 500);
  EXPECT_EQ(small->member_count(), 500);

  // The aggregate reads the journey's rows through a (journey_id, ...) key,
  // never the whole table.
  absl::StatusOr<std::vector<std::string>> plan =
      database_->QueryColumn(absl::StrCat(
          "EXPLAIN FORMAT=JSON SELECT state, skip_reason, COUNT(*) AS runs, "
          "COUNT(DISTINCT customer_id) AS members FROM journey_runs "
          "WHERE journey_id = '",
          id, "' GROUP BY state, skip_reason WITH ROLLUP"));
  ASSERT_THAT(plan.status(), IsOk());
  ASSERT_EQ(plan->size(), 1u);
  std::printf("EXPLAIN: %s\n", (*plan)[0].c_str());
  EXPECT_NE((*plan)[0].find("\"access_type\": \"ref\""), std::string::npos);
  EXPECT_EQ((*plan)[0].find("\"access_type\": \"ALL\""), std::string::npos);
  // Only the covering key journey_runs_funnel (migration 0014) is read.
  EXPECT_NE((*plan)[0].find("\"key\": \"journey_runs_funnel\""),
            std::string::npos);
  EXPECT_NE((*plan)[0].find("\"using_index\": true"), std::string::npos);
}

TEST_F(JourneyFunnelTest, AnUnknownJourneyIsNotFoundNamingName) {
  absl::StatusOr<v1::JourneyFunnel> funnel = Funnel("journeys/no-such");
  EXPECT_TRUE(absl::IsNotFound(funnel.status())) << funnel.status();
  EXPECT_EQ(crm::common::ErrorMetadataOf(funnel.status())["field"], "name");
  EXPECT_EQ(crm::common::ErrorMetadataOf(funnel.status())["resource"],
            "journeys/no-such");
  v1::GetJourneyFunnelRequest bad;
  bad.set_name("journeys/x/runs");
  absl::Status status = funnel_manager_->GetJourneyFunnel({}, bad).status();
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_EQ(crm::common::ErrorMetadataOf(status)["field"], "name");
}

}  // namespace
}  // namespace crm::loyalty

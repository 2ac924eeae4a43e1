// GetJourneyFunnel over the in-memory fake (journey_funnel_manager.h): the
// name's forms and errors naming `name`, NOT_FOUND for an unknown journey,
// counts per state, skipped runs by reason largest first, distinct members,
// one journey's runs only, a passed deadline and a failing read.
#include "services/loyalty/journey_funnel_manager.h"

#include <gtest/gtest.h>

#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/loyalty/in_memory_journey_funnel_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
using Run = v1::JourneyRun;

class JourneyFunnelTest : public ::testing::Test {
 protected:
  absl::StatusOr<v1::JourneyFunnel> Get(
      const std::string& name,
      const crm::common::RequestContext& context = {}) {
    v1::GetJourneyFunnelRequest request;
    request.set_name(name);
    return manager_.GetJourneyFunnel(context, request);
  }

  crm::common::FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryJourneyFunnelRepository funnels_;
  JourneyFunnelManager manager_{unit_of_work_, funnels_};
};

TEST_F(JourneyFunnelTest, NamesParseOnlyInTheFunnelForm) {
  EXPECT_EQ(JourneyFunnelName("j1"), "journeys/j1/funnel");
  EXPECT_EQ(ParseJourneyFunnelName("journeys/j1/funnel", "name").value_or(""),
            "j1");
  for (const char* name :
       {"", "journeys/j1", "journeys/funnel", "journeys//funnel",
        "journeys/j1/funnel/", "journeys/a/b/funnel", "rewards/j1/funnel",
        "journeys/j 1/funnel", "journeys/j1/runs"}) {
    absl::Status status = ParseJourneyFunnelName(name, "name").status();
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << name;
    EXPECT_EQ(crm::common::ErrorMetadataOf(status)["field"], "name") << name;
  }
}

TEST_F(JourneyFunnelTest, BadOrMissingNamesAreRefusedWithoutReading) {
  for (const char* name : {"", "journeys/j1", "journeys/j1/runs/r1"}) {
    absl::Status status = Get(name).status();
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << name;
    EXPECT_EQ(crm::common::ErrorMetadataOf(status)["field"], "name") << name;
  }
  EXPECT_EQ(crm::common::ReasonOf(Get("").status()),
            crm::type::v1::FIELD_REQUIRED);
  EXPECT_EQ(funnels_.reads, 0);
}

TEST_F(JourneyFunnelTest, AnUnknownJourneyIsNotFoundNamingName) {
  funnels_.PutRun("ghost", "c1", Run::COMPLETED);
  absl::Status status = Get("journeys/ghost/funnel").status();
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  EXPECT_EQ(crm::common::ReasonOf(status), crm::type::v1::RESOURCE_NOT_FOUND);
  EXPECT_EQ(crm::common::ErrorMetadataOf(status)["field"], "name");
  EXPECT_EQ(crm::common::ErrorMetadataOf(status)["resource"], "journeys/ghost");
}

TEST_F(JourneyFunnelTest, AJourneyWithoutRunsHasAnEmptyFunnel) {
  funnels_.PutJourney("j0");
  absl::StatusOr<v1::JourneyFunnel> funnel = Get("journeys/j0/funnel");
  ASSERT_THAT(funnel.status(), IsOk());
  EXPECT_EQ(funnel->name(), "journeys/j0/funnel");
  EXPECT_EQ(funnel->triggered_count(), 0);
  EXPECT_EQ(funnel->scheduled_count(), 0);
  EXPECT_EQ(funnel->completed_count(), 0);
  EXPECT_EQ(funnel->skipped_count(), 0);
  EXPECT_EQ(funnel->skipped_by_reason_size(), 0);
  EXPECT_EQ(funnel->member_count(), 0);
}

TEST_F(JourneyFunnelTest, CountsEveryStateAndSkipsLargestFirst) {
  funnels_.PutJourney("j1");
  funnels_.PutJourney("j2");
  funnels_.PutRun("j1", "c1", Run::COMPLETED);
  funnels_.PutRun("j1", "c1", Run::COMPLETED);
  funnels_.PutRun("j1", "c2", Run::SCHEDULED);
  funnels_.PutRun("j1", "c3", Run::SKIPPED, Run::FREQUENCY_CAP);
  funnels_.PutRun("j1", "c4", Run::SKIPPED, Run::NO_CONSENT);
  funnels_.PutRun("j1", "c5", Run::SKIPPED, Run::NO_CONSENT);
  funnels_.PutRun("j1", "c6", Run::SKIPPED, Run::NO_CONSENT);
  funnels_.PutRun("j1", "c1", Run::SKIPPED, Run::REWARD_UNAVAILABLE);
  funnels_.PutRun("j1", "c2", Run::SKIPPED, Run::JOURNEY_PAUSED);
  funnels_.PutRun("j1", "c3", Run::SKIPPED, Run::JOURNEY_PAUSED);
  // Another journey's runs are not counted.
  funnels_.PutRun("j2", "c9", Run::COMPLETED);
  funnels_.PutRun("j2", "c9", Run::SKIPPED, Run::FREQUENCY_CAP);

  absl::StatusOr<v1::JourneyFunnel> funnel = Get("journeys/j1/funnel");
  ASSERT_THAT(funnel.status(), IsOk());
  EXPECT_EQ(funnel->name(), "journeys/j1/funnel");
  EXPECT_EQ(funnel->triggered_count(), 10);
  EXPECT_EQ(funnel->scheduled_count(), 1);
  EXPECT_EQ(funnel->completed_count(), 2);
  EXPECT_EQ(funnel->skipped_count(), 7);
  EXPECT_EQ(funnel->member_count(), 6);
  ASSERT_EQ(funnel->skipped_by_reason_size(), 4);
  // Largest first; equal counts by reason number.
  EXPECT_EQ(funnel->skipped_by_reason(0).reason(), Run::NO_CONSENT);
  EXPECT_EQ(funnel->skipped_by_reason(0).run_count(), 3);
  EXPECT_EQ(funnel->skipped_by_reason(1).reason(), Run::JOURNEY_PAUSED);
  EXPECT_EQ(funnel->skipped_by_reason(1).run_count(), 2);
  EXPECT_EQ(funnel->skipped_by_reason(2).reason(), Run::FREQUENCY_CAP);
  EXPECT_EQ(funnel->skipped_by_reason(3).reason(), Run::REWARD_UNAVAILABLE);
  EXPECT_EQ(funnel->skipped_by_reason(2).run_count(), 1);
  EXPECT_EQ(funnel->skipped_by_reason(3).run_count(), 1);
  int64_t skipped = 0;
  for (const auto& count : funnel->skipped_by_reason()) {
    skipped += count.run_count();
  }
  EXPECT_EQ(skipped, funnel->skipped_count());
  EXPECT_EQ(funnel->triggered_count(), funnel->scheduled_count() +
                                           funnel->completed_count() +
                                           funnel->skipped_count());

  absl::StatusOr<v1::JourneyFunnel> other = Get("journeys/j2/funnel");
  ASSERT_THAT(other.status(), IsOk());
  EXPECT_EQ(other->triggered_count(), 2);
  EXPECT_EQ(other->member_count(), 1);
}

TEST_F(JourneyFunnelTest, APassedDeadlineReadsNothing) {
  funnels_.PutJourney("j1");
  absl::Status status =
      Get("journeys/j1/funnel", crm::common::RequestContext::WithDeadline(
                                    clock_.Now() - absl::Seconds(1)))
          .status();
  EXPECT_TRUE(absl::IsDeadlineExceeded(status)) << status;
  EXPECT_EQ(funnels_.reads, 0);
}

TEST_F(JourneyFunnelTest, AFailingReadIsReturned) {
  funnels_.PutJourney("j1");
  funnels_.fail_with = absl::UnavailableError("database down");
  EXPECT_TRUE(absl::IsUnavailable(Get("journeys/j1/funnel").status()));
}

}  // namespace
}  // namespace crm::loyalty

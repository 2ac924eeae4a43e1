#include "services/common/periodic_job.h"

#include <atomic>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "tests/testing/wait.h"

namespace crm::common {
namespace {

using ::testing::AllOf;
using ::testing::Ge;
using ::testing::Le;

TEST(PeriodicJobTest, RunsRepeatedlyUntilStopped) {
  std::atomic<int> runs{0};
  PeriodicJob job([&](const RequestContext&) { ++runs; },
                  {.interval = absl::Milliseconds(5)});
  job.Start();
  EXPECT_TRUE(crm::testing::WaitUntil([&] { return runs.load() >= 3; },
                                      absl::Seconds(10)));
  job.Stop();
  const int at_stop = runs.load();
  EXPECT_GE(at_stop, 3);
  // No run after Stop(): the count stays put for six intervals.
  EXPECT_FALSE(crm::testing::WaitUntil([&] { return runs.load() != at_stop; },
                                       absl::Milliseconds(30)));
  job.Stop();  // Idempotent.
}

TEST(PeriodicJobTest, StopCancelsTheRunInProgressAndEndsThePause) {
  absl::Notification running;
  std::atomic<bool> saw_cancel{false};
  PeriodicJob job(
      [&](const RequestContext& context) {
        running.Notify();
        const absl::Time give_up = absl::Now() + absl::Seconds(10);
        while (!context.IsCancelled() && absl::Now() < give_up) {
          absl::SleepFor(absl::Milliseconds(1));
        }
        saw_cancel = context.IsCancelled();
      },
      {.interval = absl::Hours(1)});
  job.Start();
  running.WaitForNotification();
  const absl::Time start = absl::Now();
  job.Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_TRUE(saw_cancel.load());
}

TEST(PeriodicJobTest, StopDuringARandomFirstDelayRunsNothing) {
  std::atomic<int> runs{0};
  PeriodicJob job([&](const RequestContext&) { ++runs; },
                  {.interval = absl::Hours(1), .random_first_delay = true});
  job.Start();
  const absl::Time start = absl::Now();
  job.Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_EQ(runs.load(), 0);
}

TEST(PeriodicJobTest, PausesAreJitteredAroundTheInterval) {
  PeriodicJob job([](const RequestContext&) {}, {.interval = absl::Minutes(60),
                                                 .jitter = 0.1,
                                                 .random_first_delay = true});
  bool differ = false;
  absl::Duration previous = job.NextPause(false);
  for (int i = 0; i < 200; ++i) {
    const absl::Duration pause = job.NextPause(false);
    EXPECT_THAT(pause, AllOf(Ge(absl::Minutes(54)), Le(absl::Minutes(66))));
    differ = differ || pause != previous;
    previous = pause;
    EXPECT_THAT(job.NextPause(true),
                AllOf(Ge(absl::ZeroDuration()), Le(absl::Minutes(66))));
  }
  EXPECT_TRUE(differ);

  PeriodicJob immediate([](const RequestContext&) {},
                        {.interval = absl::Minutes(60)});
  EXPECT_EQ(immediate.NextPause(true), absl::ZeroDuration());
  EXPECT_EQ(immediate.NextPause(false), absl::Minutes(60));
}

}  // namespace
}  // namespace crm::common

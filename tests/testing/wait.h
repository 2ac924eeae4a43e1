// Waiting in tests without fixed sleeps: poll a condition until it holds or
// a deadline passes, and run an action that must return within a deadline.
// Deadlines are generous (they prove liveness, never speed): a test that
// waits on a condition finishes as soon as the condition holds.
//
//   EXPECT_TRUE(crm::testing::WaitUntil([&] { return consumer.last() >= 20; }))
//       << "the consumer did not reach sequence 20";
//   EXPECT_TRUE(crm::testing::ReturnsWithin(absl::Seconds(20),
//                                           [&] { sequencer.Stop(); }));
#pragma once

#include <cstdio>
#include <functional>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace crm::testing {

// How long WaitUntil waits by default: far beyond what any condition in the
// tests needs on a loaded machine, well inside the test runner's timeout.
inline constexpr absl::Duration kDefaultWaitTimeout = absl::Seconds(20);

// Evaluates `condition` until it returns true or `timeout` passes, pausing
// `poll_interval` between evaluations; whether it held. The condition is
// evaluated once more at the deadline, so a zero timeout checks it once.
inline bool WaitUntil(const std::function<bool()>& condition,
                      absl::Duration timeout = kDefaultWaitTimeout,
                      absl::Duration poll_interval = absl::Milliseconds(5)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(poll_interval);
  }
  return condition();
}

// Runs `action` on another thread; whether it returned within `timeout`.
// The thread is always joined before this returns: an action that never
// returns blocks the test (the test runner's timeout then ends it), after a
// line on stderr says what is being waited for.
inline bool ReturnsWithin(absl::Duration timeout,
                          const std::function<void()>& action) {
  absl::Notification returned;
  std::thread runner([&] {
    action();
    returned.Notify();
  });
  const bool in_time = returned.WaitForNotificationWithTimeout(timeout);
  if (!in_time) {
    std::fprintf(stderr,
                 "ReturnsWithin: the action did not return within %s; "
                 "still waiting for it\n",
                 absl::FormatDuration(timeout).c_str());
  }
  runner.join();
  return in_time;
}

}  // namespace crm::testing

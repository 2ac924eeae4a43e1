#include "gateway/route_threads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace crm::gateway {
namespace {

TEST(RouteThreadsTest, RunsEveryTaskOffTheCallersThread) {
  absl::Mutex mu;
  std::set<std::thread::id> ran_on;
  int ran = 0;
  {
    RouteThreads threads(2);
    for (int i = 0; i < 50; ++i) {
      threads.Run([&] {
        absl::MutexLock lock(&mu);
        ran_on.insert(std::this_thread::get_id());
        ++ran;
      });
    }
  }
  EXPECT_EQ(ran, 50);
  EXPECT_EQ(ran_on.count(std::this_thread::get_id()), 0u);
}

TEST(RouteThreadsTest, AWaitingTaskLeavesTheOtherThreadsWorking) {
  RouteThreads threads(2);
  absl::Notification release;
  absl::Notification other_ran;
  threads.Run([&] { release.WaitForNotification(); });
  threads.Run([&] { other_ran.Notify(); });
  EXPECT_TRUE(other_ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
  release.Notify();
}

TEST(RouteThreadsTest, TheDestructorRunsWhatIsQueued) {
  std::atomic<int> ran{0};
  absl::Notification release;
  {
    auto threads = std::make_unique<RouteThreads>(1);
    threads->Run([&] {
      release.WaitForNotification();
      ++ran;
    });
    for (int i = 0; i < 10; ++i) threads->Run([&] { ++ran; });
    release.Notify();
    threads.reset();
  }
  EXPECT_EQ(ran.load(), 11);
}

}  // namespace
}  // namespace crm::gateway

// Runs a function on a background thread every `interval` (first run right
// after Start) until Stop(): loyalty's scheduled jobs (points expiry).
//
//   PeriodicTask expiry([&] { (void)points_expiry.ExpireDue({}); },
//                       absl::Hours(1));
//   expiry.Start();
//   ...
//   expiry.Stop();  // Waits for a run in progress, then joins.
#pragma once

#include <functional>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace crm::loyalty {

class PeriodicTask {
 public:
  PeriodicTask(std::function<void()> run, absl::Duration interval)
      : run_(std::move(run)), interval_(interval) {}
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;
  ~PeriodicTask() { Stop(); }

  // Starts the thread. Call at most once.
  void Start() {
    thread_ = std::thread([this] {
      absl::MutexLock lock(&mu_);
      while (!stop_) {
        mu_.Unlock();
        run_();
        mu_.Lock();
        mu_.AwaitWithTimeout(absl::Condition(&stop_), interval_);
      }
    });
  }

  // Ends the thread after the run in progress, if any. Idempotent.
  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  const std::function<void()> run_;
  const absl::Duration interval_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace crm::loyalty

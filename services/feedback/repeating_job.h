// A background thread that runs a job, then waits `interval` (or until
// Stop()), and again: feedback's escalation job.
//
//   RepeatingJob escalation([&] { (void)job.EscalateDue({}); },
//                           absl::Minutes(1));
//   escalation.Start();
//   ...
//   escalation.Stop();  // Lets a run in progress finish, then joins.
#pragma once

#include <functional>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace crm::feedback {

class RepeatingJob {
 public:
  RepeatingJob(std::function<void()> job, absl::Duration interval)
      : job_(std::move(job)), interval_(interval) {}
  RepeatingJob(const RepeatingJob&) = delete;
  RepeatingJob& operator=(const RepeatingJob&) = delete;
  ~RepeatingJob() { Stop(); }

  // Starts the thread; the first run is immediate. Call at most once.
  void Start() {
    worker_ = std::thread([this] {
      while (true) {
        job_();
        absl::MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_)) {
          return;
        }
      }
    });
  }

  // Ends the thread after the run in progress. Idempotent.
  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    if (worker_.joinable()) worker_.join();
  }

 private:
  const std::function<void()> job_;
  const absl::Duration interval_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread worker_;
};

}  // namespace crm::feedback

// Runs a function on a background thread, again and again with a pause
// between runs, until Stop(): the shared runtime's scheduled jobs (the
// idempotency retention purge, idempotency_retention.h).
//
//   PeriodicJob purge(
//       [&](const RequestContext& ctx) { (void)purger.PurgeOnce(ctx); },
//       {.interval = absl::Hours(1), .jitter = 0.1,
//        .random_first_delay = true});
//   purge.Start();
//   ...
//   purge.Stop();  // Cancels the run in progress, waits for it, joins.
#pragma once

#include <atomic>
#include <functional>
#include <random>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/request_context.h"

namespace crm::common {

struct PeriodicJobOptions {
  // The pause between the end of one run and the start of the next (> 0).
  absl::Duration interval = absl::Hours(1);
  // Each pause is `interval` times a uniformly random factor in
  // [1 - jitter, 1 + jitter], so replicas started together drift apart.
  // In [0, 1).
  double jitter = 0;
  // The first run waits a uniformly random part of a pause instead of
  // starting at once.
  bool random_first_delay = false;
};

class PeriodicJob {
 public:
  // `run` gets a context that reports IsCancelled() once Stop() was called;
  // a run that loops must check it between steps.
  PeriodicJob(std::function<void(const RequestContext&)> run,
              PeriodicJobOptions options);
  PeriodicJob(const PeriodicJob&) = delete;
  PeriodicJob& operator=(const PeriodicJob&) = delete;
  ~PeriodicJob() { Stop(); }

  // Starts the thread. Call at most once.
  void Start();

  // Cancels the run in progress (through its context), waits for it to
  // return and joins the thread; no run starts afterwards. Idempotent.
  void Stop();

  // The pause before the next run; `first` for the first run. Exposed for
  // tests.
  absl::Duration NextPause(bool first);

 private:
  const std::function<void(const RequestContext&)> run_;
  const PeriodicJobOptions options_;
  std::mt19937_64 random_;  // Used by the job's thread only.
  std::atomic<bool> cancelled_{false};
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace crm::common

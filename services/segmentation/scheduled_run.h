// A job the service runs on its own schedule (the full score recompute and
// the CLV fit, scoring_schedule.h), safe with several replicas: each run
// first takes the job's ScheduledRunLock without waiting, and a replica that
// does not get it skips that run (debug log, outcome "skipped").
//
//   ScheduledRun recompute(body, lock, clock, &metrics,
//                          {.job = "recompute",
//                           .lock_name = "crm_segmentation_recompute",
//                           .interval = absl::Hours(24),
//                           .timeout = absl::Minutes(30)});
//   recompute.Start();
//   ...
//   recompute.Stop();  // Cancels a run in progress, waits for it.
//
// Each run gets a context with a deadline of `timeout` from its start (the
// database layer bounds every statement by it) that also reports
// cancellation once the deadline passed on `clock`, Stop() was called or
// `shutting_down()` holds (by default the process's lame-duck phase, which
// begins before the gRPC drain), so a run in progress ends at its body's
// next check and no run starts during shutdown; a run past its deadline is
// "failed". Every run counts one
// crm_segmentation_scheduled_runs_total{job, outcome} with outcome "ok",
// "failed", "skipped" (the lock is held elsewhere) or "cancelled"
// (shutdown), and logs one line with its duration (and, when it succeeded,
// its counts). A failed run changes nothing for the next one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/metrics.h"
#include "services/common/periodic_job.h"
#include "services/common/request_context.h"
#include "services/segmentation/scheduled_run_lock.h"

namespace crm::segmentation {

// What one run did, for its log line, in order: ("customers", 1200), ...
using ScheduledRunCounts = std::vector<std::pair<std::string, int64_t>>;

// One run of the job. Must honour the context's deadline and cancellation.
using ScheduledRunBody = std::function<absl::StatusOr<ScheduledRunCounts>(
    const crm::common::RequestContext& context)>;

enum class ScheduledRunOutcome { kOk, kFailed, kSkipped, kCancelled };

// "ok", "failed", "skipped", "cancelled": the metric's outcome label.
const char* ScheduledRunOutcomeName(ScheduledRunOutcome outcome);

struct ScheduledRunOptions {
  // The metric's and the log's `job` label, e.g. "recompute".
  std::string job;
  // The ScheduledRunLock name, the same in every replica.
  std::string lock_name;
  // The pause between the end of a run and the start of the next (> 0).
  absl::Duration interval = absl::Hours(24);
  // Each pause is jittered by this fraction, and the first one is a random
  // part of a pause, so replicas started together drift apart
  // (PeriodicJobOptions).
  double jitter = 0.1;
  bool random_first_delay = true;
  // The deadline of each run, from its start (> 0).
  absl::Duration timeout = absl::Minutes(30);
  // True once the process is shutting down; null: never. Polled.
  std::function<bool()> shutting_down;
};

class ScheduledRun {
 public:
  // `lock`, `clock` and `metrics` (null: not counted) must outlive this
  // object. Registers the metric's series at zero.
  ScheduledRun(ScheduledRunBody body, ScheduledRunLock& lock,
               const crm::common::Clock& clock, crm::common::Metrics* metrics,
               ScheduledRunOptions options);
  ScheduledRun(const ScheduledRun&) = delete;
  ScheduledRun& operator=(const ScheduledRun&) = delete;
  ~ScheduledRun() { Stop(); }

  // Starts the schedule on a background thread (PeriodicJob). At most once.
  void Start();

  // Cancels the run in progress, waits for it and ends the schedule.
  // Idempotent; returns promptly when no run is in progress.
  void Stop();

  // One run now, on the calling thread: lock, body, metric and log line.
  // `stop` cancels it (the schedule passes its own context). Exposed for
  // tests.
  ScheduledRunOutcome RunOnce(const crm::common::RequestContext& stop);

  const ScheduledRunOptions& options() const { return options_; }

 private:
  void Count(ScheduledRunOutcome outcome);

  const ScheduledRunBody body_;
  ScheduledRunLock& lock_;
  const crm::common::Clock& clock_;
  crm::common::Metrics* const metrics_;
  const ScheduledRunOptions options_;
  std::unique_ptr<crm::common::PeriodicJob> job_;
};

}  // namespace crm::segmentation

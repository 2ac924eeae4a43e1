#include "services/segmentation/scheduled_run.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/logging.h"

namespace crm::segmentation {
namespace {

using ::crm::common::LogFields;
using ::crm::common::LogLevel;
using ::crm::common::RequestContext;

constexpr char kRunsMetric[] = "crm_segmentation_scheduled_runs_total";
constexpr char kRunsHelp[] =
    "Scheduled runs of segmentation's jobs (recompute, clv_fit) by outcome: "
    "ok, failed, skipped (another replica held the job's lock), cancelled "
    "(shutdown).";

constexpr ScheduledRunOutcome kAllOutcomes[] = {
    ScheduledRunOutcome::kOk, ScheduledRunOutcome::kFailed,
    ScheduledRunOutcome::kSkipped, ScheduledRunOutcome::kCancelled};

}  // namespace

const char* ScheduledRunOutcomeName(ScheduledRunOutcome outcome) {
  switch (outcome) {
    case ScheduledRunOutcome::kOk:
      return "ok";
    case ScheduledRunOutcome::kFailed:
      return "failed";
    case ScheduledRunOutcome::kSkipped:
      return "skipped";
    case ScheduledRunOutcome::kCancelled:
      return "cancelled";
  }
  return "failed";
}

ScheduledRun::ScheduledRun(ScheduledRunBody body, ScheduledRunLock& lock,
                           const crm::common::Clock& clock,
                           crm::common::Metrics* metrics,
                           ScheduledRunOptions options)
    : body_(std::move(body)),
      lock_(lock),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)) {
  if (metrics_ != nullptr) {
    // Every series exists from the start, so rates and alerts see zeros.
    for (ScheduledRunOutcome outcome : kAllOutcomes) {
      metrics_->IncrementCounter(
          kRunsMetric, kRunsHelp,
          {{"job", options_.job},
           {"outcome", ScheduledRunOutcomeName(outcome)}},
          0);
    }
  }
}

void ScheduledRun::Start() {
  job_ = std::make_unique<crm::common::PeriodicJob>(
      [this](const RequestContext& stop) { RunOnce(stop); },
      crm::common::PeriodicJobOptions{
          .interval = options_.interval,
          .jitter = options_.jitter,
          .random_first_delay = options_.random_first_delay});
  job_->Start();
}

void ScheduledRun::Stop() {
  if (job_ != nullptr) job_->Stop();
}

void ScheduledRun::Count(ScheduledRunOutcome outcome) {
  if (metrics_ == nullptr) return;
  metrics_->IncrementCounter(
      kRunsMetric, kRunsHelp,
      {{"job", options_.job}, {"outcome", ScheduledRunOutcomeName(outcome)}});
}

ScheduledRunOutcome ScheduledRun::RunOnce(const RequestContext& stop) {
  auto cancelled = [this, &stop] {
    return stop.IsCancelled() ||
           (options_.shutting_down && options_.shutting_down());
  };
  if (cancelled()) {
    // Not a run: the schedule woke up while the process shuts down.
    crm::common::Log(LogLevel::kDebug,
                     "scheduled run not started: shutting down",
                     {{"job", options_.job}});
    return ScheduledRunOutcome::kCancelled;
  }
  absl::StatusOr<std::unique_ptr<ScheduledRunLease>> lease =
      lock_.TryAcquire(options_.lock_name);
  if (!lease.ok()) {
    Count(ScheduledRunOutcome::kFailed);
    crm::common::LogWarning(
        "scheduled run failed: its lock could not be taken; the next run "
        "continues",
        {{"job", options_.job},
         {"lock", options_.lock_name},
         {"error", std::string(lease.status().message())}});
    return ScheduledRunOutcome::kFailed;
  }
  if (*lease == nullptr) {
    Count(ScheduledRunOutcome::kSkipped);
    crm::common::Log(LogLevel::kDebug,
                     "scheduled run skipped: another replica holds its lock",
                     {{"job", options_.job}, {"lock", options_.lock_name}});
    return ScheduledRunOutcome::kSkipped;
  }

  const absl::Time start = clock_.Now();
  const absl::Time deadline = start + options_.timeout;
  RequestContext context = RequestContext::WithDeadline(deadline);
  // Bodies that loop check cancellation between steps: past the deadline
  // they stop there too, whatever clock their own code reads.
  context.set_cancellation([this, &cancelled, deadline] {
    return cancelled() || clock_.Now() >= deadline;
  });
  absl::StatusOr<ScheduledRunCounts> counts = body_(context);
  const absl::Time end = clock_.Now();
  const absl::Duration duration = end - start;
  lease->reset();  // The next holder may start while this one logs.

  LogFields fields = {{"job", options_.job},
                      {"duration", absl::FormatDuration(duration)}};
  if (counts.ok()) {
    for (const auto& [name, value] : *counts) {
      fields.emplace_back(name, std::to_string(value));
    }
    Count(ScheduledRunOutcome::kOk);
    crm::common::LogInfo("scheduled run finished", fields);
    return ScheduledRunOutcome::kOk;
  }
  if (cancelled()) {
    fields.emplace_back("error", std::string(counts.status().message()));
    Count(ScheduledRunOutcome::kCancelled);
    crm::common::LogInfo("scheduled run cancelled by shutdown", fields);
    return ScheduledRunOutcome::kCancelled;
  }
  fields.emplace_back(
      "error", end >= deadline
                   ? absl::StrCat("its deadline (",
                                  absl::FormatDuration(options_.timeout),
                                  ") passed: ", counts.status().message())
                   : std::string(counts.status().message()));
  Count(ScheduledRunOutcome::kFailed);
  crm::common::LogWarning("scheduled run failed; the next run continues",
                          fields);
  return ScheduledRunOutcome::kFailed;
}

}  // namespace crm::segmentation

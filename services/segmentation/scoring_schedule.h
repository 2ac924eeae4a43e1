// segmentation's built-in schedule: the full recompute (what RecomputeScores
// does: RFM cut points, then every customer's scores, tier, lifecycle stage
// and segment memberships), the CLV fit (what FitClvModel does), both
// through ScoringManager, and the behaviour cluster refit (what
// FitClusterModel does with its default range of k, through ClusterManager),
// each as a ScheduledRun (scheduled_run.h) under its own lock, so with
// several replicas only one runs a given job at a time.
//
// Settings (ScoringScheduleOptions(), read by ReadScoringScheduleSettings()):
//   --recompute_interval [SEGMENTATION_RECOMPUTE_INTERVAL], default 24h;
//   --clv_fit_interval [SEGMENTATION_CLV_FIT_INTERVAL], default 24h;
//   --cluster_fit_interval [SEGMENTATION_CLUSTER_FIT_INTERVAL], default 24h:
//       the pause between runs (+-10% jitter; the first run after a random
//       part of it); 0s disables the job; otherwise at least 1m.
//   --scheduled_run_timeout [SEGMENTATION_SCHEDULED_RUN_TIMEOUT], default
//       30m: the deadline of each run.
// A cluster refit with too few customers fails (FAILED_PRECONDITION) and is
// counted as a failed run; the next one is tried after the interval.
//
//   CRM_ASSIGN_OR_RETURN(ScoringScheduleSettings settings,
//                        ReadScoringScheduleSettings(config));
//   std::vector<std::unique_ptr<ScheduledRun>> runs = StartScoringSchedule(
//       scoring, lock, clock, &metrics, settings, "crm_segmentation",
//       &clusters);
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/config.h"
#include "services/common/metrics.h"
#include "services/segmentation/cluster_manager.h"
#include "services/segmentation/scheduled_run.h"
#include "services/segmentation/scheduled_run_lock.h"
#include "services/segmentation/scoring_manager.h"

namespace crm::segmentation {

// The metric's `job` labels.
inline constexpr char kRecomputeJob[] = "recompute";
inline constexpr char kClvFitJob[] = "clv_fit";
inline constexpr char kClusterFitJob[] = "cluster_fit";

struct ScoringScheduleSettings {
  absl::Duration recompute_interval = absl::Hours(24);    // Zero: disabled.
  absl::Duration clv_fit_interval = absl::Hours(24);      // Zero: disabled.
  absl::Duration cluster_fit_interval = absl::Hours(24);  // Zero: disabled.
  absl::Duration run_timeout = absl::Minutes(30);
};

// The four settings above, for the service's extra options.
std::vector<crm::common::ConfigOption> ScoringScheduleOptions();

// The settings from a Config loaded with ScoringScheduleOptions();
// INVALID_ARGUMENT naming the flag when a value does not parse or is out of
// range (an interval negative or between 0s and 1m; a timeout not
// positive).
absl::StatusOr<ScoringScheduleSettings> ReadScoringScheduleSettings(
    const crm::common::Config& config);

// RecomputeScores (no request_id) with the run's context; counts
// "customers" (re-scored) and "active_customers" (in the RFM population).
ScheduledRunBody RecomputeScoresRun(ScoringManager& scoring);

// FitClvModel as of now in the scoring currency (no request_id); counts
// "customers" the model was fitted on.
ScheduledRunBody FitClvModelRun(ScoringManager& scoring);

// FitClusterModel with its default range of k (no request_id); counts
// "customers" the model was fitted on and "clusters" (its k).
ScheduledRunBody FitClusterModelRun(ClusterManager& clusters);

// The lock names of the jobs for a service whose database is
// `database_name`: "<database_name>_recompute", "<database_name>_clv_fit",
// "<database_name>_cluster_fit".
std::string RecomputeLockName(absl::string_view database_name);
std::string ClvFitLockName(absl::string_view database_name);
std::string ClusterFitLockName(absl::string_view database_name);

// Starts the enabled jobs (none for a zero interval) and returns them; they
// run until stopped (ScheduledRun::Stop, or destroyed). The process's
// lame-duck phase (lame_duck.h) cancels a run in progress and keeps new
// ones from starting. Without `clusters` there is no cluster refit job.
// `scoring`, `lock`, `clock`, `metrics` and `clusters` must outlive the
// jobs.
std::vector<std::unique_ptr<ScheduledRun>> StartScoringSchedule(
    ScoringManager& scoring, ScheduledRunLock& lock,
    const crm::common::Clock& clock, crm::common::Metrics* metrics,
    const ScoringScheduleSettings& settings, absl::string_view database_name,
    ClusterManager* clusters = nullptr);

}  // namespace crm::segmentation

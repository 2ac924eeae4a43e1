#include "services/segmentation/scoring_schedule.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "crm/segmentation/v1/segmentation_service.pb.h"
#include "services/common/lame_duck.h"
#include "services/common/status_macros.h"

namespace crm::segmentation {
namespace {

// Below this a schedule would keep the database busy with full recomputes.
constexpr absl::Duration kMinInterval = absl::Minutes(1);

absl::StatusOr<absl::Duration> ReadInterval(const crm::common::Config& config,
                                            absl::string_view flag) {
  CRM_ASSIGN_OR_RETURN(absl::Duration interval, config.GetDuration(flag));
  if (interval < absl::ZeroDuration() ||
      (interval > absl::ZeroDuration() && interval < kMinInterval)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": must be 0s (disabled) or at least ",
                     absl::FormatDuration(kMinInterval), ", got ",
                     absl::FormatDuration(interval)));
  }
  return interval;
}

}  // namespace

std::vector<crm::common::ConfigOption> ScoringScheduleOptions() {
  return {
      {.flag = "recompute_interval",
       .env = "SEGMENTATION_RECOMPUTE_INTERVAL",
       .default_value = "24h",
       .help = "how often one replica recomputes every score, tier, "
               "lifecycle stage and membership (+-10% jitter; 0s: never; "
               "otherwise at least 1m)"},
      {.flag = "clv_fit_interval",
       .env = "SEGMENTATION_CLV_FIT_INTERVAL",
       .default_value = "24h",
       .help = "how often one replica fits the CLV model (+-10% jitter; 0s: "
               "never; otherwise at least 1m)"},
      {.flag = "cluster_fit_interval",
       .env = "SEGMENTATION_CLUSTER_FIT_INTERVAL",
       .default_value = "24h",
       .help = "how often one replica refits the behaviour clusters "
               "(+-10% jitter; 0s: never; otherwise at least 1m)"},
      {.flag = "scheduled_run_timeout",
       .env = "SEGMENTATION_SCHEDULED_RUN_TIMEOUT",
       .default_value = "30m",
       .help = "the deadline of each scheduled recompute, CLV fit or "
               "cluster refit"},
  };
}

absl::StatusOr<ScoringScheduleSettings> ReadScoringScheduleSettings(
    const crm::common::Config& config) {
  ScoringScheduleSettings settings;
  CRM_ASSIGN_OR_RETURN(settings.recompute_interval,
                       ReadInterval(config, "recompute_interval"));
  CRM_ASSIGN_OR_RETURN(settings.clv_fit_interval,
                       ReadInterval(config, "clv_fit_interval"));
  CRM_ASSIGN_OR_RETURN(settings.cluster_fit_interval,
                       ReadInterval(config, "cluster_fit_interval"));
  CRM_ASSIGN_OR_RETURN(settings.run_timeout,
                       config.GetDuration("scheduled_run_timeout"));
  if (settings.run_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--scheduled_run_timeout: must be positive, got ",
                     absl::FormatDuration(settings.run_timeout)));
  }
  return settings;
}

ScheduledRunBody RecomputeScoresRun(ScoringManager& scoring) {
  return [&scoring](const crm::common::RequestContext& context)
             -> absl::StatusOr<ScheduledRunCounts> {
    CRM_ASSIGN_OR_RETURN(
        v1::RecomputeScoresResponse response,
        scoring.RecomputeScores(context, v1::RecomputeScoresRequest()));
    return ScheduledRunCounts{
        {"customers", response.customer_count()},
        {"active_customers", response.active_customer_count()}};
  };
}

ScheduledRunBody FitClvModelRun(ScoringManager& scoring) {
  return [&scoring](const crm::common::RequestContext& context)
             -> absl::StatusOr<ScheduledRunCounts> {
    CRM_ASSIGN_OR_RETURN(
        v1::ClvModel model,
        scoring.FitClvModel(context, v1::FitClvModelRequest()));
    return ScheduledRunCounts{{"customers", model.customer_count()}};
  };
}

ScheduledRunBody FitClusterModelRun(ClusterManager& clusters) {
  return [&clusters](const crm::common::RequestContext& context)
             -> absl::StatusOr<ScheduledRunCounts> {
    CRM_ASSIGN_OR_RETURN(
        v1::BehaviourClusterModel model,
        clusters.FitClusterModel(context, v1::FitClusterModelRequest()));
    return ScheduledRunCounts{{"customers", model.customer_count()},
                              {"clusters", model.clusters_size()}};
  };
}

std::string RecomputeLockName(absl::string_view database_name) {
  return absl::StrCat(database_name, "_", kRecomputeJob);
}

std::string ClvFitLockName(absl::string_view database_name) {
  return absl::StrCat(database_name, "_", kClvFitJob);
}

std::string ClusterFitLockName(absl::string_view database_name) {
  return absl::StrCat(database_name, "_", kClusterFitJob);
}

std::vector<std::unique_ptr<ScheduledRun>> StartScoringSchedule(
    ScoringManager& scoring, ScheduledRunLock& lock,
    const crm::common::Clock& clock, crm::common::Metrics* metrics,
    const ScoringScheduleSettings& settings, absl::string_view database_name,
    ClusterManager* clusters) {
  std::vector<std::unique_ptr<ScheduledRun>> runs;
  auto add = [&](ScheduledRunBody body, const char* job, std::string lock_name,
                 absl::Duration interval) {
    if (interval <= absl::ZeroDuration()) return;
    ScheduledRunOptions options;
    options.job = job;
    options.lock_name = std::move(lock_name);
    options.interval = interval;
    options.timeout = settings.run_timeout;
    options.shutting_down = crm::common::InLameDuck;
    runs.push_back(std::make_unique<ScheduledRun>(std::move(body), lock, clock,
                                                  metrics, std::move(options)));
    runs.back()->Start();
  };
  add(RecomputeScoresRun(scoring), kRecomputeJob,
      RecomputeLockName(database_name), settings.recompute_interval);
  add(FitClvModelRun(scoring), kClvFitJob, ClvFitLockName(database_name),
      settings.clv_fit_interval);
  if (clusters != nullptr) {
    add(FitClusterModelRun(*clusters), kClusterFitJob,
        ClusterFitLockName(database_name), settings.cluster_fit_interval);
  }
  return runs;
}

}  // namespace crm::segmentation

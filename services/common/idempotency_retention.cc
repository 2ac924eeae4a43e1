#include "services/common/idempotency_retention.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/idempotency_store.h"
#include "services/common/logging.h"
#include "services/common/status_macros.h"
#include "services/common/transaction.h"

namespace crm::common {
namespace {

constexpr char kKeysDeletedMetric[] = "crm_idempotency_keys_deleted_total";
constexpr char kKeysDeletedHelp[] =
    "Stored idempotent responses deleted by the retention purge.";
constexpr char kPurgeErrorsMetric[] = "crm_idempotency_purge_errors_total";
constexpr char kPurgeErrorsHelp[] =
    "Retention purge runs of stored idempotent responses that failed.";

// Below this a stored response could expire while a client still retries.
constexpr absl::Duration kMinRetention = absl::Hours(1);
constexpr absl::Duration kMinPurgeInterval = absl::Minutes(1);
constexpr double kPurgeJitter = 0.1;

}  // namespace

std::vector<ConfigOption> IdempotencyRetentionOptions(
    absl::string_view env_prefix) {
  return {
      {.flag = "idempotency_retention",
       .env = absl::StrCat(env_prefix, "_IDEMPOTENCY_RETENTION"),
       .default_value = "168h",
       .help = "how long a stored response answers a repeat of its "
               "request_id before it is deleted (0s: kept forever; "
               "otherwise at least 1h)"},
      {.flag = "idempotency_purge_interval",
       .env = absl::StrCat(env_prefix, "_IDEMPOTENCY_PURGE_INTERVAL"),
       .default_value = "1h",
       .help = "how often expired stored responses are deleted (+-10% "
               "jitter; at least 1m)"},
  };
}

absl::StatusOr<IdempotencyRetentionSettings> ReadIdempotencyRetentionSettings(
    const Config& config) {
  IdempotencyRetentionSettings settings;
  CRM_ASSIGN_OR_RETURN(settings.retention,
                       config.GetDuration("idempotency_retention"));
  CRM_ASSIGN_OR_RETURN(settings.purge_interval,
                       config.GetDuration("idempotency_purge_interval"));
  if (settings.retention < absl::ZeroDuration() ||
      (settings.retention > absl::ZeroDuration() &&
       settings.retention < kMinRetention)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--idempotency_retention: must be 0s (keep stored responses "
        "forever) or at least ",
        absl::FormatDuration(kMinRetention), ", got ",
        absl::FormatDuration(settings.retention)));
  }
  if (settings.purge_interval < kMinPurgeInterval) {
    return absl::InvalidArgumentError(
        absl::StrCat("--idempotency_purge_interval: must be at least ",
                     absl::FormatDuration(kMinPurgeInterval), ", got ",
                     absl::FormatDuration(settings.purge_interval)));
  }
  return settings;
}

IdempotencyPurger::IdempotencyPurger(MySqlPool& pool, const Clock& clock,
                                     IdempotencyPurgeOptions options)
    : pool_(pool), clock_(clock), options_(options) {
  if (options_.metrics != nullptr) {
    // Zero until the first deletion, so the series exist from the start.
    options_.metrics->IncrementCounter(kKeysDeletedMetric, kKeysDeletedHelp, {},
                                       0);
    options_.metrics->IncrementCounter(kPurgeErrorsMetric, kPurgeErrorsHelp, {},
                                       0);
  }
}

absl::StatusOr<IdempotencyPurgeRun> IdempotencyPurger::PurgeOnce(
    const RequestContext& context) {
  const absl::Time cutoff = clock_.Now() - options_.retention;
  IdempotencyPurgeRun run;
  while (run.deleted < options_.max_keys_per_run && !context.IsCancelled()) {
    const int limit =
        std::min(options_.batch_size, options_.max_keys_per_run - run.deleted);
    TransactionOptions transaction;
    transaction.deadline = clock_.Now() + options_.batch_timeout;
    transaction.clock = &clock_;
    transaction.read_committed = true;
    absl::StatusOr<int> deleted = RunInTransaction<int>(
        pool_,
        [&](sql::Connection& connection) {
          return IdempotencyStore::DeleteOlderThan(connection, cutoff, limit);
        },
        transaction);
    if (!deleted.ok()) {
      if (options_.metrics != nullptr) {
        options_.metrics->IncrementCounter(kPurgeErrorsMetric,
                                           kPurgeErrorsHelp);
      }
      return deleted.status();
    }
    ++run.batches;
    run.deleted += *deleted;
    if (options_.metrics != nullptr && *deleted > 0) {
      options_.metrics->IncrementCounter(kKeysDeletedMetric, kKeysDeletedHelp,
                                         {}, *deleted);
    }
    if (*deleted < limit) break;
  }
  return run;
}

std::unique_ptr<PeriodicJob> StartIdempotencyPurge(
    MySqlPool& pool, const Clock& clock, Metrics& metrics,
    const IdempotencyRetentionSettings& settings) {
  if (settings.retention <= absl::ZeroDuration()) return nullptr;
  auto purger = std::make_shared<IdempotencyPurger>(
      pool, clock,
      IdempotencyPurgeOptions{.retention = settings.retention,
                              .metrics = &metrics});
  const std::string retention = absl::FormatDuration(settings.retention);
  auto job = std::make_unique<PeriodicJob>(
      [purger, retention](const RequestContext& context) {
        absl::StatusOr<IdempotencyPurgeRun> run = purger->PurgeOnce(context);
        if (!run.ok()) {
          LogWarning("idempotency key purge failed; the next run continues",
                     {{"error", std::string(run.status().message())}});
        } else if (run->deleted > 0) {
          LogInfo("expired idempotency keys deleted",
                  {{"deleted", std::to_string(run->deleted)},
                   {"batches", std::to_string(run->batches)},
                   {"retention", retention}});
        }
      },
      PeriodicJobOptions{.interval = settings.purge_interval,
                         .jitter = kPurgeJitter,
                         .random_first_delay = true});
  job->Start();
  return job;
}

}  // namespace crm::common

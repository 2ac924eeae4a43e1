// Retention of stored idempotent responses (AIP-155): every service deletes
// the `idempotency_keys` rows (and their `idempotency_key_subjects`) older
// than its retention, in the background, in short bounded transactions.
//
// Settings (RunServiceMain declares them for every service):
//   --idempotency_retention [<PREFIX>_IDEMPOTENCY_RETENTION], default 168h:
//       how long a stored response answers a repeat of its request_id; 0s
//       keeps responses forever (no purge runs); otherwise at least 1h. A
//       week is far beyond any client's retry window (calls have seconds of
//       deadline; clients and queued jobs retry for minutes to hours) and
//       keeps the tables at about a week of writes.
//   --idempotency_purge_interval [<PREFIX>_IDEMPOTENCY_PURGE_INTERVAL],
//       default 1h: the pause between purges (jittered by 10%, the first
//       one after a random part of it); at least 1m.
//
//   IdempotencyPurger purger(pool, clock, {.retention = settings.retention,
//                                          .metrics = &metrics});
//   absl::StatusOr<IdempotencyPurgeRun> run = purger.PurgeOnce(context);
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
#include "services/common/mysql_pool.h"
#include "services/common/periodic_job.h"
#include "services/common/request_context.h"

namespace crm::common {

struct IdempotencyRetentionSettings {
  // Zero: stored responses are kept forever.
  absl::Duration retention = absl::Hours(7 * 24);
  absl::Duration purge_interval = absl::Hours(1);
};

// The two options above for services whose environment prefix is
// `env_prefix` ("LOYALTY").
std::vector<ConfigOption> IdempotencyRetentionOptions(
    absl::string_view env_prefix);

// The settings from a Config loaded with IdempotencyRetentionOptions();
// INVALID_ARGUMENT naming the flag when a value does not parse or is out of
// range (retention negative or between 0s and 1h; interval under 1m).
absl::StatusOr<IdempotencyRetentionSettings> ReadIdempotencyRetentionSettings(
    const Config& config);

struct IdempotencyPurgeOptions {
  // Keys created more than this long ago are deleted (> 0).
  absl::Duration retention = absl::Hours(7 * 24);
  // Keys per transaction.
  int batch_size = 500;
  // Keys one PurgeOnce() deletes at most; the rest wait for the next run.
  int max_keys_per_run = 100000;
  // The deadline of each batch's transaction, which bounds every statement
  // in it (max_statement_time).
  absl::Duration batch_timeout = absl::Seconds(5);
  // Where crm_idempotency_keys_deleted_total and
  // crm_idempotency_purge_errors_total are counted; null: nowhere.
  Metrics* metrics = nullptr;
};

struct IdempotencyPurgeRun {
  int deleted = 0;  // Keys deleted (their subjects with them).
  int batches = 0;  // Transactions committed.
};

// Deletes expired stored responses from the pool's database. Safe to run in
// several processes at once (they delete disjoint keys, never wait on each
// other's rows).
class IdempotencyPurger {
 public:
  // `pool`, `clock` and `options.metrics` must outlive the purger.
  IdempotencyPurger(MySqlPool& pool, const Clock& clock,
                    IdempotencyPurgeOptions options);

  // Deletes the keys created before clock.Now() - retention, oldest first,
  // batch after batch (each its own transaction at READ COMMITTED, bounded
  // by batch_timeout), until a batch comes back short, max_keys_per_run is
  // reached or `context` is cancelled (checked before every batch). An error
  // ends the run (batches already committed stay deleted) and is counted.
  absl::StatusOr<IdempotencyPurgeRun> PurgeOnce(const RequestContext& context);

 private:
  MySqlPool& pool_;
  const Clock& clock_;
  const IdempotencyPurgeOptions options_;
};

// Starts the background purge of a service (RunServiceMain): a PeriodicJob
// that runs purger.PurgeOnce() every settings.purge_interval and logs one
// line per run that deleted something or failed. nullptr when retention is
// zero. The job must be stopped (PeriodicJob::Stop) before the pool closes.
std::unique_ptr<PeriodicJob> StartIdempotencyPurge(
    MySqlPool& pool, const Clock& clock, Metrics& metrics,
    const IdempotencyRetentionSettings& settings);

}  // namespace crm::common

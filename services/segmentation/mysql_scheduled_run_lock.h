// ScheduledRunLock over MariaDB's named locks: GET_LOCK(name, 0) on a
// connection borrowed from the pool and kept, idle, for as long as the lease
// lives; RELEASE_LOCK when the lease ends.
//
// Why a named lock rather than a lease row with an expiry: the server ties
// the lock to the session, so a replica that crashes or loses its connection
// mid-run releases it at once (no expiry to choose against the longest run,
// no stale lease blocking the next run, no clock comparison between
// replicas, no migration). The cost: the lock is per server, so every
// replica must reach the same MariaDB server directly (true of the suite's
// one primary; not across a Galera cluster or through a proxy that
// multiplexes sessions), and the run holds one more pooled connection.
//
//   MySqlScheduledRunLock lock(pool);
//   absl::StatusOr<std::unique_ptr<ScheduledRunLease>> lease =
//       lock.TryAcquire("crm_segmentation_recompute");
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/mysql_pool.h"
#include "services/segmentation/scheduled_run_lock.h"

namespace crm::segmentation {

class MySqlScheduledRunLock final : public ScheduledRunLock {
 public:
  // `pool` must outlive the lock and every lease it hands out.
  explicit MySqlScheduledRunLock(crm::common::MySqlPool& pool) : pool_(pool) {}

  // `name` is a server-wide lock name (at most 64 characters): prefix it
  // with the database name so two deployments on one server do not share
  // it. UNAVAILABLE when no connection can be had; INTERNAL when the server
  // refuses the name.
  absl::StatusOr<std::unique_ptr<ScheduledRunLease>> TryAcquire(
      absl::string_view name) override;

 private:
  crm::common::MySqlPool& pool_;
};

}  // namespace crm::segmentation

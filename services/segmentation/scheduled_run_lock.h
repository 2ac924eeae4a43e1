// The lock that lets only one replica at a time run a scheduled job
// (scheduled_run.h). Replicas of the service share one database, so the lock
// lives there (mysql_scheduled_run_lock.h); unit tests use an in-memory one.
//
//   CRM_ASSIGN_OR_RETURN(std::unique_ptr<ScheduledRunLease> lease,
//                        lock.TryAcquire("crm_segmentation_recompute"));
//   if (lease == nullptr) return;  // Another replica is running it.
//   ...                            // Held until `lease` is destroyed.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crm::segmentation {

// A held lock: released when destroyed.
class ScheduledRunLease {
 public:
  virtual ~ScheduledRunLease() = default;
};

class ScheduledRunLock {
 public:
  virtual ~ScheduledRunLock() = default;

  // Takes the lock `name` without waiting. A lease while this caller holds
  // it; nullptr when another holder has it (the caller skips its run); an
  // error when the lock could not be asked for (database unreachable).
  // Thread-safe.
  virtual absl::StatusOr<std::unique_ptr<ScheduledRunLease>> TryAcquire(
      absl::string_view name) = 0;
};

}  // namespace crm::segmentation

// The expiry of points: empties every lot whose expire_time has passed, one
// EXPIRE entry per lot (source `expire:{lot}`), each account in its own unit
// of work under its lock. Safe to run twice and from several replicas at
// once: a replica re-reads the lots under the account's lock, so a lot
// emptied by another has nothing left to expire, and the ledger refuses a
// second entry for the same lot.
//
//   PointsExpiry expiry(unit_of_work, accounts, ids, clock);
//   CRM_ASSIGN_OR_RETURN(ExpiryRun run, expiry.ExpireDue(context));
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/account_repository.h"
#include "services/loyalty/ledger_poster.h"

namespace crm::loyalty {

// What one run expired.
struct ExpiryRun {
  int64_t accounts = 0;  // Accounts with at least one lot expired.
  int64_t lots = 0;
  int64_t points = 0;
};

class PointsExpiry {
 public:
  // Every argument must outlive this object.
  PointsExpiry(crm::common::UnitOfWork& unit_of_work,
               AccountRepository& accounts, const crm::common::IdGenerator& ids,
               const crm::common::Clock& clock)
      : unit_of_work_(unit_of_work),
        accounts_(accounts),
        clock_(clock),
        poster_(accounts, ids) {}
  PointsExpiry(const PointsExpiry&) = delete;
  PointsExpiry& operator=(const PointsExpiry&) = delete;

  // Expires every lot due at the clock's now, `batch` accounts per lookup,
  // until none is left. Stops at the first failing unit of work (a later
  // run picks up what is left).
  absl::StatusOr<ExpiryRun> ExpireDue(
      const crm::common::RequestContext& context, int batch = 100);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  AccountRepository& accounts_;
  const crm::common::Clock& clock_;
  LedgerPoster poster_;
};

}  // namespace crm::loyalty

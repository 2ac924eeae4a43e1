#include "services/loyalty/points_expiry.h"

#include <optional>
#include <string>
#include <vector>

#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::loyalty {

using ::crm::common::Transaction;

absl::StatusOr<ExpiryRun> PointsExpiry::ExpireDue(
    const crm::common::RequestContext& context, int batch) {
  const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
  ExpiryRun run;
  // Every pass empties the due lots of the accounts it found, so the
  // lookup shrinks until it is empty.
  while (true) {
    CRM_ASSIGN_OR_RETURN(
        std::vector<std::string> customers,
        unit_of_work_.Read<std::vector<std::string>>(
            context,
            [&](Transaction& tx) -> absl::StatusOr<std::vector<std::string>> {
              return accounts_.CustomersWithExpiredLots(tx, now, batch);
            }));
    if (customers.empty()) return run;
    const int64_t lots_before = run.lots;
    for (const std::string& customer_id : customers) {
      CRM_ASSIGN_OR_RETURN(
          ExpiryRun expired,
          unit_of_work_.Run<ExpiryRun>(
              context, [&](Transaction& tx) -> absl::StatusOr<ExpiryRun> {
                ExpiryRun account_run;
                CRM_ASSIGN_OR_RETURN(
                    AccountRecord account,
                    accounts_.LockOrCreate(tx, customer_id, now));
                CRM_ASSIGN_OR_RETURN(std::vector<LotRecord> lots,
                                     accounts_.OpenLots(tx, customer_id));
                for (const LotRecord& lot : lots) {
                  if (!lot.expire_time.has_value() || *lot.expire_time > now) {
                    continue;
                  }
                  CRM_ASSIGN_OR_RETURN(
                      std::optional<LedgerEntryRecord> entry,
                      poster_.ExpireLot(tx, account, lot, now));
                  if (!entry.has_value()) continue;
                  ++account_run.lots;
                  account_run.points += -entry->points_delta;
                }
                if (account_run.lots > 0) account_run.accounts = 1;
                return account_run;
              }));
      run.accounts += expired.accounts;
      run.lots += expired.lots;
      run.points += expired.points;
    }
    // Nothing expired although the lookup found due lots: another replica
    // is expiring them right now; leave the rest to it.
    if (run.lots == lots_before) return run;
  }
}

}  // namespace crm::loyalty

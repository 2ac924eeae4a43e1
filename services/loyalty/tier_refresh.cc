#include "services/loyalty/tier_refresh.h"

#include "services/common/status_macros.h"
#include "services/loyalty/account_family.h"
#include "services/loyalty/tier_rules.h"

namespace crm::loyalty {

absl::Status RefreshTier(AccountRepository& accounts,
                         crm::common::Transaction& tx, AccountRecord& account,
                         const v1::Program& program, absl::Time now,
                         const TierChangeFeed& feed) {
  CRM_ASSIGN_OR_RETURN(
      int64_t qualifying,
      MemberQualifyingPoints(accounts, tx, account.customer_id,
                             QualificationWindowStart(program, now)));
  const TierState current{account.tier, account.tier_grace_end_time};
  const TierState next = EvaluateTier(program, current, qualifying, now);
  if (next == current) return absl::OkStatus();
  AccountRecord updated = account;
  updated.tier = next.tier;
  updated.tier_grace_end_time = next.grace_end_time;
  CRM_RETURN_IF_ERROR(accounts.Update(tx, updated));
  account = updated;
  return AppendTierChange(feed, tx, account.customer_id, current, next);
}

}  // namespace crm::loyalty

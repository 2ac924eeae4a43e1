#include "services/loyalty/tier_review.h"

#include <map>
#include <string>
#include <vector>

#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/loyalty/account_family.h"
#include "services/loyalty/program_manager.h"
#include "services/loyalty/tier_refresh.h"
#include "services/loyalty/tier_rules.h"

namespace crm::loyalty {

using ::crm::common::Transaction;

namespace {

// What one batch's unit of work did (returned, not accumulated in place,
// because a unit of work may run its body more than once).
struct BatchResult {
  int64_t evaluated = 0;
  int64_t changed = 0;
  std::string last_customer_id;
};

}  // namespace

absl::StatusOr<TierReviewRun> TierReview::ReviewAll(
    const crm::common::RequestContext& context, int batch) {
  const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
  TierReviewRun run;
  std::string after;
  while (true) {
    CRM_ASSIGN_OR_RETURN(
        BatchResult result,
        unit_of_work_.Run<BatchResult>(
            context, [&](Transaction& tx) -> absl::StatusOr<BatchResult> {
              CRM_ASSIGN_OR_RETURN(v1::Program program,
                                   LoadProgramSettings(programs_, tx));
              CRM_ASSIGN_OR_RETURN(std::vector<AccountRecord> page,
                                   accounts_.ListAccounts(tx, after, batch));
              if (page.empty()) return BatchResult{};
              std::vector<std::string> ids;
              ids.reserve(page.size());
              for (const AccountRecord& account : page) {
                if (account.merged_into.empty()) {
                  ids.push_back(account.customer_id);
                }
              }
              // A member's points include those of the accounts merged
              // into it (account_family.h).
              using Families = std::map<std::string, std::vector<std::string>>;
              CRM_ASSIGN_OR_RETURN(Families families,
                                   AccountFamilies(accounts_, tx, ids));
              std::vector<std::string> family_ids;
              for (const auto& [member, family] : families) {
                family_ids.insert(family_ids.end(), family.begin(),
                                  family.end());
              }
              using Sums = std::map<std::string, int64_t>;
              CRM_ASSIGN_OR_RETURN(
                  Sums by_account,
                  accounts_.QualifyingPointsByCustomer(
                      tx, family_ids, QualificationWindowStart(program, now)));
              Sums sums;
              for (const auto& [member, family] : families) {
                for (const std::string& id : family) {
                  sums[member] += by_account[id];
                }
              }
              int64_t changed = 0;
              for (const AccountRecord& account : page) {
                // A merged account holds no tier; its survivor does.
                if (!account.merged_into.empty()) continue;
                const TierState current{account.tier,
                                        account.tier_grace_end_time};
                const TierState next = EvaluateTier(
                    program, current, sums[account.customer_id], now);
                if (next == current) continue;
                CRM_ASSIGN_OR_RETURN(
                    AccountRecord locked,
                    accounts_.LockOrCreate(tx, account.customer_id, now));
                const TierState before{locked.tier, locked.tier_grace_end_time};
                CRM_RETURN_IF_ERROR(
                    RefreshTier(accounts_, tx, locked, program, now,
                                {tier_feed_, v1::TierChange::TIER_REVIEW}));
                if (!(TierState{locked.tier, locked.tier_grace_end_time} ==
                      before)) {
                  ++changed;
                }
              }
              return BatchResult{static_cast<int64_t>(page.size()), changed,
                                 page.back().customer_id};
            }));
    if (result.changed > 0 && tier_feed_ != nullptr) {
      tier_feed_->NotifyCommitted();
    }
    if (result.evaluated == 0) return run;
    run.accounts += result.evaluated;
    run.changed += result.changed;
    after = result.last_customer_id;
  }
}

}  // namespace crm::loyalty

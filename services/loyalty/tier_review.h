// The scheduled tier evaluation: re-evaluates every member's tier (the
// rolling window moves and grace periods end even when a member does
// nothing), a batch of accounts per unit of work. The qualifying points of
// a batch are summed in one query; only accounts whose tier state changes
// are locked, re-read and stored (with their own sum recomputed under the
// lock, so a concurrent earning is never overwritten). Each tier change
// appends TIER_CHANGED (reason TIER_REVIEW) to `tier_feed` in the batch's
// transaction, right after the member's lock (tier_change_feed.h).
//
//   TierReview review(unit_of_work, accounts, programs, clock);
//   CRM_ASSIGN_OR_RETURN(TierReviewRun run, review.ReviewAll(context));
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/account_repository.h"
#include "services/loyalty/program_repository.h"

namespace crm::loyalty {

// What one review did.
struct TierReviewRun {
  int64_t accounts = 0;  // Accounts evaluated.
  int64_t changed = 0;   // Accounts whose tier or grace end changed.
};

class TierReview {
 public:
  // Every argument must outlive this object.
  TierReview(crm::common::UnitOfWork& unit_of_work, AccountRepository& accounts,
             ProgramRepository& programs, const crm::common::Clock& clock,
             crm::common::ChangeFeedWriter* tier_feed = nullptr)
      : unit_of_work_(unit_of_work),
        accounts_(accounts),
        programs_(programs),
        clock_(clock),
        tier_feed_(tier_feed) {}
  TierReview(const TierReview&) = delete;
  TierReview& operator=(const TierReview&) = delete;

  // Evaluates every account at the clock's now, `batch` per unit of work,
  // in customer id order. Stops at the first failing unit of work.
  absl::StatusOr<TierReviewRun> ReviewAll(
      const crm::common::RequestContext& context, int batch = 500);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  AccountRepository& accounts_;
  ProgramRepository& programs_;
  const crm::common::Clock& clock_;
  crm::common::ChangeFeedWriter* const tier_feed_;
};

}  // namespace crm::loyalty

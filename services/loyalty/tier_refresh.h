// Re-evaluates a member's tier inside the caller's unit of work: sums the
// points earned in the programme's qualification window (by the member's
// whole family of merged accounts, account_family.h) and applies
// EvaluateTier (tier_rules.h), storing the account when its tier state
// changed. Called after every earning and clawback and by the tier review.
//
//   CRM_RETURN_IF_ERROR(RefreshTier(accounts, tx, account, program, now));
#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/program.pb.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/account_repository.h"

namespace crm::loyalty {

// `account` is locked by the caller and updated in place.
absl::Status RefreshTier(AccountRepository& accounts,
                         crm::common::Transaction& tx, AccountRecord& account,
                         const v1::Program& program, absl::Time now);

}  // namespace crm::loyalty

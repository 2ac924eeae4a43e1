// Re-evaluates a member's tier inside the caller's unit of work: sums the
// points earned in the programme's qualification window (by the member's
// whole family of merged accounts, account_family.h) and applies
// EvaluateTier (tier_rules.h), storing the account when its tier state
// changed. Called after every earning and clawback, after a merge and by the
// tier review. A change of the tier id appends TIER_CHANGED to `feed` in
// the same transaction (tier_change_feed.h); callers call RefreshTier after
// every row lock of the member, as the outbox's writer contract asks.
//
//   CRM_RETURN_IF_ERROR(RefreshTier(accounts, tx, account, program, now,
//                                   {&feed, v1::TierChange::ORDER_EARNED}));
#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/program.pb.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/account_repository.h"
#include "services/loyalty/tier_change_feed.h"

namespace crm::loyalty {

// `account` is locked by the caller and updated in place.
absl::Status RefreshTier(AccountRepository& accounts,
                         crm::common::Transaction& tx, AccountRecord& account,
                         const v1::Program& program, absl::Time now,
                         const TierChangeFeed& feed = {});

}  // namespace crm::loyalty

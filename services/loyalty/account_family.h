// Accounts joined by merges (member_lifecycle.h). A duplicate's account
// points at its survivor (`merged_into`); chains are followed, so a customer
// merged into one that was later merged again still resolves to the account
// that holds the points. A member's family is its own account and every
// account merged into it, directly or through a chain: the family's entries
// together are the points the member earned, which tiers qualify on.
//
//   CRM_ASSIGN_OR_RETURN(std::string holder,
//                        ResolveSurvivor(accounts, tx, customer_id));
//   CRM_ASSIGN_OR_RETURN(int64_t qualifying,
//       MemberQualifyingPoints(accounts, tx, holder, window_start));
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/account_repository.h"

namespace crm::loyalty {

// Longest chain of merges followed; a longer one (or a cycle) is INTERNAL.
inline constexpr int kMaxMergeChain = 32;

// The account that stands for `customer_id`: the end of its chain of
// merges (itself when not merged, or when it has no account).
absl::StatusOr<std::string> ResolveSurvivor(AccountRepository& accounts,
                                            crm::common::Transaction& tx,
                                            absl::string_view customer_id);

// `customer_id` followed by every account merged into it, directly or
// through a chain (breadth first).
absl::StatusOr<std::vector<std::string>> AccountFamily(
    AccountRepository& accounts, crm::common::Transaction& tx,
    absl::string_view customer_id);

// Per member of `customer_ids`, its family (as AccountFamily), read with one
// query per level of merges.
absl::StatusOr<std::map<std::string, std::vector<std::string>>> AccountFamilies(
    AccountRepository& accounts, crm::common::Transaction& tx,
    const std::vector<std::string>& customer_ids);

// The points `customer_id` earned since `since`: the qualifying_delta of
// the entries of its whole family.
absl::StatusOr<int64_t> MemberQualifyingPoints(AccountRepository& accounts,
                                               crm::common::Transaction& tx,
                                               absl::string_view customer_id,
                                               absl::Time since);

}  // namespace crm::loyalty

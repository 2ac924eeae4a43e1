#include "services/loyalty/account_family.h"

#include <optional>
#include <set>

#include "services/common/status_macros.h"

namespace crm::loyalty {

absl::StatusOr<std::string> ResolveSurvivor(AccountRepository& accounts,
                                            crm::common::Transaction& tx,
                                            absl::string_view customer_id) {
  std::string current(customer_id);
  for (int hop = 0; hop <= kMaxMergeChain; ++hop) {
    CRM_ASSIGN_OR_RETURN(std::optional<AccountRecord> account,
                         accounts.Find(tx, current));
    if (!account.has_value() || account->merged_into.empty()) return current;
    current = account->merged_into;
  }
  return absl::InternalError("a chain of account merges is too long");
}

absl::StatusOr<std::map<std::string, std::vector<std::string>>> AccountFamilies(
    AccountRepository& accounts, crm::common::Transaction& tx,
    const std::vector<std::string>& customer_ids) {
  std::map<std::string, std::vector<std::string>> families;
  // Which member each account of the current level belongs to.
  std::map<std::string, std::string> member_of;
  std::set<std::string> seen;
  std::vector<std::string> level;
  for (const std::string& id : customer_ids) {
    families[id] = {id};
    member_of[id] = id;
    seen.insert(id);
    level.push_back(id);
  }
  for (int depth = 0; !level.empty(); ++depth) {
    if (depth > kMaxMergeChain) {
      return absl::InternalError("a chain of account merges is too long");
    }
    using Duplicates = std::map<std::string, std::vector<std::string>>;
    CRM_ASSIGN_OR_RETURN(Duplicates duplicates,
                         accounts.DuplicatesOf(tx, level));
    std::vector<std::string> next;
    for (const auto& [survivor, merged] : duplicates) {
      const std::string member = member_of[survivor];
      for (const std::string& duplicate : merged) {
        if (!seen.insert(duplicate).second) continue;
        families[member].push_back(duplicate);
        member_of[duplicate] = member;
        next.push_back(duplicate);
      }
    }
    level = std::move(next);
  }
  return families;
}

absl::StatusOr<std::vector<std::string>> AccountFamily(
    AccountRepository& accounts, crm::common::Transaction& tx,
    absl::string_view customer_id) {
  using Families = std::map<std::string, std::vector<std::string>>;
  CRM_ASSIGN_OR_RETURN(
      Families families,
      AccountFamilies(accounts, tx, {std::string(customer_id)}));
  return families[std::string(customer_id)];
}

absl::StatusOr<int64_t> MemberQualifyingPoints(AccountRepository& accounts,
                                               crm::common::Transaction& tx,
                                               absl::string_view customer_id,
                                               absl::Time since) {
  CRM_ASSIGN_OR_RETURN(std::vector<std::string> family,
                       AccountFamily(accounts, tx, customer_id));
  if (family.size() == 1) {
    return accounts.QualifyingPointsSince(tx, customer_id, since);
  }
  using Sums = std::map<std::string, int64_t>;
  CRM_ASSIGN_OR_RETURN(Sums sums,
                       accounts.QualifyingPointsByCustomer(tx, family, since));
  int64_t total = 0;
  for (const auto& [id, sum] : sums) total += sum;
  return total;
}

}  // namespace crm::loyalty

#include "services/customer_profile/customer_merge_chain.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"

namespace crm::customer_profile {
namespace {

std::string NameOf(absl::string_view id) {
  return crm::common::FormatResourceName("customers", id);
}

// FollowMerges over `load` (a whole record or only its merge link).
template <typename Load>
absl::StatusOr<CustomerRecord> FollowChain(absl::string_view id,
                                           const Load& load) {
  std::string current(id);
  for (int hop = 0; hop <= kMaxMergeHops; ++hop) {
    CRM_ASSIGN_OR_RETURN(std::optional<CustomerRecord> record, load(current));
    if (!record.has_value()) return crm::common::NotFoundError(NameOf(current));
    if (record->state != v1::Customer::MERGED) return *std::move(record);
    if (record->merged_into.empty()) {
      return absl::InternalError("a merged customer has no survivor");
    }
    current = record->merged_into;
  }
  return absl::InternalError("merge chain too long");
}

}  // namespace

absl::StatusOr<CustomerRecord> FollowMerges(crm::common::Transaction& tx,
                                            CustomerRepository& customers,
                                            absl::string_view id,
                                            RowLock lock) {
  return FollowChain(id, [&](const std::string& current) {
    return customers.Load(tx, current, lock);
  });
}

absl::StatusOr<std::string> ResolveActiveCustomer(crm::common::Transaction& tx,
                                                  CustomerRepository& customers,
                                                  absl::string_view id) {
  // Only each record's state and survivor are read: the order side never
  // needs the personal data.
  CRM_ASSIGN_OR_RETURN(
      CustomerRecord record, FollowChain(id, [&](const std::string& current) {
        return customers.LoadMergeLink(tx, current, RowLock::kShare);
      }));
  if (record.state == v1::Customer::ERASED) {
    return CustomerErasedError(record.id);
  }
  return record.id;
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>>
CustomerMergeChainResolver::ResolveActiveAll(
    crm::common::Transaction& tx,
    const std::vector<std::string>& customer_ids) {
  CRM_ASSIGN_OR_RETURN(
      std::vector<CustomerRecord> links,
      customers_.LoadMergeLinks(tx, customer_ids, RowLock::kShare));
  absl::flat_hash_map<std::string, std::string> active;
  for (const CustomerRecord& link : links) {
    if (link.state != v1::Customer::MERGED &&
        link.state != v1::Customer::ERASED) {
      active.emplace(link.id, link.id);
    }
  }
  for (const std::string& id : customer_ids) {
    if (active.contains(id)) continue;
    CRM_ASSIGN_OR_RETURN(std::string owner,
                         ResolveActiveCustomer(tx, customers_, id));
    active.emplace(id, std::move(owner));
  }
  return active;
}

absl::Status CustomerErasedError(absl::string_view id) {
  const std::string name = NameOf(id);
  return crm::common::StateConflictError(
      name, absl::StrCat(name, " was erased"), crm::type::v1::CUSTOMER_ERASED);
}

}  // namespace crm::customer_profile

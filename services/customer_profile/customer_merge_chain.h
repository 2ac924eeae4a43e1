// Following merges: a MERGED customer is a tombstone whose `merged_into`
// names its survivor; reads and writes addressed to it are served by the
// customer at the end of the chain. This is the only place that walks the
// chain.
//
//   CRM_ASSIGN_OR_RETURN(CustomerRecord survivor,
//       FollowMerges(tx, customers, id, RowLock::kUpdate));
//   CRM_ASSIGN_OR_RETURN(std::string active_id,
//       ResolveActiveCustomer(tx, customers, order_customer_id));
//   CustomerMergeChainResolver resolver(customers);  // For the order side.
//
// Merges flatten chains (RepointMerged), so real chains have one hop; more
// than kMaxMergeHops is INTERNAL (a corrupt chain).
#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/unit_of_work.h"
#include "services/customer_profile/active_customer_resolver.h"
#include "services/customer_profile/customer_repository.h"

namespace crm::customer_profile {

inline constexpr int kMaxMergeHops = 16;

// The record at the end of the merge chain starting at `id` (the record of
// `id` itself unless it is MERGED): ACTIVE or ERASED. Every record read is
// locked as `lock` says. NOT_FOUND (RESOURCE_NOT_FOUND, "customers/<id>")
// when a record of the chain is missing.
absl::StatusOr<CustomerRecord> FollowMerges(crm::common::Transaction& tx,
                                            CustomerRepository& customers,
                                            absl::string_view id, RowLock lock);

// The id of the ACTIVE customer `id` designates, following merges with a
// shared lock on every record read, so a concurrent merge or erasure of that
// customer waits for the caller's transaction (a row written for the
// returned id is never stranded on a merged or erased customer).
// NOT_FOUND as FollowMerges; FAILED_PRECONDITION with reason CUSTOMER_ERASED
// when the chain ends at an ERASED customer.
absl::StatusOr<std::string> ResolveActiveCustomer(crm::common::Transaction& tx,
                                                  CustomerRepository& customers,
                                                  absl::string_view id);

// FAILED_PRECONDITION, reason CUSTOMER_ERASED, for `customers/<id>`.
absl::Status CustomerErasedError(absl::string_view id);

// The order side's view of customers (active_customer_resolver.h):
// ResolveActiveCustomer() over a CustomerRepository.
class CustomerMergeChainResolver final : public ActiveCustomerResolver {
 public:
  // `customers` must outlive the resolver.
  explicit CustomerMergeChainResolver(CustomerRepository& customers)
      : customers_(customers) {}

  absl::StatusOr<std::string> ResolveActive(
      crm::common::Transaction& tx, absl::string_view customer_id) override {
    return ResolveActiveCustomer(tx, customers_, customer_id);
  }
  // One read of every id's merge link; only ids that are not ACTIVE
  // customers are then resolved one by one (merge chains and errors).
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>>
  ResolveActiveAll(crm::common::Transaction& tx,
                   const std::vector<std::string>& customer_ids) override;

 private:
  CustomerRepository& customers_;
};

}  // namespace crm::customer_profile

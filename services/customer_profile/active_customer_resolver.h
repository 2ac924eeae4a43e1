// Resolves the customer an order, refund or interaction event names to the
// ACTIVE customer that owns it now: the order side's only view of customer
// records. The customer side implements it (its repository follows merge
// chains); order unit tests use the fake under
// tests/testing/fakes/customer_profile/.
//
//   CRM_ASSIGN_OR_RETURN(std::string owner,
//                        customers.ResolveActive(tx, requested_id));
//   // ... write rows keyed by `owner` in the same transaction.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/unit_of_work.h"

namespace crm::customer_profile {

class ActiveCustomerResolver {
 public:
  ActiveCustomerResolver(const ActiveCustomerResolver&) = delete;
  ActiveCustomerResolver& operator=(const ActiveCustomerResolver&) = delete;
  virtual ~ActiveCustomerResolver() = default;

  // The id of the ACTIVE customer `customer_id` designates: itself when
  // ACTIVE, the survivor when MERGED (following chains). Errors:
  // NotFoundError("customers/{id}") (RESOURCE_NOT_FOUND) when absent;
  // FAILED_PRECONDITION with reason CUSTOMER_ERASED (metadata resource
  // "customers/{id}") when it or its survivor is erased. Inside `tx`, the
  // customer rows read stay share-locked until the transaction ends, so a
  // concurrent merge or erasure waits: rows written for the returned id in
  // the same transaction are never stranded on a merged or erased customer.
  virtual absl::StatusOr<std::string> ResolveActive(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // ResolveActive of each of `customer_ids`, keyed by the id as given, with
  // the same row locks; the first error, in the order given, fails the
  // call. Implementations may read them all at once; this one calls
  // ResolveActive for each distinct id.
  virtual absl::StatusOr<absl::flat_hash_map<std::string, std::string>>
  ResolveActiveAll(crm::common::Transaction& tx,
                   const std::vector<std::string>& customer_ids) {
    absl::flat_hash_map<std::string, std::string> active;
    for (const std::string& id : customer_ids) {
      if (active.contains(id)) continue;
      absl::StatusOr<std::string> owner = ResolveActive(tx, id);
      if (!owner.ok()) return owner.status();
      active.emplace(id, *std::move(owner));
    }
    return active;
  }

 protected:
  ActiveCustomerResolver() = default;
};

}  // namespace crm::customer_profile

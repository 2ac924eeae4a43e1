// An in-memory ActiveCustomerResolver
// (services/customer_profile/active_customer_resolver.h) for unit tests of
// the order manager: customers are added ACTIVE, then may be marked merged
// into another or erased.
//
//   crm::testing::FakeOrderCustomerResolver customers;
//   customers.AddActive("alice");
//   customers.MarkMerged("bob", "alice");  // bob's orders go to alice
//   customers.MarkErased("carol");
#pragma once

#include <map>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/common/error_details.h"
#include "services/customer_profile/active_customer_resolver.h"

namespace crm::testing {

class FakeOrderCustomerResolver final
    : public crm::customer_profile::ActiveCustomerResolver {
 public:
  void AddActive(absl::string_view id) { customers_[std::string(id)] = {}; }
  void MarkMerged(absl::string_view id, absl::string_view survivor_id) {
    customers_[std::string(id)] = Customer{std::string(survivor_id), false};
  }
  void MarkErased(absl::string_view id) {
    customers_[std::string(id)] = Customer{std::string(), true};
  }

  absl::StatusOr<std::string> ResolveActive(
      crm::common::Transaction& /*tx*/,
      absl::string_view customer_id) override {
    std::string id(customer_id);
    for (size_t hop = 0; hop <= customers_.size(); ++hop) {
      auto it = customers_.find(id);
      const std::string name = absl::StrCat("customers/", id);
      if (it == customers_.end()) return crm::common::NotFoundError(name);
      if (it->second.erased) {
        return crm::common::StateConflictError(name, "customer: erased",
                                               crm::type::v1::CUSTOMER_ERASED);
      }
      if (it->second.merged_into.empty()) return id;
      id = it->second.merged_into;
    }
    return absl::InternalError("customer merge chain loops");
  }

 private:
  struct Customer {
    std::string merged_into;
    bool erased = false;
  };
  std::map<std::string, Customer> customers_;
};

}  // namespace crm::testing

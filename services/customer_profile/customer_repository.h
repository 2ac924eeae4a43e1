// Storage of customers, behind an interface so the service logic does not
// depend on MySQL. The only implementation is MySqlCustomerRepository
// (mysql_customer_repository.h).
//
//   CRM_ASSIGN_OR_RETURN(v1::Customer created,
//                        repository.Create(normalized, request));
//   CRM_ASSIGN_OR_RETURN(v1::Customer found, repository.Get(id));
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/customerprofile/v1/customer.pb.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "services/common/keyset_page.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

class CustomerRepository {
 public:
  CustomerRepository(const CustomerRepository&) = delete;
  CustomerRepository& operator=(const CustomerRepository&) = delete;
  virtual ~CustomerRepository() = default;

  // Stores `customer` (already validated and normalised; its output-only
  // fields are ignored) as a new ACTIVE customer with a new id, create and
  // update time now and the first version, and returns it as stored (name,
  // state, times and etag set).
  // Idempotent on `request.request_id()`: a repeat of an identical `request`
  // returns the first response and stores nothing; the same request id with
  // a different request is INVALID_ARGUMENT naming request_id. An empty
  // request id is not recorded. UNAVAILABLE if the database is unreachable.
  virtual absl::StatusOr<v1::Customer> Create(
      const v1::Customer& customer,
      const v1::CreateCustomerRequest& request) = 0;

  // The customer with id `id`; NOT_FOUND naming `customers/{id}` if none.
  virtual absl::StatusOr<v1::Customer> Get(absl::string_view id) = 0;

  // Customers ordered by create_time then id, both descending, starting
  // strictly after `page.after` (or at the newest), at most `page.page_size`
  // of them; `next` is set when more may follow.
  virtual absl::StatusOr<crm::common::Page<v1::Customer>> List(
      const crm::common::PageRequest& page) = 0;

 protected:
  CustomerRepository() = default;
};

}  // namespace crm::customer_profile

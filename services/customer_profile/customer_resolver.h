// The resolving write of customer records, one at a time or in batches, as
// the operations bulk import needs: CustomerImporterImpl depends on this,
// not on the whole CustomerManager, so its unit tests fake two methods.
//
//   v1::ResolveCustomerRequest request;
//   *request.mutable_customer() = row.customer();
//   CRM_ASSIGN_OR_RETURN(v1::ResolveCustomerResponse resolved,
//                        resolver.Resolve(context, request));
//   bool created = resolved.outcome() == v1::ResolveCustomerResponse::CREATED;
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "services/common/request_context.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

class CustomerResolver {
 public:
  CustomerResolver(const CustomerResolver&) = delete;
  CustomerResolver& operator=(const CustomerResolver&) = delete;
  virtual ~CustomerResolver() = default;

  // ResolveCustomer: standardises `request.customer()`, folds it into the
  // customer one of its identifiers resolves to, or creates a customer.
  // Thread-safe. Errors: INVALID_ARGUMENT (FIELD_INVALID / FIELD_REQUIRED,
  // naming the field) for invalid input; ALREADY_EXISTS when an external
  // identity belongs to another customer than the one the record resolves
  // to; ABORTED (CONCURRENCY_CONFLICT) when concurrent writes kept winning;
  // storage errors as the unit of work reports them.
  virtual absl::StatusOr<v1::ResolveCustomerResponse> Resolve(
      const crm::common::RequestContext& context,
      const v1::ResolveCustomerRequest& request) = 0;

  // The resolving writes of many rows at once (bulk import): results[i] is
  // what Resolve(requests[i]) would give with the requests applied in order,
  // except that a response's customer holds only its name. One row never
  // fails another: a rejected row (INVALID_ARGUMENT, ALREADY_EXISTS,
  // ABORTED, ...) is only its own result, and only a storage failure
  // (UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED) may be the result of several
  // rows. Rows sharing an identifier are allowed but slower (a later one is
  // written after the earlier one commits). Thread-safe.
  virtual std::vector<absl::StatusOr<v1::ResolveCustomerResponse>> ResolveBatch(
      const crm::common::RequestContext& context,
      const std::vector<v1::ResolveCustomerRequest>& requests) = 0;

 protected:
  CustomerResolver() = default;
};

}  // namespace crm::customer_profile

// The resolving write of customer records, as the one operation bulk import
// needs: CustomerImporterImpl depends on this, not on the whole
// CustomerManager, so its unit tests fake one method.
//
//   v1::ResolveCustomerRequest request;
//   *request.mutable_customer() = row.customer();
//   CRM_ASSIGN_OR_RETURN(v1::ResolveCustomerResponse resolved,
//                        resolver.Resolve(context, request));
//   bool created = resolved.outcome() == v1::ResolveCustomerResponse::CREATED;
#pragma once

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

 protected:
  CustomerResolver() = default;
};

}  // namespace crm::customer_profile

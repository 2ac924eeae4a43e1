#include "services/customer_profile/customer_profile_service.h"

#include <string>
#include <utility>

#include "services/common/grpc_reply.h"
#include "services/common/idempotency_store.h"
#include "services/common/keyset_page.h"
#include "services/common/status_macros.h"
#include "services/customer_profile/customer_validation.h"

namespace crm::customer_profile {
namespace {

// Query fingerprint of ListCustomers page tokens.
constexpr char kListQuery[] = "customers";

}  // namespace

CustomerProfileServiceImpl::CustomerProfileServiceImpl(
    std::unique_ptr<CustomerRepository> repository)
    : repository_(std::move(repository)) {}

grpc::Status CustomerProfileServiceImpl::CreateCustomer(
    grpc::ServerContext* /*context*/, const v1::CreateCustomerRequest* request,
    v1::Customer* response) {
  return crm::common::ReplyWith(Create(*request), response);
}

grpc::Status CustomerProfileServiceImpl::GetCustomer(
    grpc::ServerContext* /*context*/, const v1::GetCustomerRequest* request,
    v1::Customer* response) {
  return crm::common::ReplyWith(Get(*request), response);
}

grpc::Status CustomerProfileServiceImpl::ListCustomers(
    grpc::ServerContext* /*context*/, const v1::ListCustomersRequest* request,
    v1::ListCustomersResponse* response) {
  return crm::common::ReplyWith(List(*request), response);
}

absl::StatusOr<v1::Customer> CustomerProfileServiceImpl::Create(
    const v1::CreateCustomerRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(request.request_id()));
  CRM_ASSIGN_OR_RETURN(v1::Customer customer,
                       NormalizeNewCustomer(request.customer()));
  return repository_->Create(customer, request);
}

absl::StatusOr<v1::Customer> CustomerProfileServiceImpl::Get(
    const v1::GetCustomerRequest& request) {
  CRM_ASSIGN_OR_RETURN(std::string id, ParseCustomerName(request.name()));
  return repository_->Get(id);
}

absl::StatusOr<v1::ListCustomersResponse> CustomerProfileServiceImpl::List(
    const v1::ListCustomersRequest& request) {
  CRM_ASSIGN_OR_RETURN(
      crm::common::PageRequest page,
      crm::common::ParsePageRequest(request.page_size(), request.page_token(),
                                    kListQuery));
  CRM_ASSIGN_OR_RETURN(crm::common::Page<v1::Customer> result,
                       repository_->List(page));
  v1::ListCustomersResponse response;
  for (v1::Customer& customer : result.items) {
    *response.add_customers() = std::move(customer);
  }
  response.set_next_page_token(
      crm::common::NextPageToken(result.next, kListQuery));
  return response;
}

}  // namespace crm::customer_profile

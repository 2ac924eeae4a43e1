#include <string>

#include "absl/strings/str_cat.h"
#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "gateway/json_codec.h"
#include "gateway/route_support.h"
#include "gateway/routes.h"
#include "services/common/status_macros.h"

namespace crm::gateway {

namespace cp = ::crm::customerprofile::v1;

void AddCustomerRoutes(Router& router, const BackendClients& clients) {
  router.Add("POST", "/v1/customers",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(CheckQueryParams(r.http, {"request_id"}));
               cp::CreateCustomerRequest request;
               CRM_ASSIGN_OR_RETURN(*request.mutable_request_id(),
                                    QueryString(r.http, "request_id"));
               CRM_RETURN_IF_ERROR(
                   ParseJsonBody(r.http.body, request.mutable_customer()));
               cp::Customer response;
               auto context = clients.NewContext(r.trace);
               grpc::Status status = clients.customer_profile().CreateCustomer(
                   context.get(), request, &response);
               return BackendReply(status, response, kCustomerProfileBackend,
                                   r.trace);
             }));

  router.Add("GET", "/v1/customers/{customer}",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(CheckQueryParams(r.http, {}));
               CRM_ASSIGN_OR_RETURN(std::string id, PathVar(r, "customer"));
               cp::GetCustomerRequest request;
               request.set_name(absl::StrCat("customers/", id));
               cp::Customer response;
               auto context = clients.NewContext(r.trace);
               grpc::Status status = clients.customer_profile().GetCustomer(
                   context.get(), request, &response);
               return BackendReply(status, response, kCustomerProfileBackend,
                                   r.trace);
             }));

  router.Add("GET", "/v1/customers",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(
                   CheckQueryParams(r.http, {"page_size", "page_token"}));
               cp::ListCustomersRequest request;
               CRM_ASSIGN_OR_RETURN(int32_t page_size,
                                    QueryInt32(r.http, "page_size"));
               request.set_page_size(page_size);
               CRM_ASSIGN_OR_RETURN(*request.mutable_page_token(),
                                    QueryString(r.http, "page_token"));
               cp::ListCustomersResponse response;
               auto context = clients.NewContext(r.trace);
               grpc::Status status = clients.customer_profile().ListCustomers(
                   context.get(), request, &response);
               return BackendReply(status, response, kCustomerProfileBackend,
                                   r.trace);
             }));
}

}  // namespace crm::gateway

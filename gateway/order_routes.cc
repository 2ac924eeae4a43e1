// Orders (a sub-collection of customers, AIP-122) and interaction events
// over CustomerProfileService (see README.md).
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "gateway/json_codec.h"
#include "gateway/route_support.h"
#include "gateway/routes.h"
#include "services/common/error_details.h"
#include "services/common/status_macros.h"

namespace crm::gateway {
namespace {

namespace cp = ::crm::customerprofile::v1;
using Stub = cp::CustomerProfileService::StubInterface;

absl::StatusOr<std::string> CustomerName(const RouteRequest& r) {
  CRM_ASSIGN_OR_RETURN(std::string id, PathVar(r, "customer"));
  return absl::StrCat("customers/", id);
}

}  // namespace

void AddOrderRoutes(Router& router, const BackendClients& clients) {
  // RecordOrder: the order in the body, its customer from the path.
  router.Add("POST", "/v1/customers/{customer}/orders",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(CheckQueryParams(r.http, {}));
               CRM_ASSIGN_OR_RETURN(std::string customer, CustomerName(r));
               cp::RecordOrderRequest request;
               CRM_RETURN_IF_ERROR(
                   ParseJsonBody(r.http.body, request.mutable_order()));
               if (!request.order().customer().empty() &&
                   request.order().customer() != customer) {
                 return common::InvalidFieldError(
                     "order.customer", "must be empty or match the path");
               }
               request.mutable_order()->set_customer(customer);
               return CallBackend(
                   clients.customer_profile(), &Stub::RecordOrder, request,
                   clients.NewContext(r), kCustomerProfileBackend, r.trace);
             }));

  router.Add("GET", "/v1/customers/{customer}/orders",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(
                   CheckQueryParams(r.http, {"page_size", "page_token"}));
               cp::ListOrdersRequest request;
               CRM_ASSIGN_OR_RETURN(*request.mutable_parent(), CustomerName(r));
               CRM_ASSIGN_OR_RETURN(int32_t page_size,
                                    QueryInt32(r.http, "page_size"));
               request.set_page_size(page_size);
               CRM_ASSIGN_OR_RETURN(*request.mutable_page_token(),
                                    QueryString(r.http, "page_token"));
               return CallBackend(clients.customer_profile(), &Stub::ListOrders,
                                  request, clients.NewContext(r),
                                  kCustomerProfileBackend, r.trace);
             }));

  // RefundOrder: {"amount":{...},"refundId":"...","reason":"..."}; the
  // order's name comes from the path only.
  router.Add("POST", "/v1/customers/{customer}/orders/{order}:refund",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(CheckQueryParams(r.http, {}));
               CRM_ASSIGN_OR_RETURN(std::string customer, CustomerName(r));
               CRM_ASSIGN_OR_RETURN(std::string order, PathVar(r, "order"));
               cp::RefundOrderRequest request;
               CRM_RETURN_IF_ERROR(ParseJsonBody(r.http.body, &request));
               if (!request.name().empty()) {
                 return common::InvalidFieldError(
                     "name", "set by the path; leave it out of the body");
               }
               request.set_name(absl::StrCat(customer, "/orders/", order));
               return CallBackend(
                   clients.customer_profile(), &Stub::RefundOrder, request,
                   clients.NewContext(r), kCustomerProfileBackend, r.trace);
             }));

  // RecordEvents: {"events":[...]} (1 to 1000 events, each naming its
  // customer).
  router.Add("POST", "/v1/events:batchRecord",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(CheckQueryParams(r.http, {}));
               cp::RecordEventsRequest request;
               CRM_RETURN_IF_ERROR(ParseJsonBody(r.http.body, &request));
               return CallBackend(
                   clients.customer_profile(), &Stub::RecordEvents, request,
                   clients.NewContext(r), kCustomerProfileBackend, r.trace);
             }));
}

}  // namespace crm::gateway

#include "gateway/customer_lists_routes.h"

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gateway/auth/personal_data_mask.h"
#include "gateway/customer_view_route.h"
#include "gateway/http_errors.h"
#include "gateway/route_support.h"
#include "services/common/error_details.h"

namespace crm::gateway {
namespace {

namespace loy = ::crm::loyalty::v1;
namespace fb = ::crm::feedback::v1;

struct Page {
  int32_t size = 0;
  std::string token;
};

// The customer's id and the page asked for; INVALID_ARGUMENT naming a bad
// id or any parameter but the page's.
absl::StatusOr<std::string> CustomerIdOf(const RouteRequest& request,
                                         Page* page) {
  const std::string& id = request.vars.at("customer");
  if (!IsValidCustomerId(id)) {
    return common::InvalidFieldError("customer",
                                     "must be 1-128 of [A-Za-z0-9_-]");
  }
  if (absl::Status params = CheckQueryParams(
          request.http, {"pageSize", "page_size", "pageToken", "page_token"});
      !params.ok()) {
    return params;
  }
  for (const char* name : {"pageSize", "page_size"}) {
    absl::StatusOr<int32_t> size = QueryInt32(request.http, name);
    if (!size.ok()) return size.status();
    if (*size < 0) {
      return common::InvalidFieldError(name, "must not be negative");
    }
    if (*size != 0) page->size = *size;
  }
  for (const char* name : {"pageToken", "page_token"}) {
    absl::StatusOr<std::string> token = QueryString(request.http, name);
    if (!token.ok()) return token.status();
    if (!token->empty()) page->token = *std::move(token);
  }
  return id;
}

std::string CustomerFilter(const std::string& id) {
  return absl::StrCat("customer = \"customers/", id, "\"");
}

template <typename Response>
common::HttpResponse Reply(const RouteRequest& request,
                           const grpc::Status& status, Response& response,
                           const char* backend) {
  if (status.ok() && request.mask_personal_data) {
    auth::MaskPersonalData(&response);
  }
  return BackendReply(status, response, backend, request.trace);
}

common::HttpResponse Coupons(const BackendClients& clients,
                             const RouteRequest& request) {
  Page page;
  absl::StatusOr<std::string> id = CustomerIdOf(request, &page);
  if (!id.ok()) return ErrorResponse(id.status());
  loy::ListCouponsRequest list;
  list.set_page_size(page.size);
  list.set_page_token(page.token);
  list.set_filter(CustomerFilter(*id));
  loy::ListCouponsResponse response;
  std::unique_ptr<grpc::ClientContext> context = clients.NewContext(request);
  const grpc::Status status =
      clients.loyalty().ListCoupons(context.get(), list, &response);
  return Reply(request, status, response, kLoyaltyBackend);
}

common::HttpResponse SurveyResponses(const BackendClients& clients,
                                     const RouteRequest& request) {
  Page page;
  absl::StatusOr<std::string> id = CustomerIdOf(request, &page);
  if (!id.ok()) return ErrorResponse(id.status());
  fb::ListSurveyResponsesRequest list;
  list.set_parent(kAllSurveys);
  list.set_page_size(page.size);
  list.set_page_token(page.token);
  list.set_filter(CustomerFilter(*id));
  fb::ListSurveyResponsesResponse response;
  std::unique_ptr<grpc::ClientContext> context = clients.NewContext(request);
  const grpc::Status status =
      clients.feedback().ListSurveyResponses(context.get(), list, &response);
  return Reply(request, status, response, kFeedbackBackend);
}

}  // namespace

void AddCustomerListsRoutes(Router& router, const BackendClients& clients) {
  router.Add(
      "GET", kCustomerCouponsRoute,
      [&clients](const RouteRequest& request) {
        return Coupons(clients, request);
      },
      kCustomerCouponsMethod);
  router.Add(
      "GET", kCustomerSurveyResponsesRoute,
      [&clients](const RouteRequest& request) {
        return SurveyResponses(clients, request);
      },
      kCustomerSurveyResponsesMethod);
}

}  // namespace crm::gateway

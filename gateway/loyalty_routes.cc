#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crm/loyalty/v1/loyalty_service.grpc.pb.h"
#include "gateway/json_codec.h"
#include "gateway/route_support.h"
#include "gateway/routes.h"
#include "services/common/error_details.h"
#include "services/common/status_macros.h"

namespace crm::gateway {

namespace loy = ::crm::loyalty::v1;

void AddLoyaltyRoutes(Router& router, const BackendClients& clients) {
  router.Add("GET", "/v1/accounts/{customer}",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(CheckQueryParams(r.http, {}));
               CRM_ASSIGN_OR_RETURN(std::string id, PathVar(r, "customer"));
               loy::GetAccountRequest request;
               request.set_name(absl::StrCat("accounts/", id));
               loy::Account response;
               auto context = clients.NewContext(r);
               grpc::Status status = clients.loyalty().GetAccount(
                   context.get(), request, &response);
               return BackendReply(status, response, kLoyaltyBackend, r.trace);
             }));

  // Body: {"pointsDelta": "100", "reason": "...", "requestId": "..."}; the
  // account comes from the path only.
  router.Add(
      "POST", "/v1/accounts/{customer}:adjustPoints",
      WithStatus([&clients](const RouteRequest& r)
                     -> absl::StatusOr<common::HttpResponse> {
        CRM_RETURN_IF_ERROR(CheckQueryParams(r.http, {}));
        CRM_ASSIGN_OR_RETURN(std::string id, PathVar(r, "customer"));
        loy::AdjustPointsRequest request;
        CRM_RETURN_IF_ERROR(ParseJsonBody(r.http.body, &request));
        if (!request.account().empty()) {
          return common::InvalidFieldError(
              "account", "taken from the path; leave it out of the body");
        }
        request.set_account(absl::StrCat("accounts/", id));
        loy::AdjustPointsResponse response;
        auto context = clients.NewContext(r);
        grpc::Status status =
            clients.loyalty().AdjustPoints(context.get(), request, &response);
        return BackendReply(status, response, kLoyaltyBackend, r.trace);
      }));
}

}  // namespace crm::gateway

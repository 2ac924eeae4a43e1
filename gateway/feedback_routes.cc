#include <string>

#include "crm/feedback/v1/feedback_service.grpc.pb.h"
#include "gateway/json_codec.h"
#include "gateway/route_support.h"
#include "gateway/routes.h"
#include "services/common/status_macros.h"

namespace crm::gateway {

namespace fb = ::crm::feedback::v1;

void AddFeedbackRoutes(Router& router, const BackendClients& clients) {
  router.Add("POST", "/v1/feedback",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(CheckQueryParams(r.http, {"request_id"}));
               fb::SubmitFeedbackRequest request;
               CRM_ASSIGN_OR_RETURN(*request.mutable_request_id(),
                                    QueryString(r.http, "request_id"));
               CRM_RETURN_IF_ERROR(
                   ParseJsonBody(r.http.body, request.mutable_feedback()));
               fb::Feedback response;
               auto context = clients.NewContext(r);
               grpc::Status status = clients.feedback().SubmitFeedback(
                   context.get(), request, &response);
               return BackendReply(status, response, kFeedbackBackend, r.trace);
             }));

  router.Add("GET", "/v1/feedback",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(CheckQueryParams(
                   r.http, {"page_size", "page_token", "filter"}));
               fb::ListFeedbackRequest request;
               CRM_ASSIGN_OR_RETURN(int32_t page_size,
                                    QueryInt32(r.http, "page_size"));
               request.set_page_size(page_size);
               CRM_ASSIGN_OR_RETURN(*request.mutable_page_token(),
                                    QueryString(r.http, "page_token"));
               CRM_ASSIGN_OR_RETURN(*request.mutable_filter(),
                                    QueryString(r.http, "filter"));
               fb::ListFeedbackResponse response;
               auto context = clients.NewContext(r);
               grpc::Status status = clients.feedback().ListFeedback(
                   context.get(), request, &response);
               return BackendReply(status, response, kFeedbackBackend, r.trace);
             }));
}

}  // namespace crm::gateway

#include <string>

#include "absl/strings/str_cat.h"
#include "crm/segmentation/v1/segmentation_service.grpc.pb.h"
#include "gateway/json_codec.h"
#include "gateway/route_support.h"
#include "gateway/routes.h"
#include "services/common/status_macros.h"

namespace crm::gateway {

namespace seg = ::crm::segmentation::v1;

void AddSegmentRoutes(Router& router, const BackendClients& clients) {
  router.Add("POST", "/v1/segments",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(CheckQueryParams(r.http, {"request_id"}));
               seg::CreateSegmentRequest request;
               CRM_ASSIGN_OR_RETURN(*request.mutable_request_id(),
                                    QueryString(r.http, "request_id"));
               CRM_RETURN_IF_ERROR(
                   ParseJsonBody(r.http.body, request.mutable_segment()));
               seg::Segment response;
               auto context = clients.NewContext(r);
               grpc::Status status = clients.segmentation().CreateSegment(
                   context.get(), request, &response);
               return BackendReply(status, response, kSegmentationBackend,
                                   r.trace);
             }));

  router.Add("GET", "/v1/segments/{segment}",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(CheckQueryParams(r.http, {}));
               CRM_ASSIGN_OR_RETURN(std::string id, PathVar(r, "segment"));
               seg::GetSegmentRequest request;
               request.set_name(absl::StrCat("segments/", id));
               seg::Segment response;
               auto context = clients.NewContext(r);
               grpc::Status status = clients.segmentation().GetSegment(
                   context.get(), request, &response);
               return BackendReply(status, response, kSegmentationBackend,
                                   r.trace);
             }));

  router.Add("GET", "/v1/segments",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(
                   CheckQueryParams(r.http, {"page_size", "page_token"}));
               seg::ListSegmentsRequest request;
               CRM_ASSIGN_OR_RETURN(int32_t page_size,
                                    QueryInt32(r.http, "page_size"));
               request.set_page_size(page_size);
               CRM_ASSIGN_OR_RETURN(*request.mutable_page_token(),
                                    QueryString(r.http, "page_token"));
               seg::ListSegmentsResponse response;
               auto context = clients.NewContext(r);
               grpc::Status status = clients.segmentation().ListSegments(
                   context.get(), request, &response);
               return BackendReply(status, response, kSegmentationBackend,
                                   r.trace);
             }));
}

}  // namespace crm::gateway

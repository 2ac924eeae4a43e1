#include "services/segmentation/segmentation_service.h"

#include <string>
#include <utility>

#include "services/common/grpc_reply.h"
#include "services/common/idempotency_store.h"
#include "services/common/keyset_page.h"
#include "services/common/status_macros.h"
#include "services/segmentation/segment_validation.h"

namespace crm::segmentation {
namespace {

// Query fingerprint of ListSegments page tokens.
constexpr char kListQuery[] = "segments";

}  // namespace

SegmentationServiceImpl::SegmentationServiceImpl(
    std::unique_ptr<SegmentRepository> repository)
    : repository_(std::move(repository)) {}

grpc::Status SegmentationServiceImpl::CreateSegment(
    grpc::ServerContext* /*context*/, const v1::CreateSegmentRequest* request,
    v1::Segment* response) {
  return crm::common::ReplyWith(Create(*request), response);
}

grpc::Status SegmentationServiceImpl::GetSegment(
    grpc::ServerContext* /*context*/, const v1::GetSegmentRequest* request,
    v1::Segment* response) {
  return crm::common::ReplyWith(Get(*request), response);
}

grpc::Status SegmentationServiceImpl::ListSegments(
    grpc::ServerContext* /*context*/, const v1::ListSegmentsRequest* request,
    v1::ListSegmentsResponse* response) {
  return crm::common::ReplyWith(List(*request), response);
}

absl::StatusOr<v1::Segment> SegmentationServiceImpl::Create(
    const v1::CreateSegmentRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(request.request_id()));
  CRM_ASSIGN_OR_RETURN(v1::Segment segment,
                       NormalizeNewSegment(request.segment()));
  return repository_->Create(segment, request);
}

absl::StatusOr<v1::Segment> SegmentationServiceImpl::Get(
    const v1::GetSegmentRequest& request) {
  CRM_ASSIGN_OR_RETURN(std::string id, ParseSegmentName(request.name()));
  return repository_->Get(id);
}

absl::StatusOr<v1::ListSegmentsResponse> SegmentationServiceImpl::List(
    const v1::ListSegmentsRequest& request) {
  CRM_ASSIGN_OR_RETURN(
      crm::common::PageRequest page,
      crm::common::ParsePageRequest(request.page_size(), request.page_token(),
                                    kListQuery));
  CRM_ASSIGN_OR_RETURN(crm::common::Page<v1::Segment> result,
                       repository_->List(page));
  v1::ListSegmentsResponse response;
  for (v1::Segment& segment : result.items) {
    *response.add_segments() = std::move(segment);
  }
  response.set_next_page_token(
      crm::common::NextPageToken(result.next, kListQuery));
  return response;
}

}  // namespace crm::segmentation

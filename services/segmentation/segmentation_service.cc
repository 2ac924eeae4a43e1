#include "services/segmentation/segmentation_service.h"

#include "services/common/grpc_reply.h"
#include "services/common/grpc_request_context.h"

namespace crm::segmentation {

using ::crm::common::ReplyWith;
using ::crm::common::RequestContextOf;

grpc::Status SegmentationServiceImpl::CreateSegment(
    grpc::ServerContext* context, const v1::CreateSegmentRequest* request,
    v1::Segment* response) {
  return ReplyWith(manager_.CreateSegment(RequestContextOf(context), *request),
                   response);
}

grpc::Status SegmentationServiceImpl::GetSegment(
    grpc::ServerContext* context, const v1::GetSegmentRequest* request,
    v1::Segment* response) {
  return ReplyWith(manager_.GetSegment(RequestContextOf(context), *request),
                   response);
}

grpc::Status SegmentationServiceImpl::ListSegments(
    grpc::ServerContext* context, const v1::ListSegmentsRequest* request,
    v1::ListSegmentsResponse* response) {
  return ReplyWith(manager_.ListSegments(RequestContextOf(context), *request),
                   response);
}

}  // namespace crm::segmentation

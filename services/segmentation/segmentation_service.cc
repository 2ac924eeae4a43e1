#include "services/segmentation/segmentation_service.h"

#include "services/common/grpc_reply.h"
#include "services/common/grpc_request_context.h"
#include "services/common/grpc_status.h"

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

grpc::Status SegmentationServiceImpl::UpdateSegment(
    grpc::ServerContext* context, const v1::UpdateSegmentRequest* request,
    v1::Segment* response) {
  return ReplyWith(manager_.UpdateSegment(RequestContextOf(context), *request),
                   response);
}

grpc::Status SegmentationServiceImpl::DeleteSegment(
    grpc::ServerContext* context, const v1::DeleteSegmentRequest* request,
    google::protobuf::Empty* response) {
  return ReplyWith(manager_.DeleteSegment(RequestContextOf(context), *request),
                   response);
}

grpc::Status SegmentationServiceImpl::GetCustomerScore(
    grpc::ServerContext* context, const v1::GetCustomerScoreRequest* request,
    v1::CustomerScore* response) {
  return ReplyWith(
      scoring_.GetCustomerScore(RequestContextOf(context), *request), response);
}

grpc::Status SegmentationServiceImpl::ListCustomerScores(
    grpc::ServerContext* context, const v1::ListCustomerScoresRequest* request,
    v1::ListCustomerScoresResponse* response) {
  return ReplyWith(
      scoring_.ListCustomerScores(RequestContextOf(context), *request),
      response);
}

grpc::Status SegmentationServiceImpl::RecomputeScores(
    grpc::ServerContext* context, const v1::RecomputeScoresRequest* request,
    v1::RecomputeScoresResponse* response) {
  return ReplyWith(
      scoring_.RecomputeScores(RequestContextOf(context), *request), response);
}

grpc::Status SegmentationServiceImpl::FitClvModel(
    grpc::ServerContext* context, const v1::FitClvModelRequest* request,
    v1::ClvModel* response) {
  return ReplyWith(scoring_.FitClvModel(RequestContextOf(context), *request),
                   response);
}

grpc::Status SegmentationServiceImpl::GetClvModel(
    grpc::ServerContext* context, const v1::GetClvModelRequest* request,
    v1::ClvModel* response) {
  return ReplyWith(scoring_.GetClvModel(RequestContextOf(context), *request),
                   response);
}

grpc::Status SegmentationServiceImpl::GetClvCalibrationReport(
    grpc::ServerContext* context,
    const v1::GetClvCalibrationReportRequest* request,
    v1::ClvCalibrationReport* response) {
  return ReplyWith(
      scoring_.GetClvCalibrationReport(RequestContextOf(context), *request),
      response);
}

grpc::Status SegmentationServiceImpl::PreviewSegment(
    grpc::ServerContext* context, const v1::PreviewSegmentRequest* request,
    v1::PreviewSegmentResponse* response) {
  return ReplyWith(
      memberships_.PreviewSegment(RequestContextOf(context), *request),
      response);
}

grpc::Status SegmentationServiceImpl::ListSegmentMembers(
    grpc::ServerContext* context, const v1::ListSegmentMembersRequest* request,
    v1::ListSegmentMembersResponse* response) {
  return ReplyWith(
      memberships_.ListSegmentMembers(RequestContextOf(context), *request),
      response);
}

grpc::Status SegmentationServiceImpl::GetSegmentSizeHistory(
    grpc::ServerContext* context,
    const v1::GetSegmentSizeHistoryRequest* request,
    v1::SegmentSizeHistory* response) {
  return ReplyWith(
      memberships_.GetSegmentSizeHistory(RequestContextOf(context), *request),
      response);
}

grpc::Status SegmentationServiceImpl::ListLifecycleTransitions(
    grpc::ServerContext* context,
    const v1::ListLifecycleTransitionsRequest* request,
    v1::ListLifecycleTransitionsResponse* response) {
  return ReplyWith(
      scoring_.ListLifecycleTransitions(RequestContextOf(context), *request),
      response);
}

grpc::Status SegmentationServiceImpl::ListCustomerSegments(
    grpc::ServerContext* context,
    const v1::ListCustomerSegmentsRequest* request,
    v1::ListCustomerSegmentsResponse* response) {
  return ReplyWith(
      memberships_.ListCustomerSegments(RequestContextOf(context), *request),
      response);
}

grpc::Status SegmentationServiceImpl::ExportCustomerSegmentationData(
    grpc::ServerContext* context,
    const v1::ExportCustomerSegmentationDataRequest* request,
    v1::CustomerSegmentationData* response) {
  return ReplyWith(exporter_.ExportCustomerSegmentationData(
                       RequestContextOf(context), *request),
                   response);
}

grpc::Status SegmentationServiceImpl::SummarizeCustomerSegmentation(
    grpc::ServerContext* context,
    const v1::SummarizeCustomerSegmentationRequest* request,
    v1::CustomerSegmentationSummary* response) {
  return ReplyWith(summarizer_.SummarizeCustomerSegmentation(
                       RequestContextOf(context), *request),
                   response);
}

grpc::Status SegmentationServiceImpl::FitClusterModel(
    grpc::ServerContext* context, const v1::FitClusterModelRequest* request,
    v1::BehaviourClusterModel* response) {
  if (clusters_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no clusters");
  }
  return ReplyWith(
      clusters_->FitClusterModel(RequestContextOf(context), *request),
      response);
}

grpc::Status SegmentationServiceImpl::GetClusterModel(
    grpc::ServerContext* context, const v1::GetClusterModelRequest* request,
    v1::BehaviourClusterModel* response) {
  if (clusters_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no clusters");
  }
  return ReplyWith(
      clusters_->GetClusterModel(RequestContextOf(context), *request),
      response);
}

grpc::Status SegmentationServiceImpl::ListRecommendations(
    grpc::ServerContext* context, const v1::ListRecommendationsRequest* request,
    v1::ListRecommendationsResponse* response) {
  if (recommendations_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no recommendations");
  }
  return ReplyWith(recommendations_->ListRecommendations(
                       RequestContextOf(context), *request),
                   response);
}

grpc::Status SegmentationServiceImpl::WatchChanges(
    grpc::ServerContext* context, const v1::WatchChangesRequest* request,
    grpc::ServerWriter<v1::ChangeEvent>* writer) {
  if (feed_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no change feed");
  }
  return crm::common::ToGrpcStatus(feed_->Watch(
      RequestContextOf(context), *request,
      [writer](const v1::ChangeEvent& event) { return writer->Write(event); }));
}

}  // namespace crm::segmentation

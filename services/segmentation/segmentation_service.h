// The gRPC face of segmentation (crm.segmentation.v1): each RPC hands the
// request and the call's deadline to SegmentManager (segment_manager.h),
// ScoringManager (scoring_manager.h), MembershipManager
// (membership_manager.h) or CustomerDataExporter (customer_data_exporter.h)
// and maps the result to a gRPC status with its error details. Nothing else
// happens here. WatchChanges streams segmentation's feed
// (change_feed_streamer.h; UNIMPLEMENTED without one).
//
//   SegmentationServiceImpl service(segments, scoring, memberships, exporter);
//   builder.RegisterService(&service);
#pragma once

#include <grpcpp/grpcpp.h>

#include "crm/segmentation/v1/segmentation_service.grpc.pb.h"
#include "services/segmentation/change_feed_streamer.h"
#include "services/segmentation/cluster_manager.h"
#include "services/segmentation/customer_data_exporter.h"
#include "services/segmentation/customer_segmentation_summary.h"
#include "services/segmentation/membership_manager.h"
#include "services/segmentation/recommendation_manager.h"
#include "services/segmentation/scoring_manager.h"
#include "services/segmentation/segment_manager.h"

namespace crm::segmentation {

class SegmentationServiceImpl final : public v1::SegmentationService::Service {
 public:
  // The managers and `feed` (null: WatchChanges is UNIMPLEMENTED) must
  // outlive the service.
  SegmentationServiceImpl(SegmentManager& manager, ScoringManager& scoring,
                          MembershipManager& memberships,
                          CustomerDataExporter& exporter,
                          ChangeFeedStreamer* feed = nullptr)
      : manager_(manager),
        scoring_(scoring),
        memberships_(memberships),
        exporter_(exporter),
        feed_(feed) {}

  grpc::Status CreateSegment(grpc::ServerContext* context,
                             const v1::CreateSegmentRequest* request,
                             v1::Segment* response) override;
  grpc::Status GetSegment(grpc::ServerContext* context,
                          const v1::GetSegmentRequest* request,
                          v1::Segment* response) override;
  grpc::Status ListSegments(grpc::ServerContext* context,
                            const v1::ListSegmentsRequest* request,
                            v1::ListSegmentsResponse* response) override;
  grpc::Status UpdateSegment(grpc::ServerContext* context,
                             const v1::UpdateSegmentRequest* request,
                             v1::Segment* response) override;
  grpc::Status DeleteSegment(grpc::ServerContext* context,
                             const v1::DeleteSegmentRequest* request,
                             google::protobuf::Empty* response) override;
  grpc::Status GetCustomerScore(grpc::ServerContext* context,
                                const v1::GetCustomerScoreRequest* request,
                                v1::CustomerScore* response) override;
  grpc::Status ListCustomerScores(
      grpc::ServerContext* context,
      const v1::ListCustomerScoresRequest* request,
      v1::ListCustomerScoresResponse* response) override;
  grpc::Status RecomputeScores(grpc::ServerContext* context,
                               const v1::RecomputeScoresRequest* request,
                               v1::RecomputeScoresResponse* response) override;
  grpc::Status FitClvModel(grpc::ServerContext* context,
                           const v1::FitClvModelRequest* request,
                           v1::ClvModel* response) override;
  grpc::Status GetClvModel(grpc::ServerContext* context,
                           const v1::GetClvModelRequest* request,
                           v1::ClvModel* response) override;
  grpc::Status GetClvCalibrationReport(
      grpc::ServerContext* context,
      const v1::GetClvCalibrationReportRequest* request,
      v1::ClvCalibrationReport* response) override;
  grpc::Status PreviewSegment(grpc::ServerContext* context,
                              const v1::PreviewSegmentRequest* request,
                              v1::PreviewSegmentResponse* response) override;
  grpc::Status ListSegmentMembers(
      grpc::ServerContext* context,
      const v1::ListSegmentMembersRequest* request,
      v1::ListSegmentMembersResponse* response) override;
  grpc::Status GetSegmentSizeHistory(
      grpc::ServerContext* context,
      const v1::GetSegmentSizeHistoryRequest* request,
      v1::SegmentSizeHistory* response) override;
  grpc::Status ListLifecycleTransitions(
      grpc::ServerContext* context,
      const v1::ListLifecycleTransitionsRequest* request,
      v1::ListLifecycleTransitionsResponse* response) override;
  grpc::Status ListCustomerSegments(
      grpc::ServerContext* context,
      const v1::ListCustomerSegmentsRequest* request,
      v1::ListCustomerSegmentsResponse* response) override;
  grpc::Status ExportCustomerSegmentationData(
      grpc::ServerContext* context,
      const v1::ExportCustomerSegmentationDataRequest* request,
      v1::CustomerSegmentationData* response) override;
  grpc::Status SummarizeCustomerSegmentation(
      grpc::ServerContext* context,
      const v1::SummarizeCustomerSegmentationRequest* request,
      v1::CustomerSegmentationSummary* response) override;
  grpc::Status FitClusterModel(grpc::ServerContext* context,
                               const v1::FitClusterModelRequest* request,
                               v1::BehaviourClusterModel* response) override;
  grpc::Status GetClusterModel(grpc::ServerContext* context,
                               const v1::GetClusterModelRequest* request,
                               v1::BehaviourClusterModel* response) override;
  grpc::Status ListRecommendations(
      grpc::ServerContext* context,
      const v1::ListRecommendationsRequest* request,
      v1::ListRecommendationsResponse* response) override;
  grpc::Status WatchChanges(
      grpc::ServerContext* context, const v1::WatchChangesRequest* request,
      grpc::ServerWriter<v1::ChangeEvent>* writer) override;

  // The manager of FitClusterModel and GetClusterModel (it must outlive
  // the service); without one they are UNIMPLEMENTED.
  void set_clusters(ClusterManager* clusters) { clusters_ = clusters; }

  // The manager of ListRecommendations (it must outlive the service);
  // without one the RPC is UNIMPLEMENTED.
  void set_recommendations(RecommendationManager* recommendations) {
    recommendations_ = recommendations;
  }

 private:
  SegmentManager& manager_;
  ScoringManager& scoring_;
  MembershipManager& memberships_;
  CustomerDataExporter& exporter_;
  ChangeFeedStreamer* const feed_;
  RecommendationManager* recommendations_ = nullptr;
  ClusterManager* clusters_ = nullptr;
  CustomerSegmentationSummarizer summarizer_{memberships_, scoring_};
};

}  // namespace crm::segmentation

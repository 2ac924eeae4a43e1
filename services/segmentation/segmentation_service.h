// The gRPC face of segmentation (crm.segmentation.v1): converts requests,
// applies the rules of segment_validation.h, calls the repository, and maps
// absl::Status to gRPC status. No SQL here.
//
//   auto service = std::make_unique<SegmentationServiceImpl>(
//       std::make_unique<MySqlSegmentRepository>(pool, clock, ids));
//   builder.RegisterService(service.get());
#pragma once

#include <memory>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "crm/segmentation/v1/segmentation_service.grpc.pb.h"
#include "services/segmentation/segment_repository.h"

namespace crm::segmentation {

class SegmentationServiceImpl final : public v1::SegmentationService::Service {
 public:
  explicit SegmentationServiceImpl(
      std::unique_ptr<SegmentRepository> repository);

  grpc::Status CreateSegment(grpc::ServerContext* context,
                             const v1::CreateSegmentRequest* request,
                             v1::Segment* response) override;
  grpc::Status GetSegment(grpc::ServerContext* context,
                          const v1::GetSegmentRequest* request,
                          v1::Segment* response) override;
  grpc::Status ListSegments(grpc::ServerContext* context,
                            const v1::ListSegmentsRequest* request,
                            v1::ListSegmentsResponse* response) override;

  // The same operations without gRPC, for in-process callers and tests.
  absl::StatusOr<v1::Segment> Create(const v1::CreateSegmentRequest& request);
  absl::StatusOr<v1::Segment> Get(const v1::GetSegmentRequest& request);
  absl::StatusOr<v1::ListSegmentsResponse> List(
      const v1::ListSegmentsRequest& request);

 private:
  std::unique_ptr<SegmentRepository> repository_;
};

}  // namespace crm::segmentation

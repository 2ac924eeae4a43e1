// The gRPC face of segmentation (crm.segmentation.v1): each RPC hands the
// request and the call's deadline to SegmentManager (segment_manager.h) and
// maps the result to a gRPC status with its error details. Nothing else
// happens here.
//
//   SegmentationServiceImpl service(manager);
//   builder.RegisterService(&service);
#pragma once

#include <grpcpp/grpcpp.h>

#include "crm/segmentation/v1/segmentation_service.grpc.pb.h"
#include "services/segmentation/segment_manager.h"

namespace crm::segmentation {

class SegmentationServiceImpl final : public v1::SegmentationService::Service {
 public:
  // `manager` must outlive the service.
  explicit SegmentationServiceImpl(SegmentManager& manager)
      : manager_(manager) {}

  grpc::Status CreateSegment(grpc::ServerContext* context,
                             const v1::CreateSegmentRequest* request,
                             v1::Segment* response) override;
  grpc::Status GetSegment(grpc::ServerContext* context,
                          const v1::GetSegmentRequest* request,
                          v1::Segment* response) override;
  grpc::Status ListSegments(grpc::ServerContext* context,
                            const v1::ListSegmentsRequest* request,
                            v1::ListSegmentsResponse* response) override;

 private:
  SegmentManager& manager_;
};

}  // namespace crm::segmentation

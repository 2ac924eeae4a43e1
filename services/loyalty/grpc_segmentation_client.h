// SegmentationClient (segmentation_client.h) over segmentation's gRPC API:
// ListCustomerSegments and ListSegmentMembers, each call with the deadline
// given (the whole of SegmentsOfCustomer, every page included, shares it).
//
//   GrpcSegmentationClient client(SegmentationService::NewStub(channel));
#pragma once

#include <memory>

#include "crm/segmentation/v1/segmentation_service.grpc.pb.h"
#include "services/loyalty/segmentation_client.h"

namespace crm::loyalty {

class GrpcSegmentationClient final : public SegmentationClient {
 public:
  explicit GrpcSegmentationClient(
      std::unique_ptr<
          ::crm::segmentation::v1::SegmentationService::StubInterface>
          stub)
      : stub_(std::move(stub)) {}

  absl::StatusOr<std::vector<std::string>> SegmentsOfCustomer(
      absl::string_view customer_id, absl::Time deadline) override;
  absl::StatusOr<SegmentMemberPage> SegmentMembersPage(
      absl::string_view segment_id, absl::string_view page_token, int page_size,
      absl::Time deadline) override;

 private:
  const std::unique_ptr<
      ::crm::segmentation::v1::SegmentationService::StubInterface>
      stub_;
};

}  // namespace crm::loyalty

// CustomerSegmentSource over segmentation's ListCustomerSegments
// (crm.segmentation.v1), every page under one `deadline` and at most
// kMaxPages pages of 1000; an error or a timeout is no segment at all (a
// partial list is never returned).
//
//   GrpcCustomerSegments segments(channel, absl::Milliseconds(300));
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "crm/segmentation/v1/segmentation_service.grpc.pb.h"
#include "services/feedback/customer_segment_source.h"

namespace crm::feedback {

class GrpcCustomerSegments final : public CustomerSegmentSource {
 public:
  // Pages read per customer at most (3000 memberships); beyond that the
  // rest is dropped.
  static constexpr int kMaxPages = 3;

  GrpcCustomerSegments(const std::shared_ptr<grpc::Channel>& channel,
                       absl::Duration deadline)
      : stub_(crm::segmentation::v1::SegmentationService::NewStub(channel)),
        deadline_(deadline) {}

  std::vector<std::string> SegmentIdsOf(
      const std::string& customer_id) override;

 private:
  std::unique_ptr<crm::segmentation::v1::SegmentationService::Stub> stub_;
  const absl::Duration deadline_;
};

}  // namespace crm::feedback

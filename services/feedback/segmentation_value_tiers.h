// ValueTierSource over segmentation's GetCustomerScore
// (crm.segmentation.v1), each call bounded by `deadline`; an error, a
// timeout or an unscored customer is ValueTier::kUnknown.
//
//   SegmentationValueTiers tiers(channel, absl::Milliseconds(300));
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "crm/segmentation/v1/segmentation_service.grpc.pb.h"
#include "services/feedback/value_tier_source.h"

namespace crm::feedback {

class SegmentationValueTiers final : public ValueTierSource {
 public:
  SegmentationValueTiers(const std::shared_ptr<grpc::Channel>& channel,
                         absl::Duration deadline)
      : stub_(crm::segmentation::v1::SegmentationService::NewStub(channel)),
        deadline_(deadline) {}

  ValueTier TierOf(const std::string& customer_id) override;

 private:
  std::unique_ptr<crm::segmentation::v1::SegmentationService::Stub> stub_;
  const absl::Duration deadline_;
};

}  // namespace crm::feedback

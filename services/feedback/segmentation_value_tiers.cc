#include "services/feedback/segmentation_value_tiers.h"

#include "absl/strings/str_cat.h"

namespace crm::feedback {

namespace seg = ::crm::segmentation::v1;

ValueTier SegmentationValueTiers::TierOf(const std::string& customer_id) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  seg::GetCustomerScoreRequest request;
  request.set_name(absl::StrCat("customers/", customer_id, "/score"));
  seg::CustomerScore score;
  if (!stub_->GetCustomerScore(&context, request, &score).ok()) {
    return ValueTier::kUnknown;
  }
  switch (score.value_tier()) {
    case seg::CustomerScore::HIGH:
      return ValueTier::kHigh;
    case seg::CustomerScore::MEDIUM:
      return ValueTier::kMedium;
    case seg::CustomerScore::LOW:
      return ValueTier::kLow;
    default:
      return ValueTier::kUnknown;
  }
}

}  // namespace crm::feedback

#include "services/segmentation/value_tier.h"

namespace crm::segmentation {

ValueTier ClassifyValueTier(const ValueTierPolicy& policy,
                            const ValueTierInputs& inputs) {
  if (inputs.monetary_score == 0) return ValueTier::kUnspecified;
  int64_t value = 0;
  switch (policy.basis) {
    case ValueTierPolicy::Basis::kMonetaryScore:
      value = inputs.monetary_score;
      break;
    case ValueTierPolicy::Basis::kMonetaryMinor:
      value = inputs.monetary_minor;
      break;
    case ValueTierPolicy::Basis::kClvMinor:
      if (!inputs.clv_minor.has_value()) return ValueTier::kUnspecified;
      value = *inputs.clv_minor;
      break;
  }
  if (value >= policy.high_at) return ValueTier::kHigh;
  if (value >= policy.medium_at) return ValueTier::kMedium;
  return ValueTier::kLow;
}

const char* ValueTierName(ValueTier tier) {
  switch (tier) {
    case ValueTier::kHigh:
      return "HIGH";
    case ValueTier::kMedium:
      return "MEDIUM";
    case ValueTier::kLow:
      return "LOW";
    case ValueTier::kUnspecified:
      break;
  }
  return "VALUE_TIER_UNSPECIFIED";
}

}  // namespace crm::segmentation

#include "services/segmentation/lifecycle_stage.h"

#include <algorithm>

#include "services/segmentation/customer_aggregate.h"

namespace crm::segmentation {
namespace {

double Rhythm(const LifecyclePolicy& policy, int64_t first_day,
              int64_t last_day, int64_t purchase_days) {
  double rhythm = policy.default_rhythm_days;
  if (purchase_days >= 2) {
    rhythm = static_cast<double>(last_day - first_day) /
             static_cast<double>(purchase_days - 1);
  }
  return std::max(rhythm, policy.min_rhythm_days);
}

}  // namespace

LifecycleStage ClassifyLifecycle(const LifecyclePolicy& policy,
                                 const LifecycleInputs& inputs,
                                 absl::Time now) {
  if (inputs.purchase_days <= 0 || !inputs.last_purchase_time.has_value() ||
      !inputs.first_purchase_time.has_value()) {
    return LifecycleStage::kProspect;
  }
  const int64_t first_day = UtcDayNumber(*inputs.first_purchase_time);
  const int64_t last_day = UtcDayNumber(*inputs.last_purchase_time);
  const double rhythm =
      Rhythm(policy, first_day, last_day, inputs.purchase_days);
  const double recency = static_cast<double>(UtcDayNumber(now) - last_day);
  if (recency > policy.churn_multiple * rhythm ||
      (inputs.p_alive.has_value() &&
       *inputs.p_alive < policy.churned_below_p_alive)) {
    return LifecycleStage::kChurned;
  }
  if (recency > policy.at_risk_multiple * rhythm ||
      (inputs.p_alive.has_value() &&
       *inputs.p_alive < policy.at_risk_below_p_alive)) {
    return LifecycleStage::kAtRisk;
  }
  if (inputs.purchase_days >= 2 && inputs.previous_purchase_time.has_value()) {
    const int64_t previous_day = UtcDayNumber(*inputs.previous_purchase_time);
    const double rhythm_before =
        Rhythm(policy, first_day, previous_day, inputs.purchase_days - 1);
    if (static_cast<double>(last_day - previous_day) >
        policy.churn_multiple * rhythm_before) {
      return LifecycleStage::kReactivated;
    }
  }
  if (inputs.purchase_days >= policy.loyal_min_purchase_days) {
    return LifecycleStage::kLoyal;
  }
  if (inputs.purchase_days == 1) return LifecycleStage::kNew;
  return LifecycleStage::kActive;
}

const char* LifecycleStageName(LifecycleStage stage) {
  switch (stage) {
    case LifecycleStage::kProspect:
      return "PROSPECT";
    case LifecycleStage::kNew:
      return "NEW";
    case LifecycleStage::kActive:
      return "ACTIVE";
    case LifecycleStage::kAtRisk:
      return "AT_RISK";
    case LifecycleStage::kChurned:
      return "CHURNED";
    case LifecycleStage::kReactivated:
      return "REACTIVATED";
    case LifecycleStage::kLoyal:
      return "LOYAL";
    case LifecycleStage::kUnspecified:
      break;
  }
  return "LIFECYCLE_STAGE_UNSPECIFIED";
}

}  // namespace crm::segmentation

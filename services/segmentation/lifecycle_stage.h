// Lifecycle stages as a pure function of a customer's purchase days, the
// evaluation time and (when a CLV model is fitted) P(alive). Stateless: the
// stage follows from the data alone, so a per-event update and a full
// recompute agree; the caller records a transition whenever the stored stage
// differs from the new one.
//
//   LifecycleStage stage = ClassifyLifecycle(LifecyclePolicy{}, inputs, now);
//
// Rules, in order (days are UTC calendar days; README.md "Lifecycle"):
//   PROSPECT     no purchase.
//   rhythm       = (last − first purchase day) / (purchase days − 1) with at
//                  least two purchase days, else default_rhythm_days;
//                  never below min_rhythm_days.
//   recency      = today − last purchase day.
//   CHURNED      recency > churn_multiple × rhythm, or P(alive) <
//                churned_below_p_alive.
//   AT_RISK      recency > at_risk_multiple × rhythm, or P(alive) <
//                at_risk_below_p_alive.
//   REACTIVATED  the gap between the last two purchase days exceeded
//                churn_multiple × the rhythm before that last purchase (the
//                customer came back after having churned).
//   LOYAL        at least loyal_min_purchase_days purchase days.
//   NEW          exactly one purchase day.
//   ACTIVE       otherwise.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/time/time.h"

namespace crm::segmentation {

enum class LifecycleStage {
  kUnspecified = 0,
  kProspect = 1,
  kNew = 2,
  kActive = 3,
  kAtRisk = 4,
  kChurned = 5,
  kReactivated = 6,
  kLoyal = 7,
};

struct LifecyclePolicy {
  double default_rhythm_days = 30;
  double min_rhythm_days = 7;
  double at_risk_multiple = 1.5;
  double churn_multiple = 3.0;
  int64_t loyal_min_purchase_days = 5;
  double at_risk_below_p_alive = 0.5;
  double churned_below_p_alive = 0.2;
};

struct LifecycleInputs {
  int64_t purchase_days = 0;
  std::optional<absl::Time> first_purchase_time;
  std::optional<absl::Time> last_purchase_time;
  // Latest purchase on a day before the last purchase day (two or more
  // purchase days only).
  std::optional<absl::Time> previous_purchase_time;
  std::optional<double> p_alive;
};

LifecycleStage ClassifyLifecycle(const LifecyclePolicy& policy,
                                 const LifecycleInputs& inputs, absl::Time now);

// The API enum's name: "PROSPECT", "NEW", ..., "LIFECYCLE_STAGE_UNSPECIFIED".
const char* LifecycleStageName(LifecycleStage stage);

}  // namespace crm::segmentation

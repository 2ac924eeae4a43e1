// Tiers, as pure functions over the programme's settings: which tier points
// earned in the qualification window reach, the earn multiplier of a tier,
// and moving a member between tiers with the downgrade grace period.
//
//   const absl::Time since = QualificationWindowStart(program, now);
//   ... qualifying points earned since then ...
//   TierState next = EvaluateTier(program, {account.tier, grace}, points, now);
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/program.pb.h"

namespace crm::loyalty {

// A member's tier and, while it no longer qualifies for it, when it loses it.
struct TierState {
  std::string tier;  // Tier id; empty: none.
  std::optional<absl::Time> grace_end_time;

  bool operator==(const TierState& other) const {
    return tier == other.tier && grace_end_time == other.grace_end_time;
  }
};

// Start of the rolling qualification window ending at `now`
// (qualification_window_days, 365 when 0).
absl::Time QualificationWindowStart(const v1::Program& program, absl::Time now);

// The highest tier whose min_qualifying_points `qualifying_points` reaches;
// empty when none does (or the programme has no tiers).
std::string QualifyingTier(const v1::Program& program,
                           int64_t qualifying_points);

// The earn multiplier of tier `tier_id` in percent; 100 for no tier, an
// unknown tier or a tier without one.
int TierMultiplierPercent(const v1::Program& program,
                          absl::string_view tier_id);

// The member's tier after evaluating `qualifying_points` at `now`:
// - reaching the current tier or a higher one (or the current tier is no
//   longer in the programme): the qualifying tier, no grace;
// - below the current tier: without a grace period, at once the qualifying
//   tier; otherwise the
//   current tier is kept until now + downgrade_grace_days (set on the first
//   evaluation below it, never extended), and replaced by the qualifying
//   tier at the first evaluation at or after that time.
TierState EvaluateTier(const v1::Program& program, const TierState& current,
                       int64_t qualifying_points, absl::Time now);

}  // namespace crm::loyalty

// A loyalty member's progress towards the programme's next tier: the pure
// function behind the customer 360 view's `tierProgress` part.
//
//   TierProgress progress = ComputeTierProgress(account, program);
//   // progress.next_tier "gold", progress.points_to_next_tier 120
//
// Contract:
// - The tiers are the programme's, in its order (ascending
//   min_qualifying_points, as UpdateProgram enforces).
// - The current tier is the account's `tier`; the next tier is the one that
//   follows it in the programme. A member without a tier (or with a tier the
//   programme no longer has) is below the first tier whose threshold its
//   qualifying points do not reach, so that tier is the next one.
// - points_to_next_tier = next threshold - qualifying points, never below 0
//   (a member in downgrade grace may hold a tier it no longer qualifies for,
//   and one above it in the same call is already on its way up: 0).
// - At the top tier, or when the programme has no tiers, there is no next
//   tier: next_tier is empty and points_to_next_tier 0.
// Tiers are qualified on points EARNED in the window (`qualifying_points`),
// never on the spendable balance.
#pragma once

#include <cstdint>
#include <string>

#include "crm/loyalty/v1/account.pb.h"
#include "crm/loyalty/v1/program.pb.h"

namespace crm::gateway {

struct TierProgress {
  // The member's tier (`Tier.tier_id`) and its display name; "" without.
  std::string current_tier;
  std::string current_tier_display_name;
  // Points earned in the qualification window.
  int64_t qualifying_points = 0;
  // The next tier up and its display name; "" at the top or without tiers.
  std::string next_tier;
  std::string next_tier_display_name;
  // The next tier's threshold (0 without a next tier).
  int64_t next_tier_min_qualifying_points = 0;
  // Qualifying points still to earn to reach the next tier (0 without one).
  int64_t points_to_next_tier = 0;
};

TierProgress ComputeTierProgress(const loyalty::v1::Account& account,
                                 const loyalty::v1::Program& program);

}  // namespace crm::gateway

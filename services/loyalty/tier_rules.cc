#include "services/loyalty/tier_rules.h"

#include "services/loyalty/program_rules.h"

namespace crm::loyalty {
namespace {

// Position of `tier_id` in the programme's tiers; -1 for none or unknown.
int RankOf(const v1::Program& program, absl::string_view tier_id) {
  for (int i = 0; i < program.tiers_size(); ++i) {
    if (program.tiers(i).tier_id() == tier_id) return i;
  }
  return -1;
}

}  // namespace

absl::Time QualificationWindowStart(const v1::Program& program,
                                    absl::Time now) {
  const int days = program.qualification_window_days() > 0
                       ? program.qualification_window_days()
                       : kDefaultQualificationWindowDays;
  return now - absl::Hours(24) * days;
}

std::string QualifyingTier(const v1::Program& program,
                           int64_t qualifying_points) {
  std::string tier;
  for (const v1::Tier& candidate : program.tiers()) {
    if (qualifying_points >= candidate.min_qualifying_points()) {
      tier = candidate.tier_id();
    }
  }
  return tier;
}

int TierMultiplierPercent(const v1::Program& program,
                          absl::string_view tier_id) {
  const int rank = RankOf(program, tier_id);
  if (rank < 0 || program.tiers(rank).multiplier_percent() <= 0) return 100;
  return program.tiers(rank).multiplier_percent();
}

TierState EvaluateTier(const v1::Program& program, const TierState& current,
                       int64_t qualifying_points, absl::Time now) {
  const std::string qualified = QualifyingTier(program, qualifying_points);
  const int current_rank = RankOf(program, current.tier);
  if (RankOf(program, qualified) >= current_rank) {
    return TierState{qualified, std::nullopt};
  }
  // Below the current (existing) tier.
  if (program.downgrade_grace_days() <= 0) {
    return TierState{qualified, std::nullopt};
  }
  if (!current.grace_end_time.has_value()) {
    return TierState{current.tier,
                     now + absl::Hours(24) * program.downgrade_grace_days()};
  }
  if (now >= *current.grace_end_time) {
    return TierState{qualified, std::nullopt};
  }
  return current;
}

}  // namespace crm::loyalty

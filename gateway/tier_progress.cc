#include "gateway/tier_progress.h"

#include <algorithm>

namespace crm::gateway {

TierProgress ComputeTierProgress(const loyalty::v1::Account& account,
                                 const loyalty::v1::Program& program) {
  TierProgress progress;
  progress.qualifying_points = account.qualifying_points();
  const auto& tiers = program.tiers();
  int next = -1;
  for (int i = 0; i < tiers.size(); ++i) {
    if (!account.tier().empty() && tiers[i].tier_id() == account.tier()) {
      progress.current_tier = tiers[i].tier_id();
      progress.current_tier_display_name = tiers[i].display_name();
      next = i + 1;
      break;
    }
  }
  if (progress.current_tier.empty()) {
    // No (known) tier: the first tier not yet reached is the next one.
    next = static_cast<int>(tiers.size());
    for (int i = 0; i < tiers.size(); ++i) {
      if (tiers[i].min_qualifying_points() > progress.qualifying_points) {
        next = i;
        break;
      }
    }
  }
  if (next >= 0 && next < tiers.size()) {
    const loyalty::v1::Tier& tier = tiers[next];
    progress.next_tier = tier.tier_id();
    progress.next_tier_display_name = tier.display_name();
    progress.next_tier_min_qualifying_points = tier.min_qualifying_points();
    progress.points_to_next_tier = std::max<int64_t>(
        0, tier.min_qualifying_points() - progress.qualifying_points);
  }
  return progress;
}

}  // namespace crm::gateway

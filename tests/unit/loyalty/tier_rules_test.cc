// Tiers: qualification on earned points, multipliers, and downgrades only
// after the grace period.
#include "services/loyalty/tier_rules.h"

#include <gtest/gtest.h>

#include "absl/time/time.h"

namespace crm::loyalty {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1767225600);  // 2026-01-01

v1::Program ThreeTiers(int grace_days) {
  v1::Program program;
  const struct {
    const char* id;
    int64_t threshold;
    int multiplier;
  } tiers[] = {{"silver", 0, 0}, {"gold", 1000, 150}, {"platinum", 5000, 200}};
  for (const auto& t : tiers) {
    v1::Tier* tier = program.add_tiers();
    tier->set_tier_id(t.id);
    tier->set_min_qualifying_points(t.threshold);
    tier->set_multiplier_percent(t.multiplier);
  }
  program.set_downgrade_grace_days(grace_days);
  return program;
}

TEST(TierRulesTest, QualifiesOnTheHighestThresholdReached) {
  const v1::Program program = ThreeTiers(30);
  EXPECT_EQ(QualifyingTier(program, 0), "silver");
  EXPECT_EQ(QualifyingTier(program, 999), "silver");
  EXPECT_EQ(QualifyingTier(program, 1000), "gold");
  EXPECT_EQ(QualifyingTier(program, 1'000'000), "platinum");
  EXPECT_EQ(QualifyingTier(v1::Program(), 1'000'000), "");
}

TEST(TierRulesTest, MultiplierDefaultsToOneTimes) {
  const v1::Program program = ThreeTiers(30);
  EXPECT_EQ(TierMultiplierPercent(program, "silver"), 100);
  EXPECT_EQ(TierMultiplierPercent(program, "gold"), 150);
  EXPECT_EQ(TierMultiplierPercent(program, ""), 100);
  EXPECT_EQ(TierMultiplierPercent(program, "gone"), 100);
}

TEST(TierRulesTest, WindowDefaultsTo365Days) {
  v1::Program program;
  EXPECT_EQ(QualificationWindowStart(program, kNow), kNow - absl::Hours(8760));
  program.set_qualification_window_days(30);
  EXPECT_EQ(QualificationWindowStart(program, kNow), kNow - absl::Hours(720));
}

TEST(TierRulesTest, UpgradesAtOnceAndDowngradesAfterTheGrace) {
  const v1::Program program = ThreeTiers(30);
  TierState state = EvaluateTier(program, {"silver", std::nullopt}, 1200, kNow);
  EXPECT_EQ(state, (TierState{"gold", std::nullopt}));

  // Falls below gold: keeps it for 30 days.
  const absl::Time grace_end = kNow + absl::Hours(24 * 30);
  state = EvaluateTier(program, state, 10, kNow);
  EXPECT_EQ(state, (TierState{"gold", grace_end}));
  // The grace end is never extended by later evaluations.
  state = EvaluateTier(program, state, 10, kNow + absl::Hours(24));
  EXPECT_EQ(state, (TierState{"gold", grace_end}));
  // Qualifying again clears it.
  EXPECT_EQ(EvaluateTier(program, state, 1000, kNow + absl::Hours(48)),
            (TierState{"gold", std::nullopt}));
  // At the grace end it drops to what it qualifies for.
  EXPECT_EQ(EvaluateTier(program, state, 10, grace_end),
            (TierState{"silver", std::nullopt}));
}

TEST(TierRulesTest, WithoutGraceOrForARemovedTierMovesAtOnce) {
  EXPECT_EQ(EvaluateTier(ThreeTiers(0), {"platinum", std::nullopt}, 1000, kNow),
            (TierState{"gold", std::nullopt}));
  EXPECT_EQ(EvaluateTier(ThreeTiers(30), {"diamond", std::nullopt}, 1000, kNow),
            (TierState{"gold", std::nullopt}));
}

}  // namespace
}  // namespace crm::loyalty

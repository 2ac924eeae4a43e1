// ComputeTierProgress: the next tier and the points to it.
#include "gateway/tier_progress.h"

#include <gtest/gtest.h>

#include <string>

namespace crm::gateway {
namespace {

namespace loy = ::crm::loyalty::v1;

// Bronze from 0, Silver from 500, Gold from 1000.
loy::Program ThreeTiers() {
  loy::Program program;
  program.set_name("programs/default");
  const struct {
    const char* id;
    const char* name;
    int64_t min;
  } tiers[] = {{"bronze", "Bronze", 0},
               {"silver", "Silver", 500},
               {"gold", "Gold", 1000}};
  for (const auto& tier : tiers) {
    loy::Tier* added = program.add_tiers();
    added->set_tier_id(tier.id);
    added->set_display_name(tier.name);
    added->set_min_qualifying_points(tier.min);
  }
  return program;
}

loy::Account Member(const std::string& tier, int64_t qualifying_points) {
  loy::Account account;
  account.set_name("accounts/c1");
  account.set_tier(tier);
  account.set_qualifying_points(qualifying_points);
  return account;
}

TEST(TierProgressTest, TheNextTierFollowsTheMembersTier) {
  TierProgress progress =
      ComputeTierProgress(Member("silver", 900), ThreeTiers());
  EXPECT_EQ(progress.current_tier, "silver");
  EXPECT_EQ(progress.current_tier_display_name, "Silver");
  EXPECT_EQ(progress.qualifying_points, 900);
  EXPECT_EQ(progress.next_tier, "gold");
  EXPECT_EQ(progress.next_tier_display_name, "Gold");
  EXPECT_EQ(progress.next_tier_min_qualifying_points, 1000);
  EXPECT_EQ(progress.points_to_next_tier, 100);
}

TEST(TierProgressTest, AtTheTopThereIsNoNextTier) {
  TierProgress progress =
      ComputeTierProgress(Member("gold", 5000), ThreeTiers());
  EXPECT_EQ(progress.current_tier, "gold");
  EXPECT_EQ(progress.next_tier, "");
  EXPECT_EQ(progress.next_tier_min_qualifying_points, 0);
  EXPECT_EQ(progress.points_to_next_tier, 0);
}

TEST(TierProgressTest, WithoutATierTheFirstTierNotReachedIsNext) {
  TierProgress progress = ComputeTierProgress(Member("", 300), ThreeTiers());
  EXPECT_EQ(progress.current_tier, "");
  EXPECT_EQ(progress.next_tier, "silver");
  EXPECT_EQ(progress.points_to_next_tier, 200);
  // A tier the programme no longer has counts as none.
  EXPECT_EQ(
      ComputeTierProgress(Member("platinum", 300), ThreeTiers()).next_tier,
      "silver");
  // Past every threshold without a tier yet (not re-evaluated): no next.
  EXPECT_EQ(ComputeTierProgress(Member("", 1200), ThreeTiers()).next_tier, "");
}

TEST(TierProgressTest, InGraceTheNextTierIsStillTheOneAbove) {
  // Silver kept in downgrade grace with points below its threshold.
  TierProgress progress =
      ComputeTierProgress(Member("silver", 100), ThreeTiers());
  EXPECT_EQ(progress.next_tier, "gold");
  EXPECT_EQ(progress.points_to_next_tier, 900);
}

TEST(TierProgressTest, AProgrammeWithoutTiersHasNoProgress) {
  TierProgress progress = ComputeTierProgress(Member("", 700), loy::Program());
  EXPECT_EQ(progress.current_tier, "");
  EXPECT_EQ(progress.next_tier, "");
  EXPECT_EQ(progress.points_to_next_tier, 0);
  EXPECT_EQ(progress.qualifying_points, 700);
}

}  // namespace
}  // namespace crm::gateway

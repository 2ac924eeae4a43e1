// Value tiers from thresholds on each basis.
#include "services/segmentation/value_tier.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>

namespace crm::segmentation {
namespace {

ValueTierInputs Inputs(int monetary_score, int64_t monetary_minor = 0,
                       std::optional<int64_t> clv_minor = std::nullopt) {
  ValueTierInputs inputs;
  inputs.monetary_score = monetary_score;
  inputs.monetary_minor = monetary_minor;
  inputs.clv_minor = clv_minor;
  return inputs;
}

TEST(ValueTierTest, DefaultPolicyUsesTheMonetaryScore) {
  ValueTierPolicy policy;
  EXPECT_EQ(ClassifyValueTier(policy, Inputs(5)), ValueTier::kHigh);
  EXPECT_EQ(ClassifyValueTier(policy, Inputs(4)), ValueTier::kHigh);
  EXPECT_EQ(ClassifyValueTier(policy, Inputs(3)), ValueTier::kMedium);
  EXPECT_EQ(ClassifyValueTier(policy, Inputs(2)), ValueTier::kMedium);
  EXPECT_EQ(ClassifyValueTier(policy, Inputs(1)), ValueTier::kLow);
  EXPECT_EQ(ClassifyValueTier(policy, Inputs(0)), ValueTier::kUnspecified);
}

TEST(ValueTierTest, MonetaryValueThresholds) {
  ValueTierPolicy policy{.basis = ValueTierPolicy::Basis::kMonetaryMinor,
                         .high_at = 100000,
                         .medium_at = 10000};
  EXPECT_EQ(ClassifyValueTier(policy, Inputs(1, 100000)), ValueTier::kHigh);
  EXPECT_EQ(ClassifyValueTier(policy, Inputs(5, 99999)), ValueTier::kMedium);
  EXPECT_EQ(ClassifyValueTier(policy, Inputs(5, 9999)), ValueTier::kLow);
}

TEST(ValueTierTest, ClvBasisNeedsAClv) {
  ValueTierPolicy policy{.basis = ValueTierPolicy::Basis::kClvMinor,
                         .high_at = 5000,
                         .medium_at = 1000};
  EXPECT_EQ(ClassifyValueTier(policy, Inputs(3)), ValueTier::kUnspecified);
  EXPECT_EQ(ClassifyValueTier(policy, Inputs(3, 0, 5000)), ValueTier::kHigh);
  EXPECT_EQ(ClassifyValueTier(policy, Inputs(3, 0, 999)), ValueTier::kLow);
  EXPECT_STREQ(ValueTierName(ValueTier::kMedium), "MEDIUM");
}

}  // namespace
}  // namespace crm::segmentation

// Every lifecycle stage and the transitions between them as time passes
// and purchases arrive, with the default policy (rhythm 30 days by default,
// at risk after 1.5 rhythms, churned after 3, loyal from 5 purchase days).
#include "services/segmentation/lifecycle_stage.h"

#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "services/segmentation/customer_aggregate.h"

namespace crm::segmentation {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

absl::Time Day(int n) { return kStart + absl::Hours(24 * n) + absl::Hours(10); }

// The stage of a customer who bought on `days` (days after kStart), seen on
// day `today`.
LifecycleStage StageOn(const std::vector<int>& days, int today,
                       std::optional<double> p_alive = std::nullopt) {
  std::vector<OrderFact> orders;
  for (int d : days) {
    OrderFact order;
    order.order_time = Day(d);
    order.currency_code = "CNY";
    orders.push_back(order);
  }
  CustomerAggregate aggregate = AggregateOrders("c", orders);
  return ClassifyLifecycle(
      LifecyclePolicy{},
      LifecycleInputs{
          .purchase_days = aggregate.purchase_days,
          .first_purchase_time = aggregate.first_order_time,
          .last_purchase_time = aggregate.last_order_time,
          .previous_purchase_time = aggregate.previous_purchase_time,
          .p_alive = p_alive},
      Day(today));
}

TEST(LifecycleTest, NoPurchaseIsProspect) {
  EXPECT_EQ(StageOn({}, 0), LifecycleStage::kProspect);
}

TEST(LifecycleTest, OneBuyerIsNewThenAtRiskThenChurned) {
  // Default rhythm 30 days: at risk after 45, churned after 90.
  EXPECT_EQ(StageOn({0}, 0), LifecycleStage::kNew);
  EXPECT_EQ(StageOn({0}, 45), LifecycleStage::kNew);
  EXPECT_EQ(StageOn({0}, 46), LifecycleStage::kAtRisk);
  EXPECT_EQ(StageOn({0}, 90), LifecycleStage::kAtRisk);
  EXPECT_EQ(StageOn({0}, 91), LifecycleStage::kChurned);
}

TEST(LifecycleTest, RecencyIsJudgedAgainstTheCustomersOwnRhythm) {
  // Buys every 10 days: active; at risk after 15 days, churned after 30.
  EXPECT_EQ(StageOn({0, 10, 20}, 35), LifecycleStage::kActive);
  EXPECT_EQ(StageOn({0, 10, 20}, 36), LifecycleStage::kAtRisk);
  EXPECT_EQ(StageOn({0, 10, 20}, 51), LifecycleStage::kChurned);
  // The rhythm never drops below 7 days: daily buyers are not at risk after
  // two days.
  EXPECT_EQ(StageOn({0, 1, 2}, 12), LifecycleStage::kActive);
}

TEST(LifecycleTest, FivePurchaseDaysAreLoyal) {
  EXPECT_EQ(StageOn({0, 10, 20, 30}, 30), LifecycleStage::kActive);
  EXPECT_EQ(StageOn({0, 10, 20, 30, 40}, 40), LifecycleStage::kLoyal);
}

TEST(LifecycleTest, ComingBackAfterChurningIsReactivated) {
  // Rhythm before the last purchase 10 days; a 40-day pause > 3 x 10.
  EXPECT_EQ(StageOn({0, 10, 20}, 51), LifecycleStage::kChurned);
  EXPECT_EQ(StageOn({0, 10, 20, 60}, 60), LifecycleStage::kReactivated);
  // A shorter pause is not.
  EXPECT_EQ(StageOn({0, 10, 20, 45}, 45), LifecycleStage::kActive);
  // One-time buyer back after 100 days (> 3 x the default 30).
  EXPECT_EQ(StageOn({0, 100}, 100), LifecycleStage::kReactivated);
}

TEST(LifecycleTest, LowPAliveOverridesRecency) {
  EXPECT_EQ(StageOn({0, 10, 20}, 21, 0.4), LifecycleStage::kAtRisk);
  EXPECT_EQ(StageOn({0, 10, 20}, 21, 0.1), LifecycleStage::kChurned);
  EXPECT_EQ(StageOn({0, 10, 20}, 21, 0.9), LifecycleStage::kActive);
}

TEST(LifecycleTest, NamesMatchTheApiEnum) {
  EXPECT_STREQ(LifecycleStageName(LifecycleStage::kAtRisk), "AT_RISK");
  EXPECT_STREQ(LifecycleStageName(LifecycleStage::kReactivated), "REACTIVATED");
  EXPECT_STREQ(LifecycleStageName(LifecycleStage::kUnspecified),
               "LIFECYCLE_STAGE_UNSPECIFIED");
}

}  // namespace
}  // namespace crm::segmentation

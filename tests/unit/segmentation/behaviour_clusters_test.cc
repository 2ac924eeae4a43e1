// Behaviour clusters (behaviour_clusters.h): features, the adjusted Rand
// index, and planted groups of generated customers recovered by the fit
// with k chosen by the silhouette.
#include "services/segmentation/behaviour_clusters.h"

#include <cmath>
#include <random>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace crm::segmentation {
namespace {

using ::crm::testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1767225600);  // 2026-01-01Z

TEST(FeaturesOfTest, LogsRecencyFrequencySpendAndGaps) {
  CustomerAggregate aggregate;
  aggregate.order_count = 3;
  aggregate.purchase_days = 3;
  aggregate.first_order_time = kNow - absl::Hours(24 * 30);
  aggregate.last_order_time = kNow - absl::Hours(24 * 10);
  aggregate.spend.push_back({.currency_code = "USD", .net_total_minor = 999});
  aggregate.spend.push_back({.currency_code = "CNY", .net_total_minor = 12000});
  std::optional<BehaviourFeatures> features =
      FeaturesOf(aggregate, "CNY", kNow);
  ASSERT_TRUE(features.has_value());
  EXPECT_DOUBLE_EQ((*features)[0], std::log1p(10.0));
  EXPECT_DOUBLE_EQ((*features)[1], std::log1p(3.0));
  EXPECT_DOUBLE_EQ((*features)[2], std::log1p(120.0));
  EXPECT_DOUBLE_EQ((*features)[3], std::log1p(10.0));  // 20 days / 2 gaps.
  EXPECT_FALSE(FeaturesOf(CustomerAggregate{}, "CNY", kNow).has_value());
}

TEST(AdjustedRandIndexTest, OneForTheSamePartitionNearZeroForRandom) {
  EXPECT_DOUBLE_EQ(AdjustedRandIndex({1, 1, 2, 2, 3}, {7, 7, 5, 5, 9}), 1.0);
  std::mt19937_64 rng(3);
  std::vector<int> a, b;
  for (int i = 0; i < 5000; ++i) {
    a.push_back(static_cast<int>(rng() % 4));
    b.push_back(static_cast<int>(rng() % 4));
  }
  EXPECT_NEAR(AdjustedRandIndex(a, b), 0.0, 0.02);
}

// Three planted groups: loyal (recent, frequent, big spenders, short
// gaps), one-off bargain hunters long gone, and occasional mid spenders.
TEST(FitBehaviourClustersTest, RecoversPlantedGroups) {
  std::mt19937_64 rng(11);
  auto noise = [&] {
    return (static_cast<double>(rng() >> 11) * 0x1.0p-53 - 0.5) * 0.4;
  };
  const BehaviourFeatures centres[3] = {
      {std::log1p(5.0), std::log1p(20.0), std::log1p(5000.0), std::log1p(7.0)},
      {std::log1p(300.0), std::log1p(1.0), std::log1p(20.0), 0.0},
      {std::log1p(60.0), std::log1p(4.0), std::log1p(400.0), std::log1p(60.0)}};
  std::vector<BehaviourFeatures> customers;
  std::vector<int> planted;
  for (int i = 0; i < 3000; ++i) {
    const int group = i % 3;
    BehaviourFeatures point = centres[group];
    for (double& value : point) value += noise();
    customers.push_back(point);
    planted.push_back(group);
  }
  absl::StatusOr<BehaviourClusters> model =
      FitBehaviourClusters(customers, {.min_clusters = 2, .max_clusters = 6});
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->clusters.size(), 3u);
  EXPECT_GT(model->silhouette, 0.5);
  std::vector<int> found;
  for (const BehaviourFeatures& point : customers) {
    found.push_back(AssignCluster(*model, point));
  }
  const double ari = AdjustedRandIndex(planted, found);
  std::printf("adjusted Rand index %.4f, silhouette %.4f\n", ari,
              model->silhouette);
  EXPECT_GT(ari, 0.95);
  // The loyal group is described as such.
  const int loyal = AssignCluster(*model, centres[0]);
  EXPECT_THAT(model->clusters[static_cast<size_t>(loyal - 1)].description,
              HasSubstr("frequent"));
  EXPECT_THAT(model->clusters[static_cast<size_t>(loyal - 1)].description,
              HasSubstr("high spend"));
  const int lapsed = AssignCluster(*model, centres[1]);
  EXPECT_THAT(model->clusters[static_cast<size_t>(lapsed - 1)].description,
              HasSubstr("lapsed"));
}

TEST(FitBehaviourClustersTest, RefusesTooFewCustomersAndBadOptions) {
  EXPECT_THAT(FitBehaviourClusters({BehaviourFeatures{}}, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(FitBehaviourClusters({}, {.min_clusters = 1}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace crm::segmentation

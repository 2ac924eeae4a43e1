// Behaviour clusters (behaviour_clusters.h): features, the vocabulary, the
// adjusted Rand index, descriptions, and planted groups of generated
// customers recovered by the fit with k chosen by the silhouette: groups
// differing in recency/frequency/spend, and groups differing only in their
// channel mix, only in their weekend share, only in their category mix.
#include "services/segmentation/behaviour_clusters.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
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
  aggregate.weekend_order_count = 1;
  BehaviourCounts counts;
  counts.channel_orders = {{"app", 2}, {"kiosk", 1}};
  counts.category_quantities = {{"snacks", 1}, {"tea", 3}};
  counts.interaction_count = 7;
  const BehaviourVocabulary vocabulary{.channels = {"app", "web"},
                                       .categories = {"tea"}};
  std::optional<BehaviourFeatures> features =
      FeaturesOf(aggregate, counts, vocabulary, "CNY", kNow);
  ASSERT_TRUE(features.has_value());
  ASSERT_EQ(features->size(), 9u);
  EXPECT_DOUBLE_EQ((*features)[0], std::log1p(10.0));
  EXPECT_DOUBLE_EQ((*features)[1], std::log1p(3.0));
  EXPECT_DOUBLE_EQ((*features)[2], std::log1p(120.0));
  EXPECT_DOUBLE_EQ((*features)[3], std::log1p(10.0));  // 20 days / 2 gaps.
  EXPECT_DOUBLE_EQ((*features)[4], 1.0 / 3);           // Weekend share.
  EXPECT_DOUBLE_EQ((*features)[5], std::log1p(7.0));   // Interactions.
  EXPECT_DOUBLE_EQ((*features)[6], 2.0 / 3);           // app; kiosk is in none.
  EXPECT_DOUBLE_EQ((*features)[7], 0.0);               // web
  EXPECT_DOUBLE_EQ((*features)[8], 3.0 / 4);           // tea of 4 units.
  EXPECT_THAT(BehaviourFeatureNames(vocabulary),
              ::testing::ElementsAre("days_since_last_order", "order_count",
                                     "net_spend", "days_between_purchases",
                                     "weekend_share", "interaction_events",
                                     "channel_share:app", "channel_share:web",
                                     "category_share:tea"));
  EXPECT_FALSE(FeaturesOf(CustomerAggregate{}, counts, vocabulary, "CNY", kNow)
                   .has_value());
}

TEST(VocabularyOfTest, TopFourByCountTiesToTheSmallerName) {
  BehaviourCounts totals;
  totals.channel_orders = {{"web", 5},   {"app", 9},   {"store", 5},
                           {"kiosk", 5}, {"phone", 1}, {"fax", 0}};
  totals.category_quantities = {{"tea", 2}};
  const BehaviourVocabulary vocabulary = VocabularyOf(totals);
  EXPECT_THAT(vocabulary.channels,
              ::testing::ElementsAre("app", "kiosk", "store", "web"));
  EXPECT_THAT(vocabulary.categories, ::testing::ElementsAre("tea"));
}

TEST(DescribeCentroidTest, NamesChannelWeekendCategoryAndBrowsing) {
  const BehaviourVocabulary vocabulary{.channels = {"app", "web"},
                                       .categories = {"tea", "coffee"}};
  const std::vector<bool> none(10, false);
  // recency, frequency, spend, gaps, weekend, interactions, app, web, tea,
  // coffee.
  EXPECT_EQ(DescribeCentroid({0, 0, 0.9, 0, 1.2, 0, 1.0, -1.0, 0, 0},
                             vocabulary, none),
            "weekend app shoppers, high spend");
  EXPECT_EQ(DescribeCentroid({0, 0, 0, 0, 0, 0.7, 0.6, 0.8, 0.3, 0.9},
                             vocabulary, none),
            "web shoppers, coffee buyers, active browsers");
  EXPECT_EQ(
      DescribeCentroid({-1, 1, 0, 0, 0.5, 0, 0, 0, 0, 0}, vocabulary, none),
      "weekend shoppers, recent, frequent");
  EXPECT_EQ(DescribeCentroid({-1, 1, 1, 0, 0, 0, 0, 0, 0, 0}, vocabulary, none),
            "recent, frequent, high spend buyers");
  EXPECT_EQ(DescribeCentroid(std::vector<double>(10, 0), vocabulary, none),
            "typical buyers");
  // A dropped feature names nothing.
  std::vector<bool> weekend_dropped = none;
  weekend_dropped[kWeekendShareFeature] = true;
  EXPECT_EQ(DescribeCentroid({0, 0, 0, 0, 1.2, 0, 0, 0, 0, 0}, vocabulary,
                             weekend_dropped),
            "typical buyers");
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
  // Weekend share and interactions constant: dropped from the distance.
  const BehaviourFeatures centres[3] = {
      {std::log1p(5.0), std::log1p(20.0), std::log1p(5000.0), std::log1p(7.0),
       0, 0},
      {std::log1p(300.0), std::log1p(1.0), std::log1p(20.0), 0.0, 0, 0},
      {std::log1p(60.0), std::log1p(4.0), std::log1p(400.0), std::log1p(60.0),
       0, 0}};
  FeatureTable customers(kFixedBehaviourFeatures);
  std::vector<BehaviourFeatures> points;
  std::vector<int> planted;
  for (int i = 0; i < 3000; ++i) {
    const int group = i % 3;
    BehaviourFeatures point = centres[group];
    for (int f = 0; f < 4; ++f) point[f] += noise();
    customers.Add(point);
    points.push_back(point);
    planted.push_back(group);
  }
  absl::StatusOr<BehaviourClusters> model = FitBehaviourClusters(
      customers, {}, {.min_clusters = 2, .max_clusters = 6});
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->clusters.size(), 3u);
  EXPECT_THAT(model->dropped,
              ::testing::ElementsAre(false, false, false, false, true, true));
  EXPECT_GT(model->silhouette, 0.5);
  std::vector<int> found;
  for (const BehaviourFeatures& point : points) {
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

// Customers alike in recency, frequency and gaps, and in spend but for
// bell-shaped noise (a sum of four uniforms, within 4%),
// planted in groups that differ in one respect only; `plant(group, rng)`
// gives a customer's aggregate and counts.
struct Planted {
  std::vector<int> groups;
  std::vector<int> found;
  BehaviourClusters model;
  double ari = 0;
};

Planted FitPlanted(int groups, const BehaviourVocabulary& vocabulary,
                   const std::function<void(int group, std::mt19937_64& rng,
                                            CustomerAggregate& aggregate,
                                            BehaviourCounts& counts)>& plant) {
  std::mt19937_64 rng(29);
  std::vector<BehaviourFeatures> points;
  Planted result;
  FeatureTable table(BehaviourFeatureNames(vocabulary).size());
  for (int i = 0; i < 600 * groups; ++i) {
    const int group = i % groups;
    CustomerAggregate aggregate;
    aggregate.order_count = 10;
    aggregate.purchase_days = 10;
    aggregate.first_order_time = kNow - absl::Hours(24 * 100);
    aggregate.last_order_time = kNow - absl::Hours(24 * 10);
    aggregate.spend.push_back(
        {.currency_code = "CNY",
         .net_total_minor =
             50000 + static_cast<int64_t>(rng() % 500 + rng() % 500 +
                                          rng() % 500 + rng() % 500)});
    BehaviourCounts counts;
    plant(group, rng, aggregate, counts);
    BehaviourFeatures features =
        *FeaturesOf(aggregate, counts, vocabulary, "CNY", kNow);
    table.Add(features);
    points.push_back(std::move(features));
    result.groups.push_back(group);
  }
  absl::StatusOr<BehaviourClusters> model = FitBehaviourClusters(
      table, vocabulary, {.min_clusters = 2, .max_clusters = 6});
  EXPECT_TRUE(model.ok()) << model.status();
  if (!model.ok()) return result;
  result.model = *std::move(model);
  for (const BehaviourFeatures& point : points) {
    result.found.push_back(AssignCluster(result.model, point));
  }
  result.ari = AdjustedRandIndex(result.groups, result.found);
  return result;
}

const std::string& DescriptionOf(const Planted& planted, int group) {
  for (size_t i = 0; i < planted.groups.size(); ++i) {
    if (planted.groups[i] == group) {
      return planted.model.clusters[static_cast<size_t>(planted.found[i] - 1)]
          .description;
    }
  }
  static const std::string kNone;
  return kNone;
}

TEST(FitBehaviourClustersTest, RecoversGroupsDifferingOnlyInChannelMix) {
  const BehaviourVocabulary vocabulary{.channels = {"app", "web", "store"},
                                       .categories = {}};
  // Mostly app, mostly web, mostly store (8 or 9 of 10 orders).
  Planted planted = FitPlanted(
      3, vocabulary,
      [](int group, std::mt19937_64& rng, CustomerAggregate&,
         BehaviourCounts& counts) {
        const int main = 8 + static_cast<int>(rng() % 2);
        const char* names[] = {"app", "web", "store"};
        counts.channel_orders = {{names[group], main},
                                 {names[(group + 1) % 3], 10 - main}};
      });
  std::printf("channel mix: adjusted Rand index %.4f, silhouette %.4f\n",
              planted.ari, planted.model.silhouette);
  EXPECT_GE(planted.ari, 0.9);
  EXPECT_EQ(planted.model.clusters.size(), 3u);
  EXPECT_THAT(DescriptionOf(planted, 0), HasSubstr("app shoppers"));
  EXPECT_THAT(DescriptionOf(planted, 1), HasSubstr("web shoppers"));
  EXPECT_THAT(DescriptionOf(planted, 2), HasSubstr("store shoppers"));
}

TEST(FitBehaviourClustersTest, RecoversGroupsDifferingOnlyInWeekendShare) {
  const BehaviourVocabulary vocabulary;
  Planted planted =
      FitPlanted(2, vocabulary,
                 [](int group, std::mt19937_64& rng,
                    CustomerAggregate& aggregate, BehaviourCounts&) {
                   // Nothing else varies (every other feature constant,
                   // so dropped): one feature whose two groups standardise
                   // about 2 standard deviations apart, which noise of
                   // equal weight in another feature could out-split.
                   aggregate.spend[0].net_total_minor = 50000;
                   aggregate.order_count = 40;
                   aggregate.weekend_order_count =
                       group == 0 ? 28 + static_cast<int>(rng() % 13)
                                  : static_cast<int>(rng() % 13);
                 });
  std::printf("weekend share: adjusted Rand index %.4f, silhouette %.4f\n",
              planted.ari, planted.model.silhouette);
  EXPECT_GE(planted.ari, 0.9);
  EXPECT_THAT(DescriptionOf(planted, 0), HasSubstr("weekend shoppers"));
  EXPECT_THAT(DescriptionOf(planted, 1), ::testing::Not(HasSubstr("weekend")));
}

TEST(FitBehaviourClustersTest, RecoversGroupsDifferingOnlyInCategoryMix) {
  const BehaviourVocabulary vocabulary{.channels = {},
                                       .categories = {"tea", "coffee"}};
  Planted planted = FitPlanted(
      2, vocabulary,
      [](int group, std::mt19937_64& rng, CustomerAggregate&,
         BehaviourCounts& counts) {
        const int main = 10 + static_cast<int>(rng() % 5);
        const int other = static_cast<int>(rng() % 3);
        counts.category_quantities = {{group == 0 ? "tea" : "coffee", main},
                                      {group == 0 ? "coffee" : "tea", other}};
      });
  std::printf("category mix: adjusted Rand index %.4f, silhouette %.4f\n",
              planted.ari, planted.model.silhouette);
  EXPECT_GE(planted.ari, 0.9);
  EXPECT_THAT(DescriptionOf(planted, 0), HasSubstr("tea buyers"));
  EXPECT_THAT(DescriptionOf(planted, 1), HasSubstr("coffee buyers"));
}

TEST(FitBehaviourClustersTest, AssignmentUsesTheStoredVocabulary) {
  const BehaviourVocabulary vocabulary{.channels = {"app", "web"},
                                       .categories = {}};
  Planted planted =
      FitPlanted(2, vocabulary,
                 [](int group, std::mt19937_64&, CustomerAggregate&,
                    BehaviourCounts& counts) {
                   counts.channel_orders = {{group == 0 ? "app" : "web", 10}};
                 });
  ASSERT_GE(planted.ari, 0.9);
  // A customer whose every order is in a channel outside the vocabulary
  // counts in no share: features of the model's width, assigned somewhere.
  CustomerAggregate aggregate;
  aggregate.order_count = 10;
  aggregate.purchase_days = 10;
  aggregate.first_order_time = kNow - absl::Hours(24 * 100);
  aggregate.last_order_time = kNow - absl::Hours(24 * 10);
  BehaviourCounts counts;
  counts.channel_orders = {{"kiosk", 10}};
  std::optional<BehaviourFeatures> features =
      FeaturesOf(aggregate, counts, planted.model.vocabulary, "CNY", kNow);
  ASSERT_TRUE(features.has_value());
  EXPECT_EQ((*features)[kFixedBehaviourFeatures], 0);
  EXPECT_EQ((*features)[kFixedBehaviourFeatures + 1], 0);
  EXPECT_GE(AssignCluster(planted.model, *features), 1);
  // Features of another width are assigned nowhere.
  EXPECT_EQ(AssignCluster(planted.model, BehaviourFeatures(3, 0)), 0);
}

TEST(FitBehaviourClustersTest, RefusesTooFewCustomersAndBadOptions) {
  FeatureTable one(kFixedBehaviourFeatures);
  one.Add(BehaviourFeatures(kFixedBehaviourFeatures, 0));
  EXPECT_THAT(FitBehaviourClusters(one, {}, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(FitBehaviourClusters(FeatureTable(kFixedBehaviourFeatures), {},
                                   {.min_clusters = 1}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(FitBehaviourClusters(FeatureTable(3), {}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace crm::segmentation

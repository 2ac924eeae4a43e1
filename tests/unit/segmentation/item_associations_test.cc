// The association counts and recommendations of item_associations.h: the
// definitions (support, confidence, lift, time weights, minimum support),
// planted associations in generated baskets recommended first, and item
// views as a weaker signal (view baskets, viewed seeds).
#include "services/segmentation/item_associations.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace crm::segmentation {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kEpoch = absl::FromUnixSeconds(1577836800);  // 2020-01-01Z

Basket BasketOf(absl::Time time, std::vector<std::string> skus) {
  Basket basket;
  basket.order_time = time;
  basket.skus = std::move(skus);
  return basket;
}

// The view Recommend needs of `counts` for `history`.
AssociationView ViewOf(const BasketCounts& counts,
                       const std::vector<std::string>& history) {
  AssociationView view;
  view.baskets = counts.baskets;
  view.weight = counts.weight;
  view.items.insert(counts.items.begin(), counts.items.end());
  for (const auto& [key, pair] : counts.pairs) {
    for (const std::string& a : history) {
      if (key.first == a) view.pairs_of[a].emplace_back(key.second, pair);
    }
  }
  return view;
}

TEST(BasketWeightTest, HalvesEveryHalfLife) {
  AssociationPolicy policy;
  policy.half_life_days = 30;
  EXPECT_DOUBLE_EQ(BasketWeight(kEpoch, policy), 1.0);
  EXPECT_NEAR(BasketWeight(kEpoch + absl::Hours(24 * 30), policy), 2.0, 1e-12);
  EXPECT_NEAR(BasketWeight(kEpoch - absl::Hours(24 * 60), policy), 0.25, 1e-12);
}

TEST(CountBasketsTest, CountsItemsPairsAndTotalsOncePerBasket) {
  AssociationPolicy policy;
  BasketCounts counts = CountBaskets(
      {BasketOf(kEpoch, {"b", "a", "a", ""}), BasketOf(kEpoch, {"a", "c"})},
      policy);
  EXPECT_EQ(counts.baskets, 2);
  EXPECT_DOUBLE_EQ(counts.weight, 2.0);
  EXPECT_EQ(counts.items["a"].baskets, 2);  // Repeats count once.
  EXPECT_EQ(counts.items["b"].baskets, 1);
  EXPECT_FALSE(counts.items.contains(""));
  EXPECT_EQ((counts.pairs[{"a", "b"}].baskets), 1);
  EXPECT_EQ((counts.pairs[{"b", "a"}].baskets), 1);
  EXPECT_EQ((counts.pairs[{"a", "c"}].baskets), 1);
  EXPECT_FALSE((counts.pairs.contains({"b", "c"})));
  EXPECT_EQ(counts.pairs.size(), 4u);
}

TEST(CountBasketsTest, LargeBasketsFormPairsOfTheirFirstItemsOnly) {
  AssociationPolicy policy;
  policy.max_basket_items = 3;
  BasketCounts counts =
      CountBaskets({BasketOf(kEpoch, {"e", "d", "c", "b", "a"})}, policy);
  EXPECT_EQ(counts.items.size(), 3u);  // a, b, c.
  EXPECT_EQ(counts.pairs.size(), 6u);
}

TEST(RecommendTest, ScoresByConfidenceWithLiftAndSupport) {
  AssociationPolicy policy;
  policy.min_pair_baskets = 1;
  // 4 baskets: {a,b} ×2, {a,c}, {d}. W(a)=3, W(b)=2, W(a,b)=2, W=4.
  BasketCounts counts =
      CountBaskets({BasketOf(kEpoch, {"a", "b"}), BasketOf(kEpoch, {"a", "b"}),
                    BasketOf(kEpoch, {"a", "c"}), BasketOf(kEpoch, {"d"})},
                   policy);
  std::vector<ProductRecommendation> top =
      Recommend({"a"}, ViewOf(counts, {"a"}), policy, {.count = 10});
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].sku, "b");
  EXPECT_EQ(top[0].because_sku, "a");
  EXPECT_DOUBLE_EQ(top[0].confidence, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(top[0].score, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(top[0].lift, 2.0 * 4.0 / (3.0 * 2.0));
  EXPECT_DOUBLE_EQ(top[0].support, 0.5);
  EXPECT_EQ(top[1].sku, "c");
}

TEST(RecommendTest, MinimumSupportAndPurchasedItemsAreLeftOut) {
  AssociationPolicy policy;  // min_pair_baskets = 2.
  BasketCounts counts =
      CountBaskets({BasketOf(kEpoch, {"a", "b"}), BasketOf(kEpoch, {"a", "b"}),
                    BasketOf(kEpoch, {"a", "c"})},
                   policy);
  std::vector<ProductRecommendation> top =
      Recommend({"a", "b"}, ViewOf(counts, {"a", "b"}), policy, {.count = 10});
  EXPECT_THAT(top, IsEmpty());  // b was bought; a-c is one basket.
  top = Recommend({"a", "b"}, ViewOf(counts, {"a", "b"}), policy,
                  {.count = 10, .include_purchased = true});
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].sku, "a");  // confidence(b→a) = 1.
  EXPECT_EQ(top[1].sku, "b");
}

TEST(RecommendTest, RecentBasketsOutweighOldOnes) {
  AssociationPolicy policy;
  policy.half_life_days = 30;
  policy.min_pair_baskets = 1;
  // a was bought with old twice a year ago, with new once this week.
  const absl::Time now = kEpoch + absl::Hours(24 * 365);
  BasketCounts counts =
      CountBaskets({BasketOf(now - absl::Hours(24 * 365), {"a", "old"}),
                    BasketOf(now - absl::Hours(24 * 364), {"a", "old"}),
                    BasketOf(now - absl::Hours(24 * 3), {"a", "new"})},
                   policy);
  std::vector<ProductRecommendation> top =
      Recommend({"a"}, ViewOf(counts, {"a"}), policy, {.count = 1});
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].sku, "new");
}

TEST(RecentHistoryTest, KeepsTheMostRecentDistinctItems) {
  AssociationPolicy policy;
  policy.max_history_items = 2;
  EXPECT_THAT(RecentHistory({{"a", kEpoch},
                             {"b", kEpoch + absl::Hours(2)},
                             {"c", kEpoch + absl::Hours(1)}},
                            policy),
              ElementsAre("b", "c"));
}

// 2,000 customers buy 3 random items of 200 per basket; planted pairs
// (p0 with q0, ..., p4 with q4) ride along in a fifth of the baskets that
// hold p. For a customer who bought p_k, q_k must come first, ahead of the
// popular items, with a lift well above 1.
TEST(RecommendTest, PlantedAssociationsComeFirst) {
  std::mt19937_64 rng(7);
  AssociationPolicy policy;
  std::vector<Basket> baskets;
  std::vector<std::string> catalogue;
  for (int i = 0; i < 200; ++i) catalogue.push_back(absl::StrCat("sku", i));
  for (int n = 0; n < 2000; ++n) {
    Basket basket = BasketOf(kEpoch + absl::Hours(n), {});
    for (int k = 0; k < 3; ++k) {
      // Popular items: the first 20 SKUs are drawn ten times as often.
      const int pick = (rng() % 3 == 0) ? static_cast<int>(rng() % 20)
                                        : static_cast<int>(rng() % 200);
      basket.skus.push_back(catalogue[static_cast<size_t>(pick)]);
    }
    if (n % 5 == 0) {
      const int planted = n % 25 / 5;
      basket.skus.push_back(absl::StrCat("p", planted));
      basket.skus.push_back(absl::StrCat("q", planted));
    } else if (n % 7 == 0) {
      basket.skus.push_back(absl::StrCat("p", n % 5));
    }
    baskets.push_back(std::move(basket));
  }
  BasketCounts counts = CountBaskets(baskets, policy);
  for (int k = 0; k < 5; ++k) {
    const std::string p = absl::StrCat("p", k);
    const std::vector<std::string> history = {p, "sku3", "sku150"};
    std::vector<ProductRecommendation> top =
        Recommend(history, ViewOf(counts, history), policy, {.count = 10});
    ASSERT_FALSE(top.empty());
    EXPECT_EQ(top[0].sku, absl::StrCat("q", k)) << "for " << p;
    EXPECT_EQ(top[0].because_sku, p);
    EXPECT_GT(top[0].lift, 10);
  }
  // The popularity baseline does not find them.
  EXPECT_THAT(MostPopular(counts.items, {}, 3).front(),
              ::testing::StartsWith("sku"));
}

// `from` added into `into`, as the stored counts add up.
void AddInto(BasketCounts& into, const BasketCounts& from) {
  into.baskets += from.baskets;
  into.weight += from.weight;
  for (const auto& [sku, item] : from.items) {
    into.items[sku].baskets += item.baskets;
    into.items[sku].weight += item.weight;
  }
  for (const auto& [key, pair] : from.pairs) {
    into.pairs[key].baskets += pair.baskets;
    into.pairs[key].weight += pair.weight;
  }
}

ViewDay ViewDayOfSkus(absl::Time day, std::vector<std::string> held,
                      std::vector<std::string> viewed) {
  ViewDay view_day;
  view_day.day = day;
  view_day.held_skus = std::move(held);
  view_day.viewed_skus = std::move(viewed);
  return view_day;
}

TEST(ViewDayOfTest, IsTheStartOfTheUtcDay) {
  EXPECT_EQ(ViewDayOf(kEpoch + absl::Hours(25) + absl::Seconds(7)),
            kEpoch + absl::Hours(24));
  EXPECT_EQ(ViewDayOf(kEpoch), kEpoch);
  EXPECT_EQ(ViewDayOf(kEpoch - absl::Seconds(1)), kEpoch - absl::Hours(24));
}

TEST(CountViewsTest, AViewBasketGrowsAsItsDaysViewsArrive) {
  AssociationPolicy policy;  // view_weight = 0.25.
  BasketCounts counts =
      CountViews({ViewDayOfSkus(kEpoch, {}, {"b", "a", "a", ""})}, policy);
  EXPECT_EQ(counts.baskets, 1);
  EXPECT_DOUBLE_EQ(counts.weight, 0.25);
  EXPECT_EQ(counts.items["a"].baskets, 1);
  EXPECT_DOUBLE_EQ(counts.items["a"].weight, 0.25);
  EXPECT_EQ((counts.pairs[{"a", "b"}].baskets), 1);
  EXPECT_EQ((counts.pairs[{"b", "a"}].baskets), 1);
  EXPECT_EQ(counts.pairs.size(), 2u);
  // Later views of the same day: no new basket, a held SKU adds nothing.
  AddInto(counts,
          CountViews({ViewDayOfSkus(kEpoch, {"a", "b"}, {"c", "a"})}, policy));
  // The same as the day's whole basket counted at once, at a quarter weight.
  BasketCounts whole =
      CountBaskets({BasketOf(kEpoch, {"a", "b", "c"})}, policy);
  EXPECT_EQ(counts.baskets, whole.baskets);
  EXPECT_DOUBLE_EQ(counts.weight, 0.25 * whole.weight);
  ASSERT_EQ(counts.items.size(), whole.items.size());
  for (const auto& [sku, item] : whole.items) {
    EXPECT_EQ(counts.items[sku].baskets, item.baskets) << sku;
    EXPECT_DOUBLE_EQ(counts.items[sku].weight, 0.25 * item.weight) << sku;
  }
  ASSERT_EQ(counts.pairs.size(), whole.pairs.size());
  for (const auto& [key, pair] : whole.pairs) {
    EXPECT_EQ(counts.pairs[key].baskets, pair.baskets);
    EXPECT_DOUBLE_EQ(counts.pairs[key].weight, 0.25 * pair.weight);
  }
}

TEST(CountViewsTest, AFullViewBasketTakesNoMoreSkus) {
  AssociationPolicy policy;
  policy.max_basket_items = 2;
  EXPECT_THAT(NewViewSkus(ViewDayOfSkus(kEpoch, {"a", "b"}, {"c"}), policy),
              IsEmpty());
  EXPECT_THAT(NewViewSkus(ViewDayOfSkus(kEpoch, {"a"}, {"d", "c"}), policy),
              ElementsAre("c"));
  BasketCounts counts =
      CountViews({ViewDayOfSkus(kEpoch, {"a", "b"}, {"c"})}, policy);
  EXPECT_EQ(counts.baskets, 0);
  EXPECT_TRUE(counts.items.empty());
  EXPECT_TRUE(counts.pairs.empty());
}

TEST(RecommendWithViewsTest,
     ACoViewedPairIsFoundWeighedBelowAnEqualBoughtPair) {
  AssociationPolicy policy;  // min_pair_baskets = 2, view_weight = 0.25.
  // a with x bought together twice; a with y only ever viewed together, on
  // two days: the same number of baskets.
  BasketCounts counts =
      CountBaskets({BasketOf(kEpoch, {"a", "x"}), BasketOf(kEpoch, {"a", "x"}),
                    BasketOf(kEpoch, {"z"})},
                   policy);
  AddInto(counts, CountViews({ViewDayOfSkus(kEpoch, {}, {"a", "y"}),
                              ViewDayOfSkus(kEpoch, {}, {"y", "a"})},
                             policy));
  EXPECT_EQ((counts.pairs[{"a", "x"}].baskets), 2);
  EXPECT_EQ((counts.pairs[{"a", "y"}].baskets), 2);
  std::vector<ProductRecommendation> top =
      Recommend({"a"}, ViewOf(counts, {"a"}), policy, {.count = 10});
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].sku, "x");
  EXPECT_EQ(top[1].sku, "y");  // Found although never bought.
  // W(a) = 2 + 2 · 0.25.
  EXPECT_DOUBLE_EQ(top[0].confidence, 2.0 / 2.5);
  EXPECT_DOUBLE_EQ(top[1].confidence, 0.5 / 2.5);
  EXPECT_LT(top[1].score, top[0].score);
  EXPECT_FALSE(top[1].because_viewed);  // The seed a was bought.
}

TEST(RecommendWithViewsTest, ViewedButNotBoughtItemsAreWeakerSeeds) {
  AssociationPolicy policy;
  policy.min_pair_baskets = 1;
  BasketCounts counts =
      CountBaskets({BasketOf(kEpoch, {"a", "x"}), BasketOf(kEpoch, {"b", "y"}),
                    BasketOf(kEpoch, {"b", "y"})},
                   policy);
  // Viewed a and b; b was bought as well, so only a is a viewed seed.
  const std::vector<std::string> viewed = ViewedSeeds(
      {{.sku = "a", .last_time = kEpoch}, {.sku = "b", .last_time = kEpoch}},
      {{.sku = "b", .last_time = kEpoch}}, policy);
  ASSERT_THAT(viewed, ElementsAre("a"));
  std::vector<ProductRecommendation> top = Recommend(
      {"b"}, viewed, ViewOf(counts, {"a", "b"}), policy, {.count = 10});
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].sku, "y");  // Bought seed b: confidence 1.
  EXPECT_FALSE(top[0].because_viewed);
  EXPECT_DOUBLE_EQ(top[0].score, 1.0);
  EXPECT_EQ(top[1].sku, "x");  // Viewed seed a: confidence 1, weighed 0.25.
  EXPECT_EQ(top[1].because_sku, "a");
  EXPECT_TRUE(top[1].because_viewed);
  EXPECT_DOUBLE_EQ(top[1].confidence, 1.0);
  EXPECT_DOUBLE_EQ(top[1].score, 0.25);
  // Without the viewed seed, x is not recommended at all.
  EXPECT_EQ(
      Recommend({"b"}, ViewOf(counts, {"b"}), policy, {.count = 10}).size(),
      1u);
}

TEST(ParseViewWeightTest, AcceptsOnlyAFractionUpToOne) {
  EXPECT_DOUBLE_EQ(*ParseViewWeight("0.25", "w"), 0.25);
  EXPECT_DOUBLE_EQ(*ParseViewWeight("1", "w"), 1.0);
  for (const char* bad : {"0", "-0.5", "1.5", "x", "", "nan"}) {
    absl::StatusOr<double> weight = ParseViewWeight(bad, "view_weight");
    ASSERT_FALSE(weight.ok()) << bad;
    EXPECT_EQ(weight.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(weight.status().message().find("--view_weight"),
              absl::string_view::npos);
  }
}

}  // namespace
}  // namespace crm::segmentation

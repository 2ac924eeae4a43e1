// RFM quintiles (cuts, ties never split, independence of order), scoring of
// one customer against stored boundaries, cells and the named segment map.
#include "services/segmentation/rfm_scoring.h"

#include <algorithm>
#include <array>
#include <random>
#include <set>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"

namespace crm::segmentation {
namespace {

using ::testing::ElementsAre;

RfmInputs Inputs(absl::Time last_order_time, int64_t frequency,
                 int64_t monetary_minor) {
  RfmInputs inputs;
  inputs.last_order_time = last_order_time;
  inputs.frequency = frequency;
  inputs.monetary_minor = monetary_minor;
  return inputs;
}

std::vector<int> Scores(const std::vector<int64_t>& values) {
  std::array<int64_t, 4> cuts = QuintileCuts(values);
  std::vector<int> scores;
  for (int64_t v : values) scores.push_back(QuintileScore(cuts, v));
  return scores;
}

TEST(QuintileTest, TenDistinctValuesMakeFiveEqualGroups) {
  EXPECT_THAT(Scores({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}),
              ElementsAre(1, 1, 2, 2, 3, 3, 4, 4, 5, 5));
}

TEST(QuintileTest, ScoreIsOnePlusFiveTimesTheShareStrictlyBelow) {
  // 7 values: c = strictly smaller count; score = 1 + floor(5c/7).
  EXPECT_THAT(Scores({10, 20, 30, 40, 50, 60, 70}),
              ElementsAre(1, 1, 2, 3, 3, 4, 5));
}

TEST(QuintileTest, TiesAreNeverSplit) {
  // Six customers share the lowest value: all score 1; the rest follow by
  // how many are strictly below them.
  EXPECT_THAT(Scores({5, 5, 5, 5, 5, 5, 7, 8, 9, 10}),
              ElementsAre(1, 1, 1, 1, 1, 1, 4, 4, 5, 5));
  EXPECT_THAT(Scores({3, 3, 3}), ElementsAre(1, 1, 1));
}

TEST(QuintileTest, OneCustomerScoresOne) {
  EXPECT_THAT(Scores({42}), ElementsAre(1));
}

TEST(QuintileTest, CutsDoNotDependOnInputOrder) {
  std::vector<int64_t> values;
  for (int i = 0; i < 101; ++i) values.push_back((i * 37) % 23);
  std::array<int64_t, 4> cuts = QuintileCuts(values);
  std::reverse(values.begin(), values.end());
  EXPECT_EQ(QuintileCuts(values), cuts);
}

TEST(QuintileTest, CutsAreTheSortedValuesAtTheDefinedRanks) {
  // The definition read off a sorted copy, for sizes 1..200 with few and
  // many distinct values.
  std::mt19937_64 random(7);
  for (int64_t n = 1; n <= 200; ++n) {
    for (int64_t distinct : {int64_t{2}, int64_t{5}, n}) {
      std::vector<int64_t> values;
      for (int64_t i = 0; i < n; ++i) {
        values.push_back(static_cast<int64_t>(random() % distinct) - 1);
      }
      std::vector<int64_t> sorted = values;
      std::sort(sorted.begin(), sorted.end());
      std::array<int64_t, 4> expected{};
      for (int64_t k = 1; k <= 4; ++k) {
        expected[k - 1] = sorted[(k * n + 4) / 5 - 1];
      }
      EXPECT_EQ(QuintileCuts(values), expected) << n << " " << distinct;
    }
  }
}

TEST(ComputeRfmBoundariesTest, DimensionsAloneEqualCustomersWhole) {
  // Each dimension's values in a different order than the customers'.
  const absl::Time t0 = absl::FromUnixSeconds(1767225600);
  std::vector<RfmInputs> customers;
  RfmPopulation dimensions;
  for (int i = 0; i < 57; ++i) {
    customers.push_back(Inputs(t0 + absl::Minutes((i * 13) % 17), 1 + i % 4,
                               (i * 7919) % 1000));
    dimensions.recency.push_back(
        absl::ToUnixMicros(customers.back().last_order_time));
    dimensions.frequency.insert(dimensions.frequency.begin(), 1 + i % 4);
    dimensions.monetary.push_back((i * 7919) % 1000);
  }
  customers.push_back(Inputs(t0, 0, 0));  // No orders: not in the population.
  std::reverse(dimensions.monetary.begin(), dimensions.monetary.end());
  EXPECT_EQ(ComputeRfmBoundaries(customers),
            ComputeRfmBoundaries(std::move(dimensions)));
}

TEST(ScoreRfmTest, LaterOrdersMoreOrdersAndMoreSpendScoreHigher) {
  const absl::Time t0 = absl::FromUnixSeconds(1767225600);
  std::vector<RfmInputs> population;
  for (int i = 0; i < 5; ++i) {
    population.push_back(Inputs(t0 + absl::Hours(i), i + 1, 100 * (5 - i)));
  }
  RfmBoundaries bounds = ComputeRfmBoundaries(population);
  EXPECT_EQ(bounds.population, 5);
  RfmScore newest = ScoreRfm(bounds, population[4]);
  EXPECT_EQ(newest, (RfmScore{5, 5, 1}));
  EXPECT_EQ(newest.Cell(), "551");
  EXPECT_EQ(ScoreRfm(bounds, population[0]).Cell(), "115");
  // A new customer scored against stored boundaries.
  EXPECT_EQ(ScoreRfm(bounds, Inputs(t0 + absl::Hours(9), 3, 250)),
            (RfmScore{5, 3, 3}));
}

TEST(ScoreRfmTest, ProspectsAreNotScoredNorCounted) {
  const absl::Time t0 = absl::FromUnixSeconds(1767225600);
  RfmBoundaries bounds =
      ComputeRfmBoundaries({Inputs(t0, 0, 0), Inputs(t0, 1, 100)});
  EXPECT_EQ(bounds.population, 1);
  RfmScore score = ScoreRfm(bounds, Inputs(t0, 0, 0));
  EXPECT_EQ(score, RfmScore{});
  EXPECT_EQ(score.Cell(), "");
  EXPECT_EQ(NamedRfmSegment(DefaultRfmSegmentMap(), score), "");
}

TEST(NamedRfmSegmentTest, DefaultMapNamesEveryCell) {
  std::set<std::string> names;
  for (int r = 1; r <= 5; ++r) {
    for (int f = 1; f <= 5; ++f) {
      for (int m = 1; m <= 5; ++m) {
        std::string name = NamedRfmSegment(DefaultRfmSegmentMap(), {r, f, m});
        EXPECT_FALSE(name.empty()) << r << f << m;
        names.insert(name);
      }
    }
  }
  EXPECT_EQ(names.size(), 11u);
}

TEST(NamedRfmSegmentTest, DefaultMapExamples) {
  const auto& map = DefaultRfmSegmentMap();
  EXPECT_EQ(NamedRfmSegment(map, {5, 5, 5}), "Champions");
  EXPECT_EQ(NamedRfmSegment(map, {4, 5, 1}), "Loyal Customers");
  EXPECT_EQ(NamedRfmSegment(map, {1, 5, 5}), "Can't Lose Them");
  EXPECT_EQ(NamedRfmSegment(map, {2, 3, 3}), "At Risk");
  EXPECT_EQ(NamedRfmSegment(map, {1, 1, 5}), "Lost");
  EXPECT_EQ(NamedRfmSegment(map, {2, 1, 1}), "Hibernating");
  EXPECT_EQ(NamedRfmSegment(map, {3, 3, 3}), "Need Attention");
  EXPECT_EQ(NamedRfmSegment(map, {3, 2, 2}), "About to Sleep");
  EXPECT_EQ(NamedRfmSegment(map, {5, 2, 2}), "Potential Loyalists");
  EXPECT_EQ(NamedRfmSegment(map, {4, 1, 1}), "Promising");
  EXPECT_EQ(NamedRfmSegment(map, {5, 1, 1}), "New Customers");
}

TEST(NamedRfmSegmentTest, CustomMapFirstMatchWins) {
  std::vector<RfmSegmentRule> map = {
      {.name = "Big spenders", .monetary_min = 5}, {.name = "Everyone else"}};
  EXPECT_EQ(NamedRfmSegment(map, {1, 1, 5}), "Big spenders");
  EXPECT_EQ(NamedRfmSegment(map, {5, 5, 4}), "Everyone else");
}

}  // namespace
}  // namespace crm::segmentation

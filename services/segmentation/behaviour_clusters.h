// Behaviour clusters, as pure functions: k-means over standardised
// behaviour features, k chosen by the silhouette, each cluster described in
// words by its centroid.
//
//   BehaviourVocabulary vocabulary = VocabularyOf(population_totals);
//   FeatureTable table(BehaviourFeatureNames(vocabulary).size());
//   table.Add(*FeaturesOf(aggregate, counts, vocabulary, "CNY", now));  // ...
//   BehaviourClusters model = *FitBehaviourClusters(table, vocabulary, {});
//   int cluster = AssignCluster(model, *FeaturesOf(aggregate, counts,
//                                                  model.vocabulary, "CNY",
//                                                  now));
//
// Features, in this order (BehaviourFeatureNames):
//   days_since_last_order    log1p(days from the last order to `now`)
//   order_count              log1p(orders)
//   net_spend                log1p(net spend in the scoring currency, minor
//                            units / 100, negative as 0)
//   days_between_purchases   log1p(mean days between purchase days; 0 with
//                            one purchase day)
//   weekend_share            orders on a UTC Saturday or Sunday / orders
//   interaction_events       log1p(INTERACTION_RECORDED events)
//   channel_share:<c>        orders in channel c / orders, for each channel
//                            c of the vocabulary
//   category_share:<c>       units bought in category c / units bought in
//                            any category (0 with none), for each category
//                            c of the vocabulary
// The vocabulary (VocabularyOf) is the population's top channels by orders
// and top categories by units, at most kMostVocabularyNames of each (ties
// to the smaller name); it is stored with the model, so assignment counts a
// customer's channel or category outside it in none of the shares. Each
// feature is standardised by the population's mean and standard deviation;
// a feature with no variance in the population is dropped (its
// standardised value is 0 for everyone, so it takes no part in any
// distance). Customers without an order have no features and no cluster.
//
// k-means: k-means++ seeding from a fixed seed, Lloyd iterations until no
// assignment changes (at most `max_iterations`), for each k of
// [min_clusters, max_clusters]; the k with the largest mean silhouette
// (over a fixed sample of at most `silhouette_sample` customers) wins, ties
// to the smaller k. Above `fit_sample` customers, k-means runs over a fixed
// sample (every n-th customer). Clusters are numbered 1..k by decreasing
// size (counted over everyone).
//
// Description (DescribeCentroid), from the centroid in standard deviations
// (a side "stands out" at 0.5 or more from the mean):
//   - "weekend" when weekend_share stands out above, the channel whose
//     share stands out above most (ties: the earlier in the vocabulary)
//     as "<channel>": together "[weekend ][<channel> ]shoppers", e.g.
//     "weekend app shoppers";
//   - the category whose share stands out above most: "<category> buyers";
//   - interaction_events above: "active browsers";
//   - the first four features on either side: "recent" or "lapsed",
//     "occasional" or "frequent", "low spend" or "high spend", "short
//     purchase gaps" or "long purchase gaps".
// The phrases are joined by ", " in that order, e.g. "weekend app
// shoppers, high spend". Without any of the first three, the last are
// followed by " buyers" ("recent, frequent, high spend buyers"), and with
// nothing standing out the cluster is "typical buyers".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/segmentation/read_model.h"

namespace crm::segmentation {

// The features before the channel and category shares.
inline constexpr int kFixedBehaviourFeatures = 6;
inline constexpr int kWeekendShareFeature = 4;
inline constexpr int kInteractionFeature = 5;
// Channels, and categories, in a vocabulary at most.
inline constexpr int kMostVocabularyNames = 4;

// One customer's raw features, in BehaviourFeatureNames order.
using BehaviourFeatures = std::vector<double>;

// The channels and categories whose shares are features.
struct BehaviourVocabulary {
  std::vector<std::string> channels;
  std::vector<std::string> categories;

  bool operator==(const BehaviourVocabulary&) const = default;
};

// The top kMostVocabularyNames channels and categories of the population's
// totals (counts > 0 only; larger counts first, ties to the smaller name).
BehaviourVocabulary VocabularyOf(const BehaviourCounts& totals);

// The feature names for `vocabulary`, in order.
std::vector<std::string> BehaviourFeatureNames(
    const BehaviourVocabulary& vocabulary);

// The raw features of a customer as of `now`; nullopt without an order.
std::optional<BehaviourFeatures> FeaturesOf(
    const CustomerAggregate& aggregate, const BehaviourCounts& counts,
    const BehaviourVocabulary& vocabulary, absl::string_view currency_code,
    absl::Time now);

// The features of a population, row by row, held as 4-byte floats.
class FeatureTable {
 public:
  explicit FeatureTable(size_t dimensions) : dimensions_(dimensions) {}
  // `features` must have dimensions() values.
  void Add(const BehaviourFeatures& features);
  size_t rows() const {
    return dimensions_ == 0 ? 0 : values_.size() / dimensions_;
  }
  size_t dimensions() const { return dimensions_; }
  double at(size_t row, size_t feature) const {
    return values_[row * dimensions_ + feature];
  }

 private:
  size_t dimensions_;
  std::vector<float> values_;
};

struct ClusterOptions {
  int min_clusters = 2;
  int max_clusters = 8;
  int max_iterations = 100;
  int silhouette_sample = 2000;
  // Customers k-means runs over (every n-th, when there are more); the
  // sizes count everyone, each assigned to their nearest centroid.
  int fit_sample = 100000;
  uint64_t seed = 20261203;
};

struct BehaviourCluster {
  std::vector<double> centroid;  // Standardised; 0 for a dropped feature.
  int64_t size = 0;
  std::string description;
};

struct BehaviourClusters {
  BehaviourVocabulary vocabulary;
  std::vector<std::string> feature_names;
  std::vector<double> means;
  std::vector<double> stddevs;  // Each > 0 (1 for a dropped feature).
  std::vector<bool> dropped;    // No variance in the population.
  std::vector<BehaviourCluster> clusters;  // Number n is clusters[n - 1].
  double silhouette = 0;
  int64_t customers = 0;
};

// Fits as the file comment says; `customers` has one column per feature of
// `vocabulary`. FAILED_PRECONDITION when there are fewer customers than
// 2 × min_clusters; INVALID_ARGUMENT for options out of range
// (min_clusters < 2, max_clusters < min_clusters or > 20) or a table of
// the wrong width.
absl::StatusOr<BehaviourClusters> FitBehaviourClusters(
    const FeatureTable& customers, const BehaviourVocabulary& vocabulary,
    const ClusterOptions& options);

// The description of a standardised centroid of a model with `vocabulary`
// and `dropped` features, as the file comment says.
std::string DescribeCentroid(const std::vector<double>& centroid,
                             const BehaviourVocabulary& vocabulary,
                             const std::vector<bool>& dropped);

// The number (1..k) of the cluster whose centroid is nearest to `features`
// (FeaturesOf with the model's vocabulary) standardised by `model`; 0 for
// a model without clusters or features of another width.
int AssignCluster(const BehaviourClusters& model,
                  const BehaviourFeatures& features);

// The adjusted Rand index (Hubert & Arabie 1985) of two labellings of the
// same items: 1 for identical partitions, about 0 for random ones.
double AdjustedRandIndex(const std::vector<int>& a, const std::vector<int>& b);

}  // namespace crm::segmentation

// Behaviour clusters, as pure functions: k-means over standardised
// behaviour features, k chosen by the silhouette, each cluster described in
// words by its centroid.
//
//   std::vector<BehaviourFeatures> base = ...;  // FeaturesOf() per customer
//   BehaviourClusters model = FitBehaviourClusters(base, {});
//   int cluster = AssignCluster(model, FeaturesOf(aggregate, "CNY", now));
//
// Features (each log1p-transformed, then standardised by the population's
// mean and standard deviation): days since the last order; order count;
// net spend in the scoring currency (minor units / 100, negative as 0); mean
// days between purchase days (0 with one purchase day). Customers without an
// order have no features and no cluster. k-means: k-means++ seeding from a
// fixed seed, Lloyd iterations until no assignment changes (at most
// `max_iterations`), for each k of [min_clusters, max_clusters]; the k with
// the largest mean silhouette (over a fixed sample of at most
// `silhouette_sample` customers) wins, ties to the smaller k. Clusters are
// numbered 1..k by decreasing size. A description names, for each feature
// whose centroid lies at least half a standard deviation from the mean, its
// side ("recent" or "lapsed", "frequent" or "occasional", "high spend" or
// "low spend", "short purchase gaps" or "long purchase gaps"), or "typical
// buyers" when none does. Above `fit_sample` customers, k-means runs over a
// fixed sample (every n-th customer).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/segmentation/read_model.h"

namespace crm::segmentation {

inline constexpr int kBehaviourFeatureCount = 4;
using BehaviourFeatures = std::array<double, kBehaviourFeatureCount>;

// The feature names, in order.
const std::array<const char*, kBehaviourFeatureCount>& BehaviourFeatureNames();

// The raw (log1p) features of a customer as of `now`; nullopt without an
// order.
std::optional<BehaviourFeatures> FeaturesOf(const CustomerAggregate& aggregate,
                                            absl::string_view currency_code,
                                            absl::Time now);

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
  BehaviourFeatures centroid{};  // Standardised.
  int64_t size = 0;
  std::string description;
};

struct BehaviourClusters {
  BehaviourFeatures means{};
  BehaviourFeatures stddevs{};  // Each > 0 (1 where the feature is constant).
  std::vector<BehaviourCluster> clusters;  // Number n is clusters[n - 1].
  double silhouette = 0;
  int64_t customers = 0;
};

// Fits as the file comment says. FAILED_PRECONDITION when there are fewer
// customers than 2 × min_clusters; INVALID_ARGUMENT for options out of
// range (min_clusters < 2, max_clusters < min_clusters or > 20).
absl::StatusOr<BehaviourClusters> FitBehaviourClusters(
    const std::vector<BehaviourFeatures>& customers,
    const ClusterOptions& options);

// The number (1..k) of the cluster whose centroid is nearest to `features`
// standardised by `model`.
int AssignCluster(const BehaviourClusters& model,
                  const BehaviourFeatures& features);

// The adjusted Rand index (Hubert & Arabie 1985) of two labellings of the
// same items: 1 for identical partitions, about 0 for random ones.
double AdjustedRandIndex(const std::vector<int>& a, const std::vector<int>& b);

}  // namespace crm::segmentation

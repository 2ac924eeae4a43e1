#include "services/segmentation/behaviour_clusters.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_join.h"
#include "services/segmentation/customer_aggregate.h"

namespace crm::segmentation {
namespace {

using Point = BehaviourFeatures;

double SquaredDistance(const Point& a, const Point& b) {
  double sum = 0;
  for (int f = 0; f < kBehaviourFeatureCount; ++f) {
    const double d = a[f] - b[f];
    sum += d * d;
  }
  return sum;
}

size_t Nearest(const std::vector<Point>& centroids, const Point& point) {
  size_t best = 0;
  double best_distance = std::numeric_limits<double>::infinity();
  for (size_t c = 0; c < centroids.size(); ++c) {
    const double d = SquaredDistance(centroids[c], point);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

// A uniform double in [0, 1) from `rng` (the standard's distributions are
// implementation-defined; this is not).
double Uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

struct KMeans {
  std::vector<Point> centroids;
  std::vector<int> labels;
};

KMeans RunKMeans(const std::vector<Point>& points, int k,
                 const ClusterOptions& options) {
  std::mt19937_64 rng(options.seed + static_cast<uint64_t>(k));
  KMeans result;
  // k-means++ seeding.
  result.centroids.push_back(points[rng() % points.size()]);
  std::vector<double> nearest(points.size(),
                              std::numeric_limits<double>::infinity());
  while (static_cast<int>(result.centroids.size()) < k) {
    double total = 0;
    for (size_t i = 0; i < points.size(); ++i) {
      nearest[i] = std::min(
          nearest[i], SquaredDistance(points[i], result.centroids.back()));
      total += nearest[i];
    }
    double target = Uniform(rng) * total;
    size_t chosen = points.size() - 1;
    for (size_t i = 0; i < points.size(); ++i) {
      target -= nearest[i];
      if (target <= 0) {
        chosen = i;
        break;
      }
    }
    result.centroids.push_back(points[chosen]);
  }
  result.labels.assign(points.size(), -1);
  for (int iteration = 0; iteration < options.max_iterations; ++iteration) {
    bool changed = false;
    for (size_t i = 0; i < points.size(); ++i) {
      const int label = static_cast<int>(Nearest(result.centroids, points[i]));
      if (label != result.labels[i]) {
        result.labels[i] = label;
        changed = true;
      }
    }
    if (!changed) break;
    std::vector<Point> sums(static_cast<size_t>(k), Point{});
    std::vector<int64_t> counts(static_cast<size_t>(k), 0);
    for (size_t i = 0; i < points.size(); ++i) {
      const auto c = static_cast<size_t>(result.labels[i]);
      counts[c] += 1;
      for (int f = 0; f < kBehaviourFeatureCount; ++f) {
        sums[c][f] += points[i][f];
      }
    }
    for (size_t c = 0; c < sums.size(); ++c) {
      if (counts[c] == 0) continue;  // An empty cluster keeps its centroid.
      for (int f = 0; f < kBehaviourFeatureCount; ++f) {
        result.centroids[c][f] = sums[c][f] / static_cast<double>(counts[c]);
      }
    }
  }
  return result;
}

// Mean silhouette of the labelling over the points of `sample`.
double Silhouette(const std::vector<Point>& points,
                  const std::vector<int>& labels, int k,
                  const std::vector<size_t>& sample) {
  double total = 0;
  int counted = 0;
  for (size_t i : sample) {
    std::vector<double> sum(static_cast<size_t>(k), 0);
    std::vector<int> count(static_cast<size_t>(k), 0);
    for (size_t j : sample) {
      if (j == i) continue;
      const double d = std::sqrt(SquaredDistance(points[i], points[j]));
      sum[static_cast<size_t>(labels[j])] += d;
      count[static_cast<size_t>(labels[j])] += 1;
    }
    const auto own = static_cast<size_t>(labels[i]);
    if (count[own] == 0) continue;  // A singleton in the sample: 0.
    const double a = sum[own] / count[own];
    double b = std::numeric_limits<double>::infinity();
    for (size_t c = 0; c < sum.size(); ++c) {
      if (c != own && count[c] > 0) b = std::min(b, sum[c] / count[c]);
    }
    if (!std::isfinite(b)) continue;
    const double s = std::max(a, b) > 0 ? (b - a) / std::max(a, b) : 0;
    total += s;
    ++counted;
  }
  return counted == 0 ? 0 : total / counted;
}

std::string Describe(const Point& centroid) {
  static constexpr std::array<std::pair<const char*, const char*>,
                              kBehaviourFeatureCount>
      kSides = {{{"recent", "lapsed"},
                 {"occasional", "frequent"},
                 {"low spend", "high spend"},
                 {"short purchase gaps", "long purchase gaps"}}};
  std::vector<std::string> words;
  for (int f = 0; f < kBehaviourFeatureCount; ++f) {
    if (centroid[f] <= -0.5) words.push_back(kSides[f].first);
    if (centroid[f] >= 0.5) words.push_back(kSides[f].second);
  }
  if (words.empty()) return "typical buyers";
  return absl::StrJoin(words, ", ") + " buyers";
}

}  // namespace

const std::array<const char*, kBehaviourFeatureCount>& BehaviourFeatureNames() {
  static constexpr std::array<const char*, kBehaviourFeatureCount> kNames = {
      "days_since_last_order", "order_count", "net_spend",
      "days_between_purchases"};
  return kNames;
}

std::optional<BehaviourFeatures> FeaturesOf(const CustomerAggregate& aggregate,
                                            absl::string_view currency_code,
                                            absl::Time now) {
  if (aggregate.order_count <= 0 || !aggregate.last_order_time.has_value() ||
      !aggregate.first_order_time.has_value()) {
    return std::nullopt;
  }
  const double recency_days = std::max(
      0.0, absl::ToDoubleHours(now - *aggregate.last_order_time) / 24.0);
  int64_t spend = 0;
  for (const CurrencySpend& one : aggregate.spend) {
    if (one.currency_code == currency_code) spend = one.net_total_minor;
  }
  double gap_days = 0;
  if (aggregate.purchase_days > 1) {
    gap_days = static_cast<double>(UtcDayNumber(*aggregate.last_order_time) -
                                   UtcDayNumber(*aggregate.first_order_time)) /
               static_cast<double>(aggregate.purchase_days - 1);
  }
  return BehaviourFeatures{
      std::log1p(recency_days),
      std::log1p(static_cast<double>(aggregate.order_count)),
      std::log1p(std::max<double>(0, static_cast<double>(spend) / 100.0)),
      std::log1p(std::max(0.0, gap_days))};
}

absl::StatusOr<BehaviourClusters> FitBehaviourClusters(
    const std::vector<BehaviourFeatures>& customers,
    const ClusterOptions& options) {
  if (options.min_clusters < 2 || options.max_clusters < options.min_clusters ||
      options.max_clusters > 20) {
    return absl::InvalidArgumentError(
        "clusters: need 2 <= min_clusters <= max_clusters <= 20");
  }
  if (customers.size() < static_cast<size_t>(2 * options.min_clusters)) {
    return absl::FailedPreconditionError(
        "too few customers with orders to cluster");
  }
  BehaviourClusters model;
  model.customers = static_cast<int64_t>(customers.size());
  const double n = static_cast<double>(customers.size());
  for (const Point& point : customers) {
    for (int f = 0; f < kBehaviourFeatureCount; ++f) {
      model.means[f] += point[f] / n;
    }
  }
  for (const Point& point : customers) {
    for (int f = 0; f < kBehaviourFeatureCount; ++f) {
      const double d = point[f] - model.means[f];
      model.stddevs[f] += d * d / n;
    }
  }
  for (int f = 0; f < kBehaviourFeatureCount; ++f) {
    model.stddevs[f] = std::sqrt(model.stddevs[f]);
    if (!(model.stddevs[f] > 1e-12)) model.stddevs[f] = 1;
  }
  std::vector<Point> points;
  points.reserve(customers.size());
  for (const Point& point : customers) {
    Point z;
    for (int f = 0; f < kBehaviourFeatureCount; ++f) {
      z[f] = (point[f] - model.means[f]) / model.stddevs[f];
    }
    points.push_back(z);
  }
  // The customers k-means runs over: every step-th above fit_sample.
  std::vector<Point> fitted;
  const size_t fit_step = std::max<size_t>(
      1, points.size() / static_cast<size_t>(std::max(1, options.fit_sample)));
  for (size_t i = 0; i < points.size(); i += fit_step) {
    fitted.push_back(points[i]);
  }
  // A fixed sample of those for the silhouette.
  std::vector<size_t> sample;
  const size_t step = std::max<size_t>(
      1, fitted.size() /
             static_cast<size_t>(std::max(1, options.silhouette_sample)));
  for (size_t i = 0; i < fitted.size(); i += step) sample.push_back(i);

  std::optional<KMeans> best;
  double best_silhouette = -2;
  int best_k = 0;
  const int max_k =
      std::min<int>(options.max_clusters, static_cast<int>(fitted.size()) / 2);
  for (int k = options.min_clusters; k <= max_k; ++k) {
    KMeans fit = RunKMeans(fitted, k, options);
    const double silhouette = Silhouette(fitted, fit.labels, k, sample);
    if (silhouette > best_silhouette) {
      best_silhouette = silhouette;
      best = std::move(fit);
      best_k = k;
    }
  }
  // Numbered by decreasing size (ties: the smaller first centroid value).
  std::vector<int64_t> sizes(static_cast<size_t>(best_k), 0);
  for (const Point& point : points) {
    sizes[Nearest(best->centroids, point)] += 1;
  }
  std::vector<size_t> order(static_cast<size_t>(best_k));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (sizes[a] != sizes[b]) return sizes[a] > sizes[b];
    return best->centroids[a] < best->centroids[b];
  });
  for (size_t c : order) {
    model.clusters.push_back(
        BehaviourCluster{.centroid = best->centroids[c],
                         .size = sizes[c],
                         .description = Describe(best->centroids[c])});
  }
  model.silhouette = best_silhouette;
  return model;
}

int AssignCluster(const BehaviourClusters& model,
                  const BehaviourFeatures& features) {
  if (model.clusters.empty()) return 0;
  Point z;
  for (int f = 0; f < kBehaviourFeatureCount; ++f) {
    z[f] = (features[f] - model.means[f]) / model.stddevs[f];
  }
  std::vector<Point> centroids;
  centroids.reserve(model.clusters.size());
  for (const BehaviourCluster& cluster : model.clusters) {
    centroids.push_back(cluster.centroid);
  }
  return static_cast<int>(Nearest(centroids, z)) + 1;
}

double AdjustedRandIndex(const std::vector<int>& a, const std::vector<int>& b) {
  const size_t n = std::min(a.size(), b.size());
  if (n < 2) return 1;
  absl::flat_hash_map<std::pair<int, int>, int64_t> cells;
  absl::flat_hash_map<int, int64_t> rows, columns;
  for (size_t i = 0; i < n; ++i) {
    cells[{a[i], b[i]}] += 1;
    rows[a[i]] += 1;
    columns[b[i]] += 1;
  }
  auto pairs = [](int64_t m) { return static_cast<double>(m) * (m - 1) / 2; };
  double index = 0, row_sum = 0, column_sum = 0;
  for (const auto& [cell, count] : cells) index += pairs(count);
  for (const auto& [row, count] : rows) row_sum += pairs(count);
  for (const auto& [column, count] : columns) column_sum += pairs(count);
  const double expected = row_sum * column_sum / pairs(static_cast<int64_t>(n));
  const double maximum = (row_sum + column_sum) / 2;
  if (maximum == expected) return 1;
  return (index - expected) / (maximum - expected);
}

}  // namespace crm::segmentation

#include "services/segmentation/behaviour_clusters.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/segmentation/customer_aggregate.h"

namespace crm::segmentation {
namespace {

// Standardised points, row by row.
struct Points {
  size_t dimensions = 0;
  std::vector<double> values;

  size_t size() const {
    return dimensions == 0 ? 0 : values.size() / dimensions;
  }
  const double* row(size_t i) const { return &values[i * dimensions]; }
};

double SquaredDistance(const double* a, const double* b, size_t dimensions) {
  double sum = 0;
  for (size_t f = 0; f < dimensions; ++f) {
    const double d = a[f] - b[f];
    sum += d * d;
  }
  return sum;
}

size_t Nearest(const std::vector<std::vector<double>>& centroids,
               const double* point) {
  size_t best = 0;
  double best_distance = std::numeric_limits<double>::infinity();
  for (size_t c = 0; c < centroids.size(); ++c) {
    const double d =
        SquaredDistance(centroids[c].data(), point, centroids[c].size());
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
  std::vector<std::vector<double>> centroids;
  std::vector<int> labels;
};

std::vector<double> RowOf(const Points& points, size_t i) {
  return std::vector<double>(points.row(i), points.row(i) + points.dimensions);
}

KMeans RunKMeans(const Points& points, int k, const ClusterOptions& options) {
  std::mt19937_64 rng(options.seed + static_cast<uint64_t>(k));
  const size_t n = points.size();
  const size_t dimensions = points.dimensions;
  KMeans result;
  // k-means++ seeding.
  result.centroids.push_back(RowOf(points, rng() % n));
  std::vector<double> nearest(n, std::numeric_limits<double>::infinity());
  while (static_cast<int>(result.centroids.size()) < k) {
    double total = 0;
    for (size_t i = 0; i < n; ++i) {
      nearest[i] =
          std::min(nearest[i],
                   SquaredDistance(points.row(i),
                                   result.centroids.back().data(), dimensions));
      total += nearest[i];
    }
    double target = Uniform(rng) * total;
    size_t chosen = n - 1;
    for (size_t i = 0; i < n; ++i) {
      target -= nearest[i];
      if (target <= 0) {
        chosen = i;
        break;
      }
    }
    result.centroids.push_back(RowOf(points, chosen));
  }
  result.labels.assign(n, -1);
  for (int iteration = 0; iteration < options.max_iterations; ++iteration) {
    bool changed = false;
    for (size_t i = 0; i < n; ++i) {
      const int label =
          static_cast<int>(Nearest(result.centroids, points.row(i)));
      if (label != result.labels[i]) {
        result.labels[i] = label;
        changed = true;
      }
    }
    if (!changed) break;
    std::vector<std::vector<double>> sums(static_cast<size_t>(k),
                                          std::vector<double>(dimensions, 0));
    std::vector<int64_t> counts(static_cast<size_t>(k), 0);
    for (size_t i = 0; i < n; ++i) {
      const auto c = static_cast<size_t>(result.labels[i]);
      counts[c] += 1;
      for (size_t f = 0; f < dimensions; ++f) sums[c][f] += points.row(i)[f];
    }
    for (size_t c = 0; c < sums.size(); ++c) {
      if (counts[c] == 0) continue;  // An empty cluster keeps its centroid.
      for (size_t f = 0; f < dimensions; ++f) {
        result.centroids[c][f] = sums[c][f] / static_cast<double>(counts[c]);
      }
    }
  }
  return result;
}

// Mean silhouette of the labelling over the points of `sample`.
double Silhouette(const Points& points, const std::vector<int>& labels, int k,
                  const std::vector<size_t>& sample) {
  double total = 0;
  int counted = 0;
  for (size_t i : sample) {
    std::vector<double> sum(static_cast<size_t>(k), 0);
    std::vector<int> count(static_cast<size_t>(k), 0);
    for (size_t j : sample) {
      if (j == i) continue;
      const double d = std::sqrt(
          SquaredDistance(points.row(i), points.row(j), points.dimensions));
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

// Where a standardised value stands out (see the header).
constexpr double kStandsOut = 0.5;

// The name of `names` whose value in `centroid` (from `first`) stands out
// above most; nullopt if none does.
std::optional<std::string> MostAbove(const std::vector<double>& centroid,
                                     size_t first,
                                     const std::vector<std::string>& names,
                                     const std::vector<bool>& dropped) {
  std::optional<std::string> best;
  double best_value = kStandsOut;
  for (size_t i = 0; i < names.size(); ++i) {
    const size_t f = first + i;
    if (f >= centroid.size() || (f < dropped.size() && dropped[f])) continue;
    if (centroid[f] >= best_value &&
        (!best.has_value() || centroid[f] > best_value)) {
      best = names[i];
      best_value = centroid[f];
    }
  }
  return best;
}

// The share of `part` in `whole`, within [0, 1] (0 for an empty whole).
double Share(int64_t part, int64_t whole) {
  if (whole <= 0) return 0;
  return std::clamp(static_cast<double>(part) / static_cast<double>(whole), 0.0,
                    1.0);
}

int64_t CountOf(const std::vector<NamedCount>& counts, absl::string_view name) {
  for (const NamedCount& one : counts) {
    if (one.name == name) return one.count;
  }
  return 0;
}

std::vector<std::string> TopNames(std::vector<NamedCount> counts) {
  counts.erase(std::remove_if(counts.begin(), counts.end(),
                              [](const NamedCount& one) {
                                return one.count <= 0 || one.name.empty();
                              }),
               counts.end());
  std::sort(counts.begin(), counts.end(),
            [](const NamedCount& a, const NamedCount& b) {
              if (a.count != b.count) return a.count > b.count;
              return a.name < b.name;
            });
  std::vector<std::string> names;
  for (const NamedCount& one : counts) {
    if (names.size() == static_cast<size_t>(kMostVocabularyNames)) break;
    names.push_back(one.name);
  }
  return names;
}

}  // namespace

BehaviourVocabulary VocabularyOf(const BehaviourCounts& totals) {
  BehaviourVocabulary vocabulary;
  vocabulary.channels = TopNames(totals.channel_orders);
  vocabulary.categories = TopNames(totals.category_quantities);
  return vocabulary;
}

std::vector<std::string> BehaviourFeatureNames(
    const BehaviourVocabulary& vocabulary) {
  std::vector<std::string> names = {
      "days_since_last_order",  "order_count",   "net_spend",
      "days_between_purchases", "weekend_share", "interaction_events"};
  for (const std::string& channel : vocabulary.channels) {
    names.push_back(absl::StrCat("channel_share:", channel));
  }
  for (const std::string& category : vocabulary.categories) {
    names.push_back(absl::StrCat("category_share:", category));
  }
  return names;
}

std::optional<BehaviourFeatures> FeaturesOf(
    const CustomerAggregate& aggregate, const BehaviourCounts& counts,
    const BehaviourVocabulary& vocabulary, absl::string_view currency_code,
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
  BehaviourFeatures features = {
      std::log1p(recency_days),
      std::log1p(static_cast<double>(aggregate.order_count)),
      std::log1p(std::max<double>(0, static_cast<double>(spend) / 100.0)),
      std::log1p(std::max(0.0, gap_days)),
      Share(aggregate.weekend_order_count, aggregate.order_count),
      std::log1p(
          static_cast<double>(std::max<int64_t>(0, counts.interaction_count)))};
  for (const std::string& channel : vocabulary.channels) {
    features.push_back(
        Share(CountOf(counts.channel_orders, channel), aggregate.order_count));
  }
  int64_t units = 0;
  for (const NamedCount& one : counts.category_quantities) {
    units += std::max<int64_t>(0, one.count);
  }
  for (const std::string& category : vocabulary.categories) {
    features.push_back(
        Share(CountOf(counts.category_quantities, category), units));
  }
  return features;
}

void FeatureTable::Add(const BehaviourFeatures& features) {
  for (size_t f = 0; f < dimensions_; ++f) {
    values_.push_back(
        static_cast<float>(f < features.size() ? features[f] : 0.0));
  }
}

std::string DescribeCentroid(const std::vector<double>& centroid,
                             const BehaviourVocabulary& vocabulary,
                             const std::vector<bool>& dropped) {
  static constexpr std::pair<const char*, const char*> kSides[] = {
      {"recent", "lapsed"},
      {"occasional", "frequent"},
      {"low spend", "high spend"},
      {"short purchase gaps", "long purchase gaps"}};
  auto value = [&](size_t f) {
    if (f >= centroid.size() || (f < dropped.size() && dropped[f])) return 0.0;
    return centroid[f];
  };
  std::vector<std::string> phrases;
  const bool weekend = value(kWeekendShareFeature) >= kStandsOut;
  const std::optional<std::string> channel = MostAbove(
      centroid, kFixedBehaviourFeatures, vocabulary.channels, dropped);
  if (weekend || channel.has_value()) {
    phrases.push_back(absl::StrCat(weekend ? "weekend " : "",
                                   channel.has_value() ? *channel + " " : "",
                                   "shoppers"));
  }
  const std::optional<std::string> category =
      MostAbove(centroid, kFixedBehaviourFeatures + vocabulary.channels.size(),
                vocabulary.categories, dropped);
  if (category.has_value()) phrases.push_back(*category + " buyers");
  if (value(kInteractionFeature) >= kStandsOut) {
    phrases.push_back("active browsers");
  }
  const bool named = !phrases.empty();
  std::vector<std::string> sides;
  for (size_t f = 0; f < 4; ++f) {
    if (value(f) <= -kStandsOut) sides.push_back(kSides[f].first);
    if (value(f) >= kStandsOut) sides.push_back(kSides[f].second);
  }
  if (!named) {
    if (sides.empty()) return "typical buyers";
    return absl::StrJoin(sides, ", ") + " buyers";
  }
  for (std::string& side : sides) phrases.push_back(std::move(side));
  return absl::StrJoin(phrases, ", ");
}

absl::StatusOr<BehaviourClusters> FitBehaviourClusters(
    const FeatureTable& customers, const BehaviourVocabulary& vocabulary,
    const ClusterOptions& options) {
  if (options.min_clusters < 2 || options.max_clusters < options.min_clusters ||
      options.max_clusters > 20) {
    return absl::InvalidArgumentError(
        "clusters: need 2 <= min_clusters <= max_clusters <= 20");
  }
  BehaviourClusters model;
  model.vocabulary = vocabulary;
  model.feature_names = BehaviourFeatureNames(vocabulary);
  const size_t dimensions = model.feature_names.size();
  if (customers.dimensions() != dimensions) {
    return absl::InvalidArgumentError(
        "clusters: the feature table does not match the vocabulary");
  }
  if (customers.rows() < static_cast<size_t>(2 * options.min_clusters)) {
    return absl::FailedPreconditionError(
        "too few customers with orders to cluster");
  }
  const size_t rows = customers.rows();
  model.customers = static_cast<int64_t>(rows);
  model.means.assign(dimensions, 0);
  model.stddevs.assign(dimensions, 0);
  model.dropped.assign(dimensions, false);
  const double n = static_cast<double>(rows);
  for (size_t i = 0; i < rows; ++i) {
    for (size_t f = 0; f < dimensions; ++f) {
      model.means[f] += customers.at(i, f) / n;
    }
  }
  for (size_t i = 0; i < rows; ++i) {
    for (size_t f = 0; f < dimensions; ++f) {
      const double d = customers.at(i, f) - model.means[f];
      model.stddevs[f] += d * d / n;
    }
  }
  for (size_t f = 0; f < dimensions; ++f) {
    model.stddevs[f] = std::sqrt(model.stddevs[f]);
    if (!(model.stddevs[f] > 1e-9)) {
      model.stddevs[f] = 1;
      model.dropped[f] = true;
    }
  }
  auto standardise = [&](size_t i, double* out) {
    for (size_t f = 0; f < dimensions; ++f) {
      out[f] = model.dropped[f]
                   ? 0
                   : (customers.at(i, f) - model.means[f]) / model.stddevs[f];
    }
  };
  // The customers k-means runs over: every step-th above fit_sample.
  Points fitted;
  fitted.dimensions = dimensions;
  const size_t fit_step = std::max<size_t>(
      1, rows / static_cast<size_t>(std::max(1, options.fit_sample)));
  for (size_t i = 0; i < rows; i += fit_step) {
    fitted.values.resize(fitted.values.size() + dimensions);
    standardise(i, &fitted.values[fitted.values.size() - dimensions]);
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
  // Numbered by decreasing size (ties: the smaller centroid, feature by
  // feature).
  std::vector<int64_t> sizes(static_cast<size_t>(best_k), 0);
  std::vector<double> point(dimensions);
  for (size_t i = 0; i < rows; ++i) {
    standardise(i, point.data());
    sizes[Nearest(best->centroids, point.data())] += 1;
  }
  std::vector<size_t> order(static_cast<size_t>(best_k));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (sizes[a] != sizes[b]) return sizes[a] > sizes[b];
    return best->centroids[a] < best->centroids[b];
  });
  for (size_t c : order) {
    model.clusters.push_back(BehaviourCluster{
        .centroid = best->centroids[c],
        .size = sizes[c],
        .description =
            DescribeCentroid(best->centroids[c], vocabulary, model.dropped)});
  }
  model.silhouette = best_silhouette;
  return model;
}

int AssignCluster(const BehaviourClusters& model,
                  const BehaviourFeatures& features) {
  const size_t dimensions = model.feature_names.size();
  if (model.clusters.empty() || features.size() != dimensions ||
      model.means.size() != dimensions || model.stddevs.size() != dimensions) {
    return 0;
  }
  std::vector<double> z(dimensions);
  for (size_t f = 0; f < dimensions; ++f) {
    const bool dropped = f < model.dropped.size() && model.dropped[f];
    z[f] = dropped ? 0 : (features[f] - model.means[f]) / model.stddevs[f];
  }
  std::vector<std::vector<double>> centroids;
  centroids.reserve(model.clusters.size());
  for (const BehaviourCluster& cluster : model.clusters) {
    std::vector<double> centroid = cluster.centroid;
    centroid.resize(dimensions, 0);
    centroids.push_back(std::move(centroid));
  }
  return static_cast<int>(Nearest(centroids, z.data())) + 1;
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

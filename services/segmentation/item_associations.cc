#include "services/segmentation/item_associations.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace crm::segmentation {
namespace {

// 2020-01-01T00:00:00Z: the time a basket weighs 1.
constexpr int64_t kWeightEpochSeconds = 1577836800;

}  // namespace

absl::StatusOr<double> ParseViewWeight(absl::string_view text,
                                       absl::string_view flag) {
  double weight = 0;
  if (!absl::SimpleAtod(text, &weight) || !(weight > 0) || weight > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, ": must be a number in (0, 1], got \"", text, "\""));
  }
  return weight;
}

double BasketWeight(absl::Time order_time, const AssociationPolicy& policy) {
  const double days =
      absl::ToDoubleHours(order_time -
                          absl::FromUnixSeconds(kWeightEpochSeconds)) /
      24.0;
  return std::exp2(days / policy.half_life_days);
}

std::vector<std::string> BasketSkus(const Basket& basket,
                                    const AssociationPolicy& policy) {
  std::vector<std::string> skus = basket.skus;
  std::sort(skus.begin(), skus.end());
  skus.erase(std::unique(skus.begin(), skus.end()), skus.end());
  skus.erase(std::remove(skus.begin(), skus.end(), std::string()), skus.end());
  if (static_cast<int>(skus.size()) > policy.max_basket_items) {
    skus.resize(static_cast<size_t>(std::max(0, policy.max_basket_items)));
  }
  return skus;
}

BasketCounts CountBaskets(const std::vector<Basket>& baskets,
                          const AssociationPolicy& policy) {
  BasketCounts counts;
  for (const Basket& basket : baskets) {
    const double weight = BasketWeight(basket.order_time, policy);
    counts.baskets += 1;
    counts.weight += weight;
    absl::flat_hash_map<std::string, std::string> category_of;
    for (size_t i = 0; i < basket.categories.size() && i < basket.skus.size();
         ++i) {
      if (!basket.categories[i].empty()) {
        category_of[basket.skus[i]] = basket.categories[i];
      }
    }
    const std::vector<std::string> skus = BasketSkus(basket, policy);
    for (const std::string& sku : skus) {
      ItemCount& item = counts.items[sku];
      item.baskets += 1;
      item.weight += weight;
      auto category = category_of.find(sku);
      if (category != category_of.end()) item.category = category->second;
    }
    for (size_t i = 0; i < skus.size(); ++i) {
      for (size_t j = 0; j < skus.size(); ++j) {
        if (i == j) continue;
        PairCount& pair = counts.pairs[{skus[i], skus[j]}];
        pair.baskets += 1;
        pair.weight += weight;
      }
    }
  }
  return counts;
}

absl::Time ViewDayOf(absl::Time view_time) {
  const absl::Time floor =
      absl::FromUnixSeconds(0) +
      absl::Floor(view_time - absl::FromUnixSeconds(0), absl::Hours(24));
  return floor;
}

double ViewBasketWeight(absl::Time day, const AssociationPolicy& policy) {
  return policy.view_weight * BasketWeight(day, policy);
}

std::vector<std::string> NewViewSkus(const ViewDay& view_day,
                                     const AssociationPolicy& policy) {
  const absl::flat_hash_set<std::string> held(view_day.held_skus.begin(),
                                              view_day.held_skus.end());
  std::vector<std::string> skus = view_day.viewed_skus;
  std::sort(skus.begin(), skus.end());
  skus.erase(std::unique(skus.begin(), skus.end()), skus.end());
  skus.erase(std::remove_if(skus.begin(), skus.end(),
                            [&](const std::string& sku) {
                              return sku.empty() || held.contains(sku);
                            }),
             skus.end());
  const int room =
      std::max(0, policy.max_basket_items - static_cast<int>(held.size()));
  if (static_cast<int>(skus.size()) > room) {
    skus.resize(static_cast<size_t>(room));
  }
  return skus;
}

BasketCounts CountViews(const std::vector<ViewDay>& view_days,
                        const AssociationPolicy& policy) {
  BasketCounts counts;
  for (const ViewDay& view_day : view_days) {
    const std::vector<std::string> added = NewViewSkus(view_day, policy);
    if (added.empty()) continue;
    const double weight = ViewBasketWeight(view_day.day, policy);
    std::vector<std::string> held = view_day.held_skus;
    std::sort(held.begin(), held.end());
    held.erase(std::unique(held.begin(), held.end()), held.end());
    if (held.empty()) {
      counts.baskets += 1;
      counts.weight += weight;
    }
    for (size_t i = 0; i < added.size(); ++i) {
      const std::string& sku = added[i];
      ItemCount& item = counts.items[sku];
      item.baskets += 1;
      item.weight += weight;
      // Pairs with every SKU in the basket before it: the held ones and the
      // new ones before it.
      auto pair_with = [&](const std::string& other) {
        for (const auto& key :
             {std::make_pair(sku, other), std::make_pair(other, sku)}) {
          PairCount& pair = counts.pairs[key];
          pair.baskets += 1;
          pair.weight += weight;
        }
      };
      for (const std::string& other : held) pair_with(other);
      for (size_t j = 0; j < i; ++j) pair_with(added[j]);
    }
  }
  return counts;
}

std::vector<std::string> RecentHistory(std::vector<PurchasedItem> purchases,
                                       const AssociationPolicy& policy) {
  std::sort(purchases.begin(), purchases.end(),
            [](const PurchasedItem& a, const PurchasedItem& b) {
              return a.last_time != b.last_time ? a.last_time > b.last_time
                                                : a.sku < b.sku;
            });
  std::vector<std::string> history;
  absl::flat_hash_set<std::string> seen;
  for (const PurchasedItem& item : purchases) {
    if (static_cast<int>(history.size()) >= policy.max_history_items) break;
    if (seen.insert(item.sku).second) history.push_back(item.sku);
  }
  return history;
}

std::vector<std::string> ViewedSeeds(
    std::vector<PurchasedItem> views,
    const std::vector<PurchasedItem>& purchases,
    const AssociationPolicy& policy) {
  absl::flat_hash_set<std::string> bought;
  for (const PurchasedItem& item : purchases) bought.insert(item.sku);
  views.erase(std::remove_if(views.begin(), views.end(),
                             [&](const PurchasedItem& item) {
                               return bought.contains(item.sku);
                             }),
              views.end());
  return RecentHistory(std::move(views), policy);
}

std::vector<ProductRecommendation> Recommend(
    const std::vector<std::string>& history, const AssociationView& view,
    const AssociationPolicy& policy, const RecommendOptions& options) {
  return Recommend(history, {}, view, policy, options);
}

std::vector<ProductRecommendation> Recommend(
    const std::vector<std::string>& history,
    const std::vector<std::string>& viewed, const AssociationView& view,
    const AssociationPolicy& policy, const RecommendOptions& options) {
  if (options.count <= 0 || view.weight <= 0) return {};
  const absl::flat_hash_set<std::string> bought(history.begin(), history.end());
  // Each seed with its weight: bought ones 1, viewed ones view_weight.
  std::vector<std::pair<std::string, bool>> seeds;
  for (const std::string& a : history) seeds.emplace_back(a, false);
  for (const std::string& a : viewed) {
    if (!bought.contains(a)) seeds.emplace_back(a, true);
  }
  absl::flat_hash_map<std::string, ProductRecommendation> candidates;
  // The weighted confidence of each candidate's reason.
  absl::flat_hash_map<std::string, double> reason_strength;
  for (const auto& [a, a_viewed] : seeds) {
    const double seed_weight = a_viewed ? policy.view_weight : 1.0;
    auto pairs = view.pairs_of.find(a);
    auto item_a = view.items.find(a);
    if (pairs == view.pairs_of.end() || item_a == view.items.end() ||
        item_a->second.weight <= 0) {
      continue;
    }
    for (const auto& [b, pair] : pairs->second) {
      if (pair.baskets < policy.min_pair_baskets || pair.weight <= 0) continue;
      if (!options.include_purchased && bought.contains(b)) continue;
      auto item_b = view.items.find(b);
      if (item_b == view.items.end() || item_b->second.weight <= 0) continue;
      const double confidence = pair.weight / item_a->second.weight;
      const double lift = pair.weight * view.weight /
                          (item_a->second.weight * item_b->second.weight);
      const double support = pair.weight / view.weight;
      auto [at, inserted] = candidates.try_emplace(b);
      ProductRecommendation& candidate = at->second;
      if (inserted) {
        candidate.sku = b;
        candidate.category = item_b->second.category;
      }
      const double strength = seed_weight * confidence;
      candidate.score += strength;
      double& best = reason_strength[b];
      const bool better_reason =
          inserted || strength > best ||
          (strength == best &&
           (lift > candidate.lift ||
            (lift == candidate.lift && a < candidate.because_sku)));
      if (better_reason) {
        best = strength;
        candidate.because_sku = a;
        candidate.because_viewed = a_viewed;
        candidate.confidence = confidence;
        candidate.lift = lift;
        candidate.support = support;
      }
    }
  }
  std::vector<ProductRecommendation> ranked;
  ranked.reserve(candidates.size());
  for (auto& [sku, candidate] : candidates) {
    ranked.push_back(std::move(candidate));
  }
  std::sort(ranked.begin(), ranked.end(),
            [](const ProductRecommendation& x, const ProductRecommendation& y) {
              if (x.score != y.score) return x.score > y.score;
              if (x.support != y.support) return x.support > y.support;
              return x.sku < y.sku;
            });
  if (static_cast<int>(ranked.size()) > options.count) {
    ranked.resize(static_cast<size_t>(options.count));
  }
  return ranked;
}

std::vector<std::string> MostPopular(
    const absl::flat_hash_map<std::string, ItemCount>& items,
    const std::vector<std::string>& exclude, int count) {
  const absl::flat_hash_set<std::string> excluded(exclude.begin(),
                                                  exclude.end());
  std::vector<std::pair<double, std::string>> ranked;
  for (const auto& [sku, item] : items) {
    if (!excluded.contains(sku)) ranked.emplace_back(item.weight, sku);
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) {
    return x.first != y.first ? x.first > y.first : x.second < y.second;
  });
  std::vector<std::string> top;
  for (const auto& [weight, sku] : ranked) {
    if (static_cast<int>(top.size()) >= count) break;
    top.push_back(sku);
  }
  return top;
}

}  // namespace crm::segmentation

// Product recommendations from purchase baskets, as pure functions:
// item-to-item association counted over every order's basket, time-decayed,
// and a customer's recommendations scored from their own purchases through
// those associations.
//
//   AssociationPolicy policy;
//   BasketCounts delta = CountBaskets({basket, ...}, policy);  // feed side
//   ... stored counts += delta ...
//   std::vector<ProductRecommendation> top = Recommend(
//       history, associations, policy, {.count = 10});
//
// Definitions (a basket is one order's distinct SKUs; an order counts once,
// when it is first seen, whatever its later refunds):
//   weight of a basket     w = 2^((order_time − 2020-01-01Z) / half_life):
//                          stored sums of w decay with time without being
//                          rewritten (every ratio below is a ratio of sums,
//                          so the common factor 2^(−now/half_life) cancels);
//   W(a), W(a,b), W        the weights of the baskets holding a, holding a
//                          and b, and of all baskets; N(a,b) their count;
//   support(a,b)   = W(a,b) / W
//   confidence(a→b) = W(a,b) / W(a)
//   lift(a,b)      = W(a,b) · W / (W(a) · W(b))
// A pair is an association once N(a,b) ≥ min_pair_baskets (the minimum
// support, as a count of baskets: one basket is no evidence). A customer's
// history is their distinct SKUs, the `max_history_items` most recently
// bought. Each candidate b (not in the history unless include_purchased)
// scores Σ over history items a with an association a→b of confidence(a→b);
// its reason is the history item of the largest confidence (then the
// largest lift, then the smaller SKU): "bought with a, lift 3.2". Ties in
// score go to the larger support, then the smaller SKU. Only the first
// `max_basket_items` distinct SKUs of a basket (in SKU order) form pairs,
// which bounds a basket's pairs at max·(max−1)/2.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"

namespace crm::segmentation {

struct AssociationPolicy {
  double half_life_days = 90;
  int64_t min_pair_baskets = 2;
  int max_basket_items = 50;
  int max_history_items = 50;
};

// One order as the association counts see it.
struct Basket {
  absl::Time order_time;
  std::vector<std::string> skus;  // Any order, repeats allowed.
  // The category of each SKU of `skus` (same positions; may be shorter).
  std::vector<std::string> categories;
};

// The weight w of a basket bought at `order_time`.
double BasketWeight(absl::Time order_time, const AssociationPolicy& policy);

// The distinct SKUs of `basket` that form pairs, ascending.
std::vector<std::string> BasketSkus(const Basket& basket,
                                    const AssociationPolicy& policy);

struct ItemCount {
  int64_t baskets = 0;
  double weight = 0;
  std::string category;  // Last non-empty category seen.
};
struct PairCount {
  int64_t baskets = 0;
  double weight = 0;
};

// What some baskets add to the stored counts: per SKU, per ordered pair
// (both (a, b) and (b, a)), and in total.
struct BasketCounts {
  absl::flat_hash_map<std::string, ItemCount> items;
  absl::flat_hash_map<std::pair<std::string, std::string>, PairCount> pairs;
  int64_t baskets = 0;
  double weight = 0;
};
BasketCounts CountBaskets(const std::vector<Basket>& baskets,
                          const AssociationPolicy& policy);

// A customer's purchases: their distinct SKUs with the last time each was
// bought.
struct PurchasedItem {
  std::string sku;
  absl::Time last_time;
};
// The `max_history_items` most recently bought of `purchases` (ties: the
// smaller SKU first), as the history recommendations are drawn from.
std::vector<std::string> RecentHistory(std::vector<PurchasedItem> purchases,
                                       const AssociationPolicy& policy);

// The stored counts a recommendation reads: the pairs (a, b) of every
// history item a, the items of those a and b, and the totals.
struct AssociationView {
  absl::flat_hash_map<std::string, std::vector<std::pair<std::string,
                                                         PairCount>>>
      pairs_of;  // a -> [(b, N and W of (a, b))].
  absl::flat_hash_map<std::string, ItemCount> items;
  int64_t baskets = 0;
  double weight = 0;
};

struct ProductRecommendation {
  std::string sku;
  std::string category;
  double score = 0;
  std::string because_sku;  // The history item of the reason.
  double lift = 0;          // Of (because_sku, sku).
  double confidence = 0;    // because_sku → sku.
  double support = 0;       // Of (because_sku, sku).
};

struct RecommendOptions {
  int count = 10;
  bool include_purchased = false;
};

// The best `options.count` recommendations for a customer whose history is
// `history` (RecentHistory), best first, as the file comment defines them.
std::vector<ProductRecommendation> Recommend(
    const std::vector<std::string>& history, const AssociationView& view,
    const AssociationPolicy& policy, const RecommendOptions& options);

// The most popular SKUs by W(b) (ties: the smaller SKU), excluding
// `exclude`: the baseline the benchmark compares with.
std::vector<std::string> MostPopular(
    const absl::flat_hash_map<std::string, ItemCount>& items,
    const std::vector<std::string>& exclude, int count);

}  // namespace crm::segmentation

// Product recommendations from purchase baskets and item views, as pure
// functions: item-to-item association counted over every order's basket and
// every view basket, time-decayed, and a customer's recommendations scored
// from their own purchases and views through those associations.
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
//
// Views (PAGE_VIEW interactions naming a `sku`) are a weaker signal than
// purchases: a customer's views of one UTC day form a view basket, counted
// in the same sums as order baskets (N counts it as one basket) but with
// weight view_weight · 2^((day start − 2020-01-01Z) / half_life)
// (view_weight 0.25 by default), so a pair only ever co-viewed can become an
// association, weighing less than a pair bought together as often. A view
// basket grows as the day's views arrive (CountViews adds what each new SKU
// brings); its first `max_basket_items` distinct SKUs count, later ones are
// dropped. A customer's viewed SKUs they never bought (the
// `max_history_items` most recently viewed) are seeds too: a viewed seed
// adds view_weight · confidence(a→b) to b's score, and when it gives the
// reason (the seed of the largest weighted confidence, then the largest
// lift, then the smaller SKU) the reason reads "viewed with a, lift 1.5".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crm::segmentation {

struct AssociationPolicy {
  double half_life_days = 90;
  int64_t min_pair_baskets = 2;
  int max_basket_items = 50;
  int max_history_items = 50;
  // The weight of a view basket relative to an order basket of the same
  // time, and of a viewed seed relative to a bought one; in (0, 1].
  double view_weight = 0.25;
};

// One order as the association counts see it.
struct Basket {
  absl::Time order_time;
  std::vector<std::string> skus;  // Any order, repeats allowed.
  // The category of each SKU of `skus` (same positions; may be shorter).
  std::vector<std::string> categories;
};

// A view weight as configured (`flag` names the setting): a decimal in
// (0, 1]; INVALID_ARGUMENT naming `flag` otherwise.
absl::StatusOr<double> ParseViewWeight(absl::string_view text,
                                       absl::string_view flag);

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

// The start (00:00 UTC) of the day of `view_time`: a view basket's day.
absl::Time ViewDayOf(absl::Time view_time);

// The weight of a view basket of the day starting at `day`.
double ViewBasketWeight(absl::Time day, const AssociationPolicy& policy);

// One customer's view basket of one day as CountViews sees it: the SKUs it
// holds already and the SKUs just viewed (any order, repeats allowed).
struct ViewDay {
  absl::Time day;  // ViewDayOf.
  std::vector<std::string> held_skus;
  std::vector<std::string> viewed_skus;
};
// The SKUs of `view_day.viewed_skus` the basket takes: distinct, not held,
// non-empty, ascending, as many as fit under max_basket_items with the held.
std::vector<std::string> NewViewSkus(const ViewDay& view_day,
                                     const AssociationPolicy& policy);
// What the new views of `view_days` add to the stored counts: per day, a
// new basket (when nothing was held), each new SKU (NewViewSkus) as an item,
// and its pairs with the held SKUs and the other new ones, all with the
// day's view basket weight. The days must be distinct (customer, day)s.
BasketCounts CountViews(const std::vector<ViewDay>& view_days,
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

// The viewed seeds of a customer: the `max_history_items` most recently
// viewed of `views` (each SKU with its last view time) that are not among
// `purchases` (ties: the smaller SKU first).
std::vector<std::string> ViewedSeeds(
    std::vector<PurchasedItem> views,
    const std::vector<PurchasedItem>& purchases,
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
  std::string because_sku;      // The history item of the reason.
  bool because_viewed = false;  // because_sku is a viewed seed.
  double lift = 0;              // Of (because_sku, sku).
  double confidence = 0;        // because_sku → sku.
  double support = 0;           // Of (because_sku, sku).
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
// The same with `viewed` (ViewedSeeds) as seeds too, weighed by
// view_weight; `view` must hold the pairs of both.
std::vector<ProductRecommendation> Recommend(
    const std::vector<std::string>& history,
    const std::vector<std::string>& viewed, const AssociationView& view,
    const AssociationPolicy& policy, const RecommendOptions& options);

// The most popular SKUs by W(b) (ties: the smaller SKU), excluding
// `exclude`: the baseline the benchmark compares with.
std::vector<std::string> MostPopular(
    const absl::flat_hash_map<std::string, ItemCount>& items,
    const std::vector<std::string>& exclude, int count);

}  // namespace crm::segmentation

// crm-recommendation-eval: offline evaluation of the product
// recommendations (services/segmentation/item_associations.h) against a
// popularity baseline, on generated baskets with planted associations and
// on the demo data set (tools/demo_data). Pure computation, no database.
//
//   crm-recommendation-eval [--data=generated|demo] [--customers=N]
//                           [--seed=S] [--cutoff_fraction=0.8]
//
// Each customer's orders before the cut-off (the first `cutoff_fraction` of
// the data's time span) train the associations and form their history;
// their orders after it are the truth: the distinct SKUs they bought then
// that they had not bought before. For every customer with both, the top 10
// of Recommend (history, already bought excluded) and of the popularity
// baseline (the 10 SKUs with the most baskets before the cut-off, bought
// ones excluded) are scored: hit rate@10 = share of customers with at least
// one truth SKU in the 10; precision@10 = truth SKUs in the 10 / 10, on
// average. Generated data also reports how many planted pairs are found:
// for each planted pair (p, q), whether Recommend({p}) puts q first.
// Prints one line of key=value fields per data set.
#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "services/segmentation/item_associations.h"
#include "tools/demo_data/demo_generator.h"

namespace {

using ::crm::segmentation::AssociationPolicy;
using ::crm::segmentation::AssociationView;
using ::crm::segmentation::Basket;
using ::crm::segmentation::BasketCounts;
using ::crm::segmentation::PurchasedItem;

struct Order {
  int customer = 0;
  Basket basket;
};

struct Flags {
  std::string data = "generated";
  int customers = 5000;
  uint64_t seed = 1;
  double cutoff_fraction = 0.8;
};

constexpr int kPlantedPairs = 20;
constexpr int kCatalogue = 400;
constexpr int kTop = 10;

// Customers buy 2-8 baskets over a year from a catalogue of 400 SKUs with
// Zipf-like popularity; each customer leans to one of 20 "tastes" (a block
// of 20 SKUs they draw half their items from). Planted pairs (p_k, q_k):
// a basket holding p_k also holds q_k 70% of the time; each customer buys
// p_k for a random k with probability 0.3 per basket.
std::vector<Order> Generated(const Flags& flags) {
  std::mt19937_64 rng(flags.seed);
  auto uniform = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  std::vector<double> cumulative;
  double total = 0;
  for (int i = 0; i < kCatalogue; ++i) {
    total += 1.0 / (1.0 + i);
    cumulative.push_back(total);
  }
  auto popular = [&] {
    const double x = uniform() * total;
    return static_cast<int>(
        std::lower_bound(cumulative.begin(), cumulative.end(), x) -
        cumulative.begin());
  };
  const absl::Time start = absl::FromUnixSeconds(1735689600);  // 2025-01-01
  std::vector<Order> orders;
  for (int c = 0; c < flags.customers; ++c) {
    const int taste = static_cast<int>(rng() % 20);
    const int baskets = 2 + static_cast<int>(rng() % 7);
    for (int b = 0; b < baskets; ++b) {
      Order order;
      order.customer = c;
      order.basket.order_time =
          start + absl::Seconds(static_cast<int64_t>(uniform() * 365 * 86400));
      const int lines = 1 + static_cast<int>(rng() % 4);
      for (int l = 0; l < lines; ++l) {
        const int sku = uniform() < 0.5
                            ? taste * 20 + static_cast<int>(rng() % 20)
                            : popular();
        order.basket.skus.push_back(absl::StrCat("sku", sku));
      }
      if (uniform() < 0.3) {
        const int k = static_cast<int>(rng() % kPlantedPairs);
        order.basket.skus.push_back(absl::StrCat("p", k));
        if (uniform() < 0.7) order.basket.skus.push_back(absl::StrCat("q", k));
      }
      orders.push_back(std::move(order));
    }
  }
  return orders;
}

std::vector<Order> Demo(const Flags& flags) {
  crm::tools::DemoOptions options;
  options.seed = flags.seed == 1 ? 42 : flags.seed;
  options.customers = flags.customers;
  const crm::tools::DemoPlan plan = crm::tools::GenerateDemoPlan(options);
  std::vector<Order> orders;
  for (const crm::tools::DemoOrder& demo : plan.orders) {
    Order order;
    order.customer = demo.customer;
    order.basket.order_time =
        absl::FromUnixSeconds(demo.order.order_time().seconds());
    for (const auto& line : demo.order.line_items()) {
      order.basket.skus.push_back(line.sku());
      order.basket.categories.push_back(line.category());
    }
    orders.push_back(std::move(order));
  }
  return orders;
}

// The association view of `counts` for any history: every pair indexed.
AssociationView FullView(const BasketCounts& counts) {
  AssociationView view;
  view.baskets = counts.baskets;
  view.weight = counts.weight;
  view.items.insert(counts.items.begin(), counts.items.end());
  for (const auto& [key, pair] : counts.pairs) {
    view.pairs_of[key.first].emplace_back(key.second, pair);
  }
  return view;
}

void Evaluate(const std::string& label, const std::vector<Order>& orders,
              const Flags& flags) {
  AssociationPolicy policy;
  absl::Time first = absl::InfiniteFuture(), last = absl::InfinitePast();
  for (const Order& order : orders) {
    first = std::min(first, order.basket.order_time);
    last = std::max(last, order.basket.order_time);
  }
  const absl::Time cutoff = first + (last - first) * flags.cutoff_fraction;
  std::vector<Basket> training;
  absl::flat_hash_map<int, absl::flat_hash_map<std::string, absl::Time>>
      bought_before;
  absl::flat_hash_map<int, absl::flat_hash_set<std::string>> bought_after;
  for (const Order& order : orders) {
    if (order.basket.order_time < cutoff) {
      training.push_back(order.basket);
      for (const std::string& sku : order.basket.skus) {
        absl::Time& seen = bought_before[order.customer][sku];
        seen = std::max(seen, order.basket.order_time);
      }
    } else {
      for (const std::string& sku : order.basket.skus) {
        bought_after[order.customer].insert(sku);
      }
    }
  }
  const BasketCounts counts = CountBaskets(training, policy);
  const AssociationView view = FullView(counts);
  int evaluated = 0, hits = 0, popular_hits = 0;
  double precision = 0, popular_precision = 0;
  for (const auto& [customer, before] : bought_before) {
    auto after = bought_after.find(customer);
    if (after == bought_after.end()) continue;
    absl::flat_hash_set<std::string> truth;
    for (const std::string& sku : after->second) {
      if (!before.contains(sku)) truth.insert(sku);
    }
    if (truth.empty()) continue;
    std::vector<PurchasedItem> purchased;
    std::vector<std::string> owned;
    for (const auto& [sku, time] : before) {
      purchased.push_back({sku, time});
      owned.push_back(sku);
    }
    const std::vector<std::string> history =
        crm::segmentation::RecentHistory(purchased, policy);
    int found = 0;
    for (const auto& recommendation :
         Recommend(history, view, policy, {.count = kTop})) {
      if (truth.contains(recommendation.sku)) ++found;
    }
    int popular_found = 0;
    for (const std::string& sku :
         crm::segmentation::MostPopular(counts.items, owned, kTop)) {
      if (truth.contains(sku)) ++popular_found;
    }
    ++evaluated;
    hits += found > 0;
    popular_hits += popular_found > 0;
    precision += found / static_cast<double>(kTop);
    popular_precision += popular_found / static_cast<double>(kTop);
  }
  std::string planted;
  if (label == "generated") {
    int found = 0;
    for (int k = 0; k < kPlantedPairs; ++k) {
      const std::vector<std::string> history = {absl::StrCat("p", k)};
      const auto top = Recommend(history, view, policy, {.count = 1});
      if (!top.empty() && top[0].sku == absl::StrCat("q", k)) ++found;
    }
    planted = absl::StrCat(" planted_pairs=", kPlantedPairs,
                           " planted_found=", found);
  }
  const double n = std::max(1, evaluated);
  std::printf(
      "data=%s orders=%zu training_baskets=%lld skus=%zu customers=%d "
      "hit_rate_at_10=%.4f precision_at_10=%.4f popular_hit_rate_at_10=%.4f "
      "popular_precision_at_10=%.4f%s\n",
      label.c_str(), orders.size(), static_cast<long long>(counts.baskets),
      counts.items.size(), evaluated, hits / n, precision / n, popular_hits / n,
      popular_precision / n, planted.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::vector<std::string> parts =
        absl::StrSplit(argv[i], absl::MaxSplits('=', 1));
    const std::string value = parts.size() > 1 ? parts[1] : "";
    bool ok = true;
    if (parts[0] == "--data") {
      flags.data = value;
    } else if (parts[0] == "--customers") {
      ok = absl::SimpleAtoi(value, &flags.customers) && flags.customers > 0;
    } else if (parts[0] == "--seed") {
      ok = absl::SimpleAtoi(value, &flags.seed);
    } else if (parts[0] == "--cutoff_fraction") {
      ok = absl::SimpleAtod(value, &flags.cutoff_fraction) &&
           flags.cutoff_fraction > 0 && flags.cutoff_fraction < 1;
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr,
                   "usage: crm-recommendation-eval [--data=generated|demo] "
                   "[--customers=N] [--seed=S] [--cutoff_fraction=F]\n");
      return 2;
    }
  }
  if (flags.data == "generated") {
    Evaluate("generated", Generated(flags), flags);
  } else if (flags.data == "demo") {
    Evaluate("demo", Demo(flags), flags);
  } else {
    std::fprintf(stderr, "--data must be generated or demo\n");
    return 2;
  }
  return 0;
}

#include "services/segmentation/clv_model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <thread>
#include <utility>

#include "absl/algorithm/container.h"
#include "services/common/error_details.h"
#include "services/segmentation/bfgs.h"
#include "services/segmentation/clv_calibration.h"
#include "services/segmentation/customer_aggregate.h"
#include "services/segmentation/nelder_mead.h"

namespace crm::segmentation {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// a/(b+x−1) · ((α+T)/(α+t_x))^(r+x) for x > 0, else 0: the odds that the
// customer dropped out after the last purchase.
double DropoutOdds(const BgNbdParams& p, const ClvSummary& c) {
  if (c.x <= 0) return 0;
  return std::exp(std::log(p.a) - std::log(p.b + c.x - 1) +
                  (p.r + c.x) *
                      (std::log(p.alpha + c.T) - std::log(p.alpha + c.t_x)));
}

absl::Status CannotFit(const char* what) {
  return crm::common::ErrorWithReason(absl::FailedPreconditionError(what),
                                      crm::type::v1::RESOURCE_STATE_CONFLICT,
                                      {});
}

}  // namespace

std::optional<ClvPurchase> ClvPurchaseOf(const OrderFact& order,
                                         absl::string_view currency_code,
                                         int64_t last_utc_day) {
  if (order.currency_code != currency_code) return std::nullopt;
  const int64_t net = order.amount_minor - order.refunded_minor;
  // An order refunded in full was no purchase; a zero-value order was.
  if (order.refunded_minor > 0 && net <= 0) return std::nullopt;
  const int64_t day = UtcDayNumber(order.order_time);
  if (day > last_utc_day) return std::nullopt;
  return ClvPurchase{.utc_day = day, .net_minor = net};
}

std::optional<ClvSummary> SummarizeForClv(const std::vector<OrderFact>& orders,
                                          absl::Time observation_end,
                                          double days_per_unit,
                                          const std::string& currency_code) {
  const int64_t end_day = UtcDayNumber(observation_end);
  std::vector<ClvPurchase> purchases;
  purchases.reserve(orders.size());
  for (const OrderFact& order : orders) {
    std::optional<ClvPurchase> purchase =
        ClvPurchaseOf(order, currency_code, end_day);
    if (purchase.has_value()) purchases.push_back(*purchase);
  }
  return SummarizePurchasesForClv(purchases, end_day, days_per_unit);
}

std::optional<ClvSummary> SummarizePurchasesForClv(
    const std::vector<ClvPurchase>& purchases, int64_t last_utc_day,
    double days_per_unit) {
  // Days in order with their summed value: the purchases sorted by day
  // (small and usually sorted already), equal days merged.
  std::vector<ClvPurchase> days;
  days.reserve(purchases.size());
  for (const ClvPurchase& purchase : purchases) {
    if (purchase.utc_day <= last_utc_day) days.push_back(purchase);
  }
  if (days.empty()) return std::nullopt;
  std::sort(days.begin(), days.end(),
            [](const ClvPurchase& l, const ClvPurchase& r) {
              return l.utc_day < r.utc_day;
            });
  size_t distinct = 0;
  for (size_t i = 1; i < days.size(); ++i) {
    if (days[i].utc_day == days[distinct].utc_day) {
      days[distinct].net_minor += days[i].net_minor;
    } else {
      days[++distinct] = days[i];
    }
  }
  days.resize(distinct + 1);
  ClvSummary summary;
  summary.x = static_cast<double>(days.size() - 1);
  summary.t_x =
      static_cast<double>(days.back().utc_day - days.front().utc_day) /
      days_per_unit;
  summary.T =
      static_cast<double>(last_utc_day - days.front().utc_day) / days_per_unit;
  if (summary.x > 0) {
    double repeat_total = 0;
    for (size_t i = 1; i < days.size(); ++i) {
      repeat_total += static_cast<double>(days[i].net_minor);
    }
    summary.mean_repeat_value = repeat_total / summary.x;
  }
  return summary;
}

namespace {

// Below this argument lnΓ and ψ differences are taken directly; above it
// by their asymptotic series, as the two values would cancel to noise there
// (lnΓ(1e17) ≈ 4e18).
constexpr double kAsymptoticFrom = 1e4;

// lnΓ(z+s) − lnΓ(z) for z > 0, s >= 0; Stirling's series for large z, its
// remainder below 1/(1260 z^5).
double LogGammaRatio(double z, double s) {
  if (s == 0) return 0;
  if (z < kAsymptoticFrom) return std::lgamma(z + s) - std::lgamma(z);
  const double zs = z + s;
  return (z - 0.5) * std::log1p(s / z) + s * std::log(zs) - s -
         s / (12 * z * zs) - (1 / (zs * zs * zs) - 1 / (z * z * z)) / 360;
}

// The digamma function ψ = Γ'/Γ for x > 0: the recurrence up to 6, then
// the asymptotic series (error below 1e-13).
double Digamma(double x) {
  double result = 0;
  while (x < 6) {
    result -= 1 / x;
    x += 1;
  }
  const double f = 1 / (x * x);
  return result + std::log(x) - 0.5 / x -
         f * (1.0 / 12 -
              f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
}

// ψ(z+s) − ψ(z) for z > 0, s >= 0; the asymptotic series for large z, its
// remainder below 1/(120 z^4).
double DigammaRatio(double z, double s) {
  if (s == 0) return 0;
  if (z < kAsymptoticFrom) return Digamma(z + s) - Digamma(z);
  const double zs = z + s;
  return std::log1p(s / z) + 0.5 * s / (z * zs) +
         s * (z + zs) / (12 * z * z * zs * zs);
}

// Σ_i term(i) for i < n, term(i, t) setting K values t: compensated
// (Neumaier) sums over fixed chunks, the chunks added in order, so the result
// does not depend on how many threads ran (up to 4, as the machine has
// cores), and rounding does not grow with the customers: the minimisers
// compare values of sums over a million customers.
template <size_t K>
struct CompensatedSums {
  std::array<double, K> sum{}, compensation{};
  void Add(const std::array<double, K>& values) {
    for (size_t k = 0; k < K; ++k) {
      const double next = sum[k] + values[k];
      compensation[k] += std::abs(sum[k]) >= std::abs(values[k])
                             ? (sum[k] - next) + values[k]
                             : (values[k] - next) + sum[k];
      sum[k] = next;
    }
  }
  std::array<double, K> Total() const {
    std::array<double, K> total;
    for (size_t k = 0; k < K; ++k) total[k] = sum[k] + compensation[k];
    return total;
  }
};

template <size_t K, typename Term>
std::array<double, K> ChunkedSums(size_t n, const Term& term) {
  constexpr size_t kChunk = size_t{1} << 14;
  const size_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<std::array<double, K>> partial(chunks);
  auto run = [&](size_t first, size_t stride) {
    std::array<double, K> values;
    for (size_t c = first; c < chunks; c += stride) {
      CompensatedSums<K> sums;
      const size_t end = std::min(n, (c + 1) * kChunk);
      for (size_t i = c * kChunk; i < end; ++i) {
        term(i, values);
        sums.Add(values);
      }
      partial[c] = sums.Total();
    }
  };
  const size_t threads = std::min<size_t>(
      chunks, std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4));
  if (threads <= 1) {
    run(0, 1);
  } else {
    std::vector<std::thread> workers;
    for (size_t t = 1; t < threads; ++t) workers.emplace_back(run, t, threads);
    run(0, threads);
    for (std::thread& worker : workers) worker.join();
  }
  CompensatedSums<K> total;
  for (const std::array<double, K>& sums : partial) total.Add(sums);
  return total.Total();
}

// A customer base for BG/NBD, customers with equal (x, t_x, T) counted
// once: distinct x values and time values (t_x and T together), and each
// distinct triple as indices into them with its customer count.
struct BgNbdGroups {
  struct Group {
    uint32_t x = 0, t_x = 0, T = 0;
    double customers = 0;
  };
  std::vector<double> xs;
  std::vector<double> times;
  std::vector<Group> groups;
};

uint32_t IndexIn(const std::vector<double>& sorted, double value) {
  return static_cast<uint32_t>(
      std::lower_bound(sorted.begin(), sorted.end(), value) - sorted.begin());
}

std::vector<double> SortedDistinct(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

BgNbdGroups GroupForBgNbd(const std::vector<ClvSummary>& base) {
  std::vector<std::array<double, 3>> keys;
  keys.reserve(base.size());
  std::vector<double> xs, times;
  xs.reserve(base.size());
  times.reserve(2 * base.size());
  for (const ClvSummary& c : base) {
    keys.push_back({c.x, c.t_x, c.T});
    xs.push_back(c.x);
    times.push_back(c.t_x);
    times.push_back(c.T);
  }
  std::sort(keys.begin(), keys.end());
  BgNbdGroups grouped;
  grouped.xs = SortedDistinct(std::move(xs));
  grouped.times = SortedDistinct(std::move(times));
  for (size_t i = 0; i < keys.size();) {
    size_t j = i + 1;
    while (j < keys.size() && keys[j] == keys[i]) ++j;
    grouped.groups.push_back({.x = IndexIn(grouped.xs, keys[i][0]),
                              .t_x = IndexIn(grouped.times, keys[i][1]),
                              .T = IndexIn(grouped.times, keys[i][2]),
                              .customers = static_cast<double>(j - i)});
    i = j;
  }
  return grouped;
}

// The BG/NBD log-likelihood of a grouped base, and, if `gradient` is set,
// its gradient with respect to (ln r, ln α, ln a, ln b). Per customer, with
// ℓ(u) = ln(1 + u/α):
//   ln L = lnΓ(r+x) − lnΓ(r) − x ln α + lnΓ(b+x) − lnΓ(b) − lnΓ(a+b+x)
//          + lnΓ(a+b) − (r+x) ℓ(T) + [x > 0] ln(1 + e^d),
//   d = ln a − ln(b+x−1) − (r+x)(ℓ(t_x) − ℓ(T)),
// the header's formula rearranged (B(a+1,b+x−1)/B(a,b+x) = a/(b+x−1)) so
// that no large terms cancel; the terms of each x and each time value are
// computed once per evaluation.
double GroupedBgNbdLogLikelihood(const BgNbdParams& p, const BgNbdGroups& g,
                                 std::vector<double>* gradient = nullptr) {
  const double log_alpha = std::log(p.alpha), log_a = std::log(p.a);
  const size_t nx = g.xs.size();
  // Per x: the terms without d, ln a − ln(b+x−1), and the derivatives of
  // the former by r, a, b (by α it is −x/α).
  std::vector<double> alive(nx), odds(nx), alive_r(nx), alive_a(nx),
      alive_b(nx);
  for (size_t i = 0; i < nx; ++i) {
    const double x = g.xs[i];
    alive[i] = LogGammaRatio(p.r, x) - x * log_alpha + LogGammaRatio(p.b, x) -
               LogGammaRatio(p.a + p.b, x);
    odds[i] = x > 0 ? log_a - std::log(p.b + x - 1) : 0;
    if (gradient != nullptr) {
      alive_r[i] = DigammaRatio(p.r, x);
      alive_a[i] = -DigammaRatio(p.a + p.b, x);
      alive_b[i] = DigammaRatio(p.b, x) + alive_a[i];
    }
  }
  // Per time value u: ℓ(u) and dℓ/dα = −u / (α (α+u)).
  std::vector<double> ell(g.times.size()), ell_alpha(g.times.size());
  for (size_t k = 0; k < g.times.size(); ++k) {
    const double u = g.times[k];
    ell[k] = std::log1p(u / p.alpha);
    ell_alpha[k] = -u / (p.alpha * (p.alpha + u));
  }
  if (gradient == nullptr) {
    return ChunkedSums<1>(g.groups.size(), [&](size_t i, auto& term) {
      const BgNbdGroups::Group& group = g.groups[i];
      const double x = g.xs[group.x];
      const double rx = p.r + x;
      double ll = alive[group.x] - rx * ell[group.T];
      if (x > 0) {
        const double d = odds[group.x] - rx * (ell[group.t_x] - ell[group.T]);
        ll += d > 0 ? d + std::log1p(std::exp(-d)) : std::log1p(std::exp(d));
      }
      term[0] = group.customers * ll;
    })[0];
  }
  // Sums: ln L and d ln L / d(r, α, a, b).
  const std::array<double, 5> sums =
      ChunkedSums<5>(g.groups.size(), [&](size_t i, auto& term) {
        const BgNbdGroups::Group& group = g.groups[i];
        const size_t xi = group.x;
        const double x = g.xs[xi], c = group.customers;
        const double rx = p.r + x;
        double ll = alive[xi] - rx * ell[group.T];
        double by_r = alive_r[xi] - ell[group.T];
        double by_alpha = -x / p.alpha - rx * ell_alpha[group.T];
        double by_a = alive_a[xi], by_b = alive_b[xi];
        if (x > 0) {
          const double d = odds[xi] - rx * (ell[group.t_x] - ell[group.T]);
          // ln(1 + e^d) and its derivative, the logistic σ(d).
          const double e = std::exp(-std::abs(d));
          ll += std::max(d, 0.0) + std::log1p(e);
          const double sigma = d > 0 ? 1 / (1 + e) : e / (1 + e);
          by_r -= sigma * (ell[group.t_x] - ell[group.T]);
          by_alpha -= sigma * rx * (ell_alpha[group.t_x] - ell_alpha[group.T]);
          by_a += sigma / p.a;
          by_b -= sigma / (p.b + x - 1);
        }
        term[0] = c * ll;
        term[1] = c * by_r;
        term[2] = c * by_alpha;
        term[3] = c * by_a;
        term[4] = c * by_b;
      });
  *gradient = {sums[1] * p.r, sums[2] * p.alpha, sums[3] * p.a, sums[4] * p.b};
  return sums[0];
}

// The customers Gamma-Gamma fits (x > 0, m > 0), equal (x, m) counted once.
struct GammaGammaGroups {
  struct Group {
    uint32_t x = 0;
    double log_total = 0;  // ln(m x)
    double total = 0;      // m x
    double customers = 0;
  };
  std::vector<double> xs;
  std::vector<double> customers_per_x;  // At the same positions as xs.
  std::vector<Group> groups;
  double sum_log_m = 0;  // Σ ln m over the customers.
  int64_t customers = 0;
};

GammaGammaGroups GroupForGammaGamma(const std::vector<ClvSummary>& base) {
  std::vector<std::pair<double, double>> keys;
  std::vector<double> xs;
  GammaGammaGroups grouped;
  for (const ClvSummary& c : base) {
    if (c.x <= 0 || c.mean_repeat_value <= 0) continue;
    keys.emplace_back(c.x, c.mean_repeat_value);
    xs.push_back(c.x);
    grouped.sum_log_m += std::log(c.mean_repeat_value);
  }
  grouped.customers = static_cast<int64_t>(keys.size());
  std::sort(keys.begin(), keys.end());
  grouped.xs = SortedDistinct(std::move(xs));
  grouped.customers_per_x.assign(grouped.xs.size(), 0);
  for (size_t i = 0; i < keys.size();) {
    size_t j = i + 1;
    while (j < keys.size() && keys[j] == keys[i]) ++j;
    const uint32_t x = IndexIn(grouped.xs, keys[i].first);
    const double total = keys[i].second * keys[i].first;
    const double customers = static_cast<double>(j - i);
    grouped.groups.push_back({.x = x,
                              .log_total = std::log(total),
                              .total = total,
                              .customers = customers});
    grouped.customers_per_x[x] += customers;
    i = j;
  }
  return grouped;
}

// The Gamma-Gamma log-likelihood of a grouped base, and, if `gradient` is
// set, its gradient with respect to (ln p, ln q, ln γ). Per customer, with
// s = m x and u = ln(1 + s/γ):
//   ln L = lnΓ(px+q) − lnΓ(px) − lnΓ(q) − ln m − px (ln γ − ln s + u) − q u,
// the header's formula rearranged so that no large terms cancel; the
// lnΓ terms of each x are computed once per evaluation.
double GroupedGammaGammaLogLikelihood(const GammaGammaParams& g,
                                      const GammaGammaGroups& data,
                                      std::vector<double>* gradient = nullptr) {
  double total = -data.sum_log_m, by_p = 0, by_q = 0;
  std::vector<double> px(data.xs.size());
  for (size_t i = 0; i < data.xs.size(); ++i) {
    const double x = data.xs[i], n = data.customers_per_x[i];
    px[i] = g.p * x;
    const double big = std::max(px[i], g.q), small = std::min(px[i], g.q);
    total += n * (LogGammaRatio(big, small) - std::lgamma(small));
    if (gradient != nullptr) {
      // d/dp: x (ψ(px+q) − ψ(px)); d/dq: ψ(px+q) − ψ(q).
      by_p += n * x * DigammaRatio(px[i], g.q);
      by_q += n * DigammaRatio(g.q, px[i]);
    }
  }
  const double log_gamma = std::log(g.gamma);
  if (gradient == nullptr) {
    return total +
           ChunkedSums<1>(data.groups.size(), [&](size_t i, auto& term) {
             const GammaGammaGroups::Group& group = data.groups[i];
             const double u = std::log1p(group.total / g.gamma);
             term[0] =
                 -group.customers *
                 (px[group.x] * (log_gamma - group.log_total + u) + g.q * u);
           })[0];
  }
  const std::array<double, 4> sums =
      ChunkedSums<4>(data.groups.size(), [&](size_t i, auto& term) {
        const GammaGammaGroups::Group& group = data.groups[i];
        const double c = group.customers, x = data.xs[group.x];
        const double u = std::log1p(group.total / g.gamma);
        const double share = group.total / (g.gamma + group.total);
        term[0] =
            -c * (px[group.x] * (log_gamma - group.log_total + u) + g.q * u);
        term[1] = -c * x * (log_gamma - group.log_total + u);
        term[2] = -c * u;
        // d/dγ: −px/γ + (px + q) s / (γ (γ + s)).
        term[3] = c * (-px[group.x] + (px[group.x] + g.q) * share) / g.gamma;
      });
  *gradient = {(by_p + sums[1]) * g.p, (by_q + sums[2]) * g.q,
               sums[3] * g.gamma};
  return total + sums[0];
}

// The minimum of `objective` (its value, and its gradient when asked)
// within |v_i| <= bound: BFGS with the analytic gradient (bfgs.h, at most
// 600 evaluations), then, unless that converged, Nelder-Mead (nelder_mead.h,
// at most 2,000 more) from where it stopped, the objective +infinity outside
// the bound.
NelderMeadResult MinimizeWithin(
    double bound,
    const std::function<double(const std::vector<double>&,
                               std::vector<double>*)>& objective,
    std::vector<double> start) {
  BfgsResult quasi_newton = MinimizeBfgs(
      [&](const std::vector<double>& v, std::vector<double>& gradient) {
        return objective(v, &gradient);
      },
      std::move(start), BfgsOptions{.bound = bound});
  if (quasi_newton.converged) {
    return NelderMeadResult{.x = quasi_newton.x,
                            .value = quasi_newton.value,
                            .converged = true,
                            .evaluations = quasi_newton.evaluations};
  }
  NelderMeadResult simplex = MinimizeNelderMead(
      [&](const std::vector<double>& v) {
        const bool inside = absl::c_all_of(
            v, [bound](double c) { return std::abs(c) <= bound; });
        return inside ? objective(v, nullptr) : kInfinity;
      },
      quasi_newton.x, NelderMeadOptions{.max_evaluations = 2000});
  simplex.evaluations += quasi_newton.evaluations;
  return simplex;
}

}  // namespace

double BgNbdLogLikelihood(const BgNbdParams& p, const ClvSummary& c) {
  return GroupedBgNbdLogLikelihood(p, GroupForBgNbd({c}));
}

double BgNbdLogLikelihood(const BgNbdParams& params,
                          const std::vector<ClvSummary>& base) {
  return GroupedBgNbdLogLikelihood(params, GroupForBgNbd(base));
}

double GammaGammaLogLikelihood(const GammaGammaParams& g,
                               const std::vector<ClvSummary>& base) {
  return GroupedGammaGammaLogLikelihood(g, GroupForGammaGamma(base));
}

absl::StatusOr<BgNbdFit> FitBgNbd(const std::vector<ClvSummary>& base) {
  int64_t repeaters = 0;
  for (const ClvSummary& c : base) {
    if (c.x > 0) ++repeaters;
  }
  if (base.size() < 2 || repeaters == 0) {
    return CannotFit(
        "BG/NBD needs at least two customers and some repeat purchases");
  }
  // Start from the scale of the data: α near the mean T.
  double mean_T = 0;
  for (const ClvSummary& c : base) mean_T += c.T;
  mean_T = std::max(mean_T / static_cast<double>(base.size()), 1e-3);
  const BgNbdGroups grouped = GroupForBgNbd(base);
  auto to_params = [](const std::vector<double>& v) {
    return BgNbdParams{std::exp(v[0]), std::exp(v[1]), std::exp(v[2]),
                       std::exp(v[3])};
  };
  NelderMeadResult best = MinimizeWithin(
      30,
      [&](const std::vector<double>& v, std::vector<double>* gradient) {
        const double ll =
            GroupedBgNbdLogLikelihood(to_params(v), grouped, gradient);
        if (gradient != nullptr) {
          for (double& d : *gradient) d = -d;
        }
        return -ll;
      },
      {0.0, std::log(mean_T), 0.0, 0.0});
  if (!std::isfinite(best.value)) {
    return CannotFit("BG/NBD likelihood is not finite for this data");
  }
  return BgNbdFit{.params = to_params(best.x),
                  .log_likelihood = -best.value,
                  .converged = best.converged,
                  .evaluations = best.evaluations};
}

absl::StatusOr<GammaGammaFit> FitGammaGamma(
    const std::vector<ClvSummary>& base) {
  const GammaGammaGroups grouped = GroupForGammaGamma(base);
  if (grouped.customers < 2) {
    return CannotFit(
        "Gamma-Gamma needs at least two customers with repeat purchases");
  }
  double mean_value = 0;
  for (const GammaGammaGroups::Group& group : grouped.groups) {
    mean_value += group.customers * group.total / grouped.xs[group.x];
  }
  mean_value /= static_cast<double>(grouped.customers);
  auto to_params = [](const std::vector<double>& v) {
    return GammaGammaParams{std::exp(v[0]), std::exp(v[1]), std::exp(v[2])};
  };
  NelderMeadResult best = MinimizeWithin(
      40,
      [&](const std::vector<double>& v, std::vector<double>* gradient) {
        const double ll =
            GroupedGammaGammaLogLikelihood(to_params(v), grouped, gradient);
        if (gradient != nullptr) {
          for (double& d : *gradient) d = -d;
        }
        return -ll;
      },
      {0.0, 0.0, std::log(mean_value)});
  if (!std::isfinite(best.value)) {
    return CannotFit("Gamma-Gamma likelihood is not finite for this data");
  }
  return GammaGammaFit{.params = to_params(best.x),
                       .log_likelihood = -best.value,
                       .converged = best.converged,
                       .evaluations = best.evaluations,
                       .customers = grouped.customers};
}

double BgNbdPAlive(const BgNbdParams& params, const ClvSummary& c) {
  const double odds = DropoutOdds(params, c);
  if (!std::isfinite(odds)) return 0;
  return 1.0 / (1.0 + odds);
}

double Hypergeometric2F1(double a, double b, double c, double z) {
  double term = 1, sum = 1;
  for (int k = 0; k < 200000; ++k) {
    term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z;
    sum += term;
    if (std::abs(term) < 1e-15 * std::abs(sum)) break;
  }
  return sum;
}

double BgNbdExpectedPurchases(const BgNbdParams& p, const ClvSummary& c,
                              double t) {
  // Eq. 10 summed in the form whose terms shrink from the first
  // (clv_calibration.h): the direct series overflows for heavy buyers long
  // before it converges, and is 0/0 at a = 1.
  const double expected = BgNbdConditionalExpectedPurchases(p, c, t);
  return std::isfinite(expected) ? std::max(expected, 0.0) : 0.0;
}

double GammaGammaExpectedValue(const GammaGammaParams& g, const ClvSummary& c) {
  const double px = g.p * c.x;
  const double m = c.x > 0 ? c.mean_repeat_value : 0;
  const double denominator = px + g.q - 1;
  if (denominator <= 0) return 0;
  const double value = g.p * (g.gamma + m * c.x) / denominator;
  return std::isfinite(value) ? value : 0.0;
}

double CustomerLifetimeValue(const BgNbdParams& purchases,
                             const GammaGammaParams& spend, const ClvSummary& c,
                             const ClvOptions& options) {
  const double value = GammaGammaExpectedValue(spend, c);
  double clv = 0, previous = 0;
  for (int k = 1; k <= options.horizon_units; ++k) {
    const double expected = BgNbdExpectedPurchases(purchases, c, k);
    clv += (expected - previous) * value /
           std::pow(1 + options.discount_rate_per_unit, k);
    previous = expected;
  }
  return clv;
}

}  // namespace crm::segmentation

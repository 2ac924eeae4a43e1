#include "services/segmentation/clv_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "services/common/error_details.h"
#include "services/segmentation/clv_calibration.h"
#include "services/segmentation/customer_aggregate.h"
#include "services/segmentation/nelder_mead.h"

namespace crm::segmentation {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

double LogBeta(double a, double b) {
  return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
}

double LogSumExp(double u, double v) {
  const double m = std::max(u, v);
  if (!std::isfinite(m)) return m;
  return m + std::log(std::exp(u - m) + std::exp(v - m));
}

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

std::optional<ClvSummary> SummarizeForClv(const std::vector<OrderFact>& orders,
                                          absl::Time observation_end,
                                          double days_per_unit,
                                          const std::string& currency_code) {
  const int64_t end_day = UtcDayNumber(observation_end);
  std::map<int64_t, int64_t> value_by_day;
  for (const OrderFact& order : orders) {
    if (order.currency_code != currency_code) continue;
    const int64_t net = order.amount_minor - order.refunded_minor;
    // An order refunded in full was no purchase; a zero-value order was.
    if (order.refunded_minor > 0 && net <= 0) continue;
    const int64_t day = UtcDayNumber(order.order_time);
    if (day > end_day) continue;
    value_by_day[day] += net;
  }
  if (value_by_day.empty()) return std::nullopt;
  const int64_t first_day = value_by_day.begin()->first;
  const int64_t last_day = value_by_day.rbegin()->first;
  ClvSummary summary;
  summary.x = static_cast<double>(value_by_day.size() - 1);
  summary.t_x = static_cast<double>(last_day - first_day) / days_per_unit;
  summary.T = static_cast<double>(end_day - first_day) / days_per_unit;
  if (summary.x > 0) {
    double repeat_total = 0;
    for (auto it = std::next(value_by_day.begin()); it != value_by_day.end();
         ++it) {
      repeat_total += static_cast<double>(it->second);
    }
    summary.mean_repeat_value = repeat_total / summary.x;
  }
  return summary;
}

double BgNbdLogLikelihood(const BgNbdParams& p, const ClvSummary& c) {
  const double common = std::lgamma(p.r + c.x) - std::lgamma(p.r) +
                        p.r * std::log(p.alpha) - LogBeta(p.a, p.b);
  const double still_alive =
      LogBeta(p.a, p.b + c.x) - (p.r + c.x) * std::log(p.alpha + c.T);
  if (c.x <= 0) return common + still_alive;
  const double dropped =
      LogBeta(p.a + 1, p.b + c.x - 1) - (p.r + c.x) * std::log(p.alpha + c.t_x);
  return common + LogSumExp(still_alive, dropped);
}

double BgNbdLogLikelihood(const BgNbdParams& params,
                          const std::vector<ClvSummary>& base) {
  double total = 0;
  for (const ClvSummary& c : base) total += BgNbdLogLikelihood(params, c);
  return total;
}

double GammaGammaLogLikelihood(const GammaGammaParams& g,
                               const std::vector<ClvSummary>& base) {
  double total = 0;
  for (const ClvSummary& c : base) {
    if (c.x <= 0 || c.mean_repeat_value <= 0) continue;
    const double px = g.p * c.x;
    total += std::lgamma(px + g.q) - std::lgamma(px) - std::lgamma(g.q) +
             g.q * std::log(g.gamma) +
             (px - 1) * std::log(c.mean_repeat_value) + px * std::log(c.x) -
             (px + g.q) * std::log(g.gamma + c.mean_repeat_value * c.x);
  }
  return total;
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
  auto to_params = [](const std::vector<double>& v) {
    return BgNbdParams{std::exp(v[0]), std::exp(v[1]), std::exp(v[2]),
                       std::exp(v[3])};
  };
  NelderMeadResult best = MinimizeNelderMead(
      [&](const std::vector<double>& v) {
        for (double value : v) {
          if (std::abs(value) > 30) return kInfinity;
        }
        return -BgNbdLogLikelihood(to_params(v), base);
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
  int64_t customers = 0;
  double mean_value = 0;
  for (const ClvSummary& c : base) {
    if (c.x > 0 && c.mean_repeat_value > 0) {
      ++customers;
      mean_value += c.mean_repeat_value;
    }
  }
  if (customers < 2) {
    return CannotFit(
        "Gamma-Gamma needs at least two customers with repeat purchases");
  }
  mean_value /= static_cast<double>(customers);
  auto to_params = [](const std::vector<double>& v) {
    return GammaGammaParams{std::exp(v[0]), std::exp(v[1]), std::exp(v[2])};
  };
  NelderMeadResult best = MinimizeNelderMead(
      [&](const std::vector<double>& v) {
        for (double value : v) {
          if (std::abs(value) > 40) return kInfinity;
        }
        return -GammaGammaLogLikelihood(to_params(v), base);
      },
      {0.0, 0.0, std::log(mean_value)});
  if (!std::isfinite(best.value)) {
    return CannotFit("Gamma-Gamma likelihood is not finite for this data");
  }
  return GammaGammaFit{.params = to_params(best.x),
                       .log_likelihood = -best.value,
                       .converged = best.converged,
                       .evaluations = best.evaluations,
                       .customers = customers};
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

#include "services/segmentation/clv_calibration.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "services/segmentation/customer_aggregate.h"

namespace crm::segmentation {
namespace {

// Terms of G summed at most; reached only when z is within about 1e-5 of 1
// (a holdout far longer than α+T) and x is small.
constexpr int kMaxSeriesTerms = 1000000;

// ln(1 + e^v) without overflow.
double Softplus(double v) {
  return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v));
}

// G = Σ_{k≥1} (A)_k (a)_(k−1) z^k / ((C)_k k!), with A = a+b−1−r and
// C = a+b−1+x: F − 1 over a−1, F = 2F1(A, a−1; C; z).
double SeriesG(double big_a, double a, double c, double z) {
  double term = big_a * z / c;
  double sum = 0;
  for (int k = 1; k <= kMaxSeriesTerms; ++k) {
    sum += term;
    // Past k > −A every factor is positive and the ratio below 1, so the
    // terms shrink monotonically from there on.
    if (term == 0 ||
        (big_a + k > 0 && std::abs(term) <= 1e-17 * std::abs(sum))) {
      break;
    }
    term *= (big_a + k) * (a + k - 1) * z / ((c + k) * (k + 1));
  }
  return sum;
}

}  // namespace

double BgNbdConditionalExpectedPurchases(const BgNbdParams& p,
                                         const ClvSummary& c, double t) {
  if (!(t > 0)) return 0;
  const double scale = p.alpha + c.T;
  // ln(1−z) = −ln(1 + t/(α+T)), without forming 1 − z.
  const double log_one_minus_z = -std::log1p(t / scale);
  const double z = t / (scale + t);
  const double e = p.a - 1;
  // −expm1((a−1) ln(1−z))/(a−1), → −ln(1−z) as a → 1.
  const double head =
      e == 0 ? -log_one_minus_z : -std::expm1(e * log_one_minus_z) / e;
  const double g = SeriesG(p.a + p.b - 1 - p.r, p.a, p.a + p.b - 1 + c.x, z);
  const double bracket = head - std::exp(e * log_one_minus_z) * g;
  double log_p_alive = 0;
  if (c.x > 0) {
    const double log_odds =
        std::log(p.a) - std::log(p.b + c.x - 1) +
        (p.r + c.x) * std::log1p((c.T - c.t_x) / (p.alpha + c.t_x));
    log_p_alive = -Softplus(log_odds);
  }
  const double expected =
      (p.a + p.b + c.x - 1) * bracket * std::exp(log_p_alive);
  return std::isfinite(expected) ? std::max(expected, 0.0) : 0.0;
}

std::optional<CalibrationHoldoutSummary> SummarizeCalibrationHoldout(
    const std::vector<OrderFact>& orders, absl::Time calibration_end,
    absl::Time holdout_end, double days_per_unit,
    const std::string& currency_code) {
  std::optional<ClvSummary> calibration =
      SummarizeForClv(orders, calibration_end, days_per_unit, currency_code);
  if (!calibration.has_value()) return std::nullopt;
  const int64_t calibration_day = UtcDayNumber(calibration_end);
  const int64_t holdout_day = UtcDayNumber(holdout_end);
  std::set<int64_t> days;
  for (const OrderFact& order : orders) {
    if (order.currency_code != currency_code) continue;
    // As SummarizeForClv: an order refunded in full was no purchase.
    if (order.refunded_minor > 0 &&
        order.amount_minor - order.refunded_minor <= 0) {
      continue;
    }
    const int64_t day = UtcDayNumber(order.order_time);
    if (day > calibration_day && day <= holdout_day) days.insert(day);
  }
  return CalibrationHoldoutSummary{
      .calibration = *calibration,
      .holdout_purchases = static_cast<int64_t>(days.size())};
}

double HoldoutLengthUnits(absl::Time calibration_end, absl::Time holdout_end,
                          double days_per_unit) {
  return static_cast<double>(UtcDayNumber(holdout_end) -
                             UtcDayNumber(calibration_end)) /
         days_per_unit;
}

double ClvCalibrationGroup::MeanPredicted() const {
  return customers == 0 ? 0 : predicted_purchases / customers;
}

double ClvCalibrationGroup::MeanActual() const {
  return customers == 0 ? 0 : static_cast<double>(actual_purchases) / customers;
}

void ClvCalibrationAccumulator::Add(const CalibrationHoldoutSummary& customer) {
  const double predicted = BgNbdConditionalExpectedPurchases(
      params_, customer.calibration, holdout_units_);
  const int group = static_cast<int>(std::min<double>(
      customer.calibration.x, static_cast<double>(kClvCalibrationGroups - 1)));
  for (ClvCalibrationGroup* g : {&table_.groups[group], &table_.total}) {
    ++g->customers;
    g->predicted_purchases += predicted;
    g->actual_purchases += customer.holdout_purchases;
  }
}

}  // namespace crm::segmentation

// The calibration/holdout report's pure parts: the BG/NBD conditional
// expectation E[X(t) | x, t_x, T] against an independent route (the
// expectation over the posterior of the dropout probability, integrated by
// double-exponential quadrature here) and against values computed to 30
// digits with mpmath; its limits (t → 0: the posterior purchase rate times
// P(alive); t → ∞ with a > 1: (a+b+x−1)/(a−1) · P(alive)); the summaries
// of calibration and holdout; the frequency groups; and the whole report on
// the CDNOW sample with the published parameters.
#include "services/segmentation/clv_calibration.h"

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/segmentation/clv_model.h"

namespace crm::segmentation {
namespace {

constexpr BgNbdParams kCdnow{
    .r = 0.243, .alpha = 4.414, .a = 0.793, .b = 2.426};

// E[X(t) | x, t_x, T] by its definition rather than eq. 10: alive at T, a
// customer with rate λ and dropout probability p makes (1 − e^(−λpt))/p
// purchases in t on average; given alive, λ ~ Gamma(r+x, α+T) and
// p ~ Beta(a, b+x) independently, so
//   E = P(alive) · ∫ (1 − ((α+T)/(α+T+pt))^(r+x))/p · Beta(p; a, b+x) dp.
// The integral by tanh-sinh quadrature in long double (p = 1/(1+e^(−π sinh
// s)), so both endpoint singularities of the beta density decay doubly
// exponentially); P(alive) from clv_model.h.
double ExpectationByQuadrature(const BgNbdParams& p, const ClvSummary& c,
                               double t) {
  using LD = long double;
  const LD beta = static_cast<LD>(p.b) + c.x;
  const LD log_beta_fn = std::lgamma(static_cast<LD>(p.a)) + std::lgamma(beta) -
                         std::lgamma(p.a + beta);
  const LD scale = static_cast<LD>(p.alpha) + c.T;
  const LD h = 1.0L / 128;
  const LD pi = 3.141592653589793238462643383279502884L;
  LD sum = 0;
  for (int k = -6 * 128; k <= 6 * 128; ++k) {
    const LD s = k * h;
    const LD u = pi * std::sinh(s);
    const LD log_p = -std::log1p(std::exp(-u));
    const LD log_q = -std::log1p(std::exp(u));  // ln(1 − p)
    const LD prob = std::exp(log_p);
    // (1 − (1 + pt/scale)^(−(r+x)))/p, accurate for small p.
    const LD f =
        prob == 0
            ? t * (p.r + c.x) / scale
            : -std::expm1(-(p.r + c.x) * std::log1p(prob * t / scale)) / prob;
    sum += f * std::exp(p.a * log_p + beta * log_q - log_beta_fn) * pi *
           std::cosh(s);
  }
  return static_cast<double>(sum * h) * BgNbdPAlive(p, c);
}

struct Case {
  BgNbdParams params;
  ClvSummary customer;
  double t;
  double expected;  // mpmath, 30 digits: eq. 10 with mp.hyp2f1.
};

const std::vector<Case>& Cases() {
  static const auto* cases = new std::vector<Case>{
      {kCdnow, {.x = 0, .t_x = 0, .T = 30}, 39, 0.23938163233959615},
      {kCdnow, {.x = 2, .t_x = 10, .T = 30}, 39, 0.77730319916292117},
      {kCdnow, {.x = 20, .t_x = 30, .T = 38}, 39, 4.060986650728654},
      {kCdnow, {.x = 1, .t_x = 0.5, .T = 38.8}, 0.01, 4.8954034475865044e-5},
      {{.r = 0.5, .alpha = 2, .a = 1.5, .b = 3},
       {.x = 5, .t_x = 10, .T = 20},
       52,
       0.88724154227566296},
      // a + b < 1: the 2F1's c is negative for x = 0; z = 0.985.
      {{.r = 2, .alpha = 1, .a = 0.5, .b = 0.4},
       {.x = 0, .t_x = 0, .T = 0.5},
       100,
       10.626380508370446},
      // a = 1 exactly: eq. 10 is 0/0 there; its limit (mpmath quadrature).
      {{.r = 1.2, .alpha = 3, .a = 1, .b = 2},
       {.x = 3, .t_x = 4, .T = 10},
       26,
       1.1209118510057957},
  };
  return *cases;
}

TEST(BgNbdConditionalExpectedPurchasesTest, MatchesHighPrecisionValues) {
  for (const Case& c : Cases()) {
    EXPECT_NEAR(BgNbdConditionalExpectedPurchases(c.params, c.customer, c.t),
                c.expected, 1e-12 * c.expected)
        << "x=" << c.customer.x << " a=" << c.params.a << " t=" << c.t;
  }
}

TEST(BgNbdConditionalExpectedPurchasesTest, MatchesThePosteriorIntegral) {
  for (const Case& c : Cases()) {
    EXPECT_NEAR(ExpectationByQuadrature(c.params, c.customer, c.t), c.expected,
                1e-11 * c.expected)
        << "the quadrature itself, x=" << c.customer.x;
  }
  // Beyond the table: a grid of customers and horizons, a on both sides
  // of 1 and close to it.
  for (double a : {0.3, 0.793, 0.999999, 1.000001, 2.5}) {
    for (double x : {0.0, 1.0, 4.0, 40.0}) {
      for (double t : {0.5, 39.0, 200.0}) {
        const BgNbdParams p{.r = 0.243, .alpha = 4.414, .a = a, .b = 2.426};
        const ClvSummary c{.x = x, .t_x = x > 0 ? 20.0 : 0.0, .T = 35};
        const double reference = ExpectationByQuadrature(p, c, t);
        EXPECT_NEAR(BgNbdConditionalExpectedPurchases(p, c, t), reference,
                    1e-10 * reference + 1e-300)
            << "a=" << a << " x=" << x << " t=" << t;
      }
    }
  }
}

TEST(BgNbdConditionalExpectedPurchasesTest, AgreesWithEq10AsScoresUseIt) {
  // clv_model.h's E[Y(t)] sums the original 2F1 series: the same quantity
  // where that series is well behaved.
  for (const Case& c : Cases()) {
    if (c.params.a == 1) continue;  // eq. 10 as written is 0/0 there.
    EXPECT_NEAR(BgNbdConditionalExpectedPurchases(c.params, c.customer, c.t),
                BgNbdExpectedPurchases(c.params, c.customer, c.t),
                1e-9 * c.expected);
  }
}

TEST(BgNbdConditionalExpectedPurchasesTest, ShortHorizonIsRateTimesPAlive) {
  // d/dt E[X(t)] at t = 0 is E[λ | alive] · P(alive) = (r+x)/(α+T) · P.
  for (double x : {0.0, 1.0, 7.0}) {
    const ClvSummary c{.x = x, .t_x = x > 0 ? 12.0 : 0.0, .T = 30};
    const double t = 1e-6;
    const double slope =
        (kCdnow.r + x) / (kCdnow.alpha + c.T) * BgNbdPAlive(kCdnow, c);
    EXPECT_NEAR(BgNbdConditionalExpectedPurchases(kCdnow, c, t) / t, slope,
                1e-5 * slope)
        << "x=" << x;
  }
  // x = 0: P(alive) = 1, so t_x plays no part.
  EXPECT_DOUBLE_EQ(BgNbdConditionalExpectedPurchases(
                       kCdnow, {.x = 0, .t_x = 0, .T = 30}, 39),
                   BgNbdConditionalExpectedPurchases(
                       kCdnow, {.x = 0, .t_x = 30, .T = 30}, 39));
}

TEST(BgNbdConditionalExpectedPurchasesTest, LongHorizonIsPAliveTimesMeanLife) {
  // With a > 1, an alive customer makes 1/p more purchases on average:
  // E[1/p | alive] = (a+b+x−1)/(a−1), so E[X(∞)] = that · P(alive).
  const BgNbdParams p{.r = 0.5, .alpha = 2, .a = 3.5, .b = 3};
  for (double x : {0.0, 2.0, 10.0}) {
    const ClvSummary c{.x = x, .t_x = x > 0 ? 6.0 : 0.0, .T = 20};
    const double limit = (p.a + p.b + x - 1) / (p.a - 1) * BgNbdPAlive(p, c);
    EXPECT_NEAR(BgNbdConditionalExpectedPurchases(p, c, 1e9), limit,
                1e-4 * limit)
        << "x=" << x;
  }
}

TEST(BgNbdConditionalExpectedPurchasesTest, LargeFrequencyAndEdges) {
  // Heavy buyers: eq. 10's own 2F1 series grows past 1e300 before it
  // converges; the transformed one does not. References: mpmath, 30 digits.
  EXPECT_NEAR(BgNbdConditionalExpectedPurchases(
                  kCdnow, {.x = 2000, .t_x = 38.9, .T = 39}, 1),
              43.906239275248248, 1e-12 * 43.906239275248248);
  const double silent[][2] = {{1, 0},  // t, E (0: not computed)
                              {10, 6.1025929320009621e-15},
                              {52, 2.464633568168411e-14},
                              {520, 9.7468961717305719e-14}};
  double previous = 0;
  for (const auto& [t, expected] : silent) {
    // 2000 purchase days, none in the last week: almost surely gone.
    const double value = BgNbdConditionalExpectedPurchases(
        kCdnow, {.x = 2000, .t_x = 38, .T = 39}, t);
    EXPECT_TRUE(std::isfinite(value));
    EXPECT_GT(value, previous) << t;  // More time, more purchases.
    if (expected > 0) {
      EXPECT_NEAR(value, expected, 1e-9 * expected) << t;
    }
    previous = value;
  }
  EXPECT_EQ(BgNbdConditionalExpectedPurchases(kCdnow, {.x = 3, .T = 5}, 0), 0);
  EXPECT_EQ(BgNbdConditionalExpectedPurchases(kCdnow, {.x = 3, .T = 5}, -1), 0);
}

absl::Time At(int y, int m, int d, int hour = 12) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hour, 0, 0),
                         absl::UTCTimeZone());
}

OrderFact Order(absl::Time time, int64_t amount,
                const std::string& currency = "USD", int64_t refunded = 0) {
  OrderFact order;
  order.order_time = time;
  order.currency_code = currency;
  order.amount_minor = amount;
  order.refunded_minor = refunded;
  return order;
}

TEST(SummarizeCalibrationHoldoutTest, CountsHoldoutPurchaseDays) {
  const absl::Time calibration_end = At(2026, 3, 31, 0);
  const absl::Time holdout_end = At(2026, 6, 30, 0);
  const std::vector<OrderFact> orders = {
      Order(At(2026, 1, 5), 1000),
      Order(At(2026, 3, 31, 23), 500),         // Calibration's last day.
      Order(At(2026, 4, 1, 0), 100),           // Holdout's first day...
      Order(At(2026, 4, 1, 18), 100),          // ...counted once.
      Order(At(2026, 4, 9), 100, "CNY"),       // Another currency.
      Order(At(2026, 5, 2), 100, "USD", 100),  // Refunded in full.
      Order(At(2026, 5, 3), 100, "USD", 40),   // Refunded in part.
      Order(At(2026, 5, 4), 0),                // Zero value: a purchase.
      Order(At(2026, 6, 30, 23), 100),         // Holdout's last day.
      Order(At(2026, 7, 1, 0), 100),           // After the holdout.
  };
  std::optional<CalibrationHoldoutSummary> s = SummarizeCalibrationHoldout(
      orders, calibration_end, holdout_end, 7, "USD");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->calibration.x, 1);
  EXPECT_DOUBLE_EQ(s->calibration.T, 85.0 / 7);
  EXPECT_DOUBLE_EQ(s->calibration.t_x, 85.0 / 7);
  EXPECT_EQ(s->holdout_purchases, 4);  // Apr 1, May 3, May 4, Jun 30.
  EXPECT_DOUBLE_EQ(HoldoutLengthUnits(calibration_end, holdout_end, 7),
                   91.0 / 7);

  // A customer whose first purchase is in the holdout is not in the
  // calibration cohort; nor is one with no purchase in the currency.
  EXPECT_FALSE(SummarizeCalibrationHoldout({Order(At(2026, 4, 2), 100)},
                                           calibration_end, holdout_end, 7,
                                           "USD")
                   .has_value());
  EXPECT_FALSE(SummarizeCalibrationHoldout({Order(At(2026, 1, 2), 100, "CNY")},
                                           calibration_end, holdout_end, 7,
                                           "USD")
                   .has_value());
}

TEST(ClvCalibrationAccumulatorTest, GroupsByCalibrationFrequency) {
  ClvCalibrationAccumulator report(kCdnow, 39);
  const std::vector<CalibrationHoldoutSummary> customers = {
      {{.x = 0, .t_x = 0, .T = 30}, 1},   {{.x = 0, .t_x = 0, .T = 20}, 0},
      {{.x = 2, .t_x = 10, .T = 30}, 3},  {{.x = 7, .t_x = 25, .T = 30}, 5},
      {{.x = 20, .t_x = 30, .T = 38}, 9},
  };
  double predicted_total = 0;
  for (const CalibrationHoldoutSummary& c : customers) {
    report.Add(c);
    predicted_total +=
        BgNbdConditionalExpectedPurchases(kCdnow, c.calibration, 39);
  }
  const ClvCalibrationTable& table = report.table();
  EXPECT_EQ(table.groups[0].customers, 2);
  EXPECT_EQ(table.groups[0].actual_purchases, 1);
  EXPECT_DOUBLE_EQ(table.groups[0].MeanActual(), 0.5);
  EXPECT_DOUBLE_EQ(table.groups[0].MeanPredicted(),
                   (BgNbdConditionalExpectedPurchases(kCdnow, {.T = 30}, 39) +
                    BgNbdConditionalExpectedPurchases(kCdnow, {.T = 20}, 39)) /
                       2);
  EXPECT_EQ(table.groups[1].customers, 0);
  EXPECT_EQ(table.groups[1].MeanPredicted(), 0);
  EXPECT_EQ(table.groups[1].MeanActual(), 0);
  EXPECT_EQ(table.groups[2].customers, 1);
  EXPECT_EQ(table.groups[7].customers, 2);  // 7 and 20: 7+.
  EXPECT_EQ(table.groups[7].actual_purchases, 14);
  EXPECT_EQ(table.total.customers, 5);
  EXPECT_EQ(table.total.actual_purchases, 18);
  EXPECT_NEAR(table.total.predicted_purchases, predicted_total, 1e-12);
}

// The CDNOW sample with the published parameters, calibration to
// 1997-09-30, holdout to 1998-06-30 (39 weeks). Expected values: eq. 10 in
// mpmath (30 digits) over the same summaries, and the holdout purchase days
// counted from the file.
TEST(ClvCalibrationAccumulatorTest, CdnowWithThePublishedParameters) {
  const std::string path =
      std::string(__FILE__).substr(0, std::string(__FILE__).rfind('/')) +
      "/testdata/CDNOW_sample.txt";
  std::ifstream in(path);
  ASSERT_TRUE(in.is_open()) << path;
  std::map<std::string, std::vector<OrderFact>> orders;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string master, customer, date;
    int cds = 0;
    double dollars = 0;
    fields >> master >> customer >> date >> cds >> dollars;
    orders[customer].push_back(
        Order(At(std::stoi(date.substr(0, 4)), std::stoi(date.substr(4, 2)),
                 std::stoi(date.substr(6, 2))),
              std::llround(dollars * 100)));
  }
  const absl::Time calibration_end = At(1997, 9, 30, 0);
  const absl::Time holdout_end = At(1998, 6, 30, 0);
  const double t = HoldoutLengthUnits(calibration_end, holdout_end, 7);
  ASSERT_DOUBLE_EQ(t, 39);
  ClvCalibrationAccumulator report(kCdnow, t);
  for (const auto& [customer, facts] : orders) {
    std::optional<CalibrationHoldoutSummary> s = SummarizeCalibrationHoldout(
        facts, calibration_end, holdout_end, 7, "USD");
    ASSERT_TRUE(s.has_value()) << customer;  // All first bought in 1997 Q1.
    report.Add(*s);
  }
  const ClvCalibrationTable& table = report.table();
  const int64_t customers[] = {1411, 439, 214, 100, 62, 38, 29, 64};
  const int64_t actual[] = {334, 306, 298, 156, 157, 112, 112, 407};
  const double mean_predicted[] = {
      0.225450879157, 0.523176131644, 1.04416972017, 1.52029267981,
      2.16387473315,  2.65383166909,  3.50399065444, 6.15707176678};
  for (int x = 0; x < kClvCalibrationGroups; ++x) {
    EXPECT_EQ(table.groups[x].customers, customers[x]) << x;
    EXPECT_EQ(table.groups[x].actual_purchases, actual[x]) << x;
    EXPECT_NEAR(table.groups[x].MeanPredicted(), mean_predicted[x], 1e-10) << x;
  }
  EXPECT_EQ(table.total.customers, 2357);
  EXPECT_EQ(table.total.actual_purchases, 1882);
  EXPECT_NEAR(table.total.predicted_purchases, 1653.9412593133, 1e-7);
}

}  // namespace
}  // namespace crm::segmentation

// The CLV models: the published CDNOW fits (BG/NBD and Gamma-Gamma) to
// three significant figures, reached by the quasi-Newton search and a true
// maximum, the paper's conditional expectation, the grouped likelihoods
// against the papers' formulas customer by customer, parameter recovery on
// data simulated from known parameters, fits whose optimum lies at infinity,
// the summary of a customer's orders, FAILED_PRECONDITION when the data
// cannot support a fit, and the two minimisers. Deterministic (fixed
// seeds); about a second under ASan.
#include "services/segmentation/clv_model.h"

#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/error_details.h"
#include "services/segmentation/bfgs.h"
#include "services/segmentation/nelder_mead.h"
#include "tests/testing/status_matchers.h"

namespace crm::segmentation {
namespace {

using ::crm::testing::StatusIs;

// Rounds to three significant figures.
double ThreeFigures(double v) {
  const double scale =
      std::pow(10.0, 2 - static_cast<int>(std::floor(std::log10(std::abs(v)))));
  return std::round(v * scale) / scale;
}

absl::Time Date(int y, int m, int d) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, 12, 0, 0),
                         absl::UTCTimeZone());
}

// The CDNOW sample as orders per customer (dollars to cents).
std::map<std::string, std::vector<OrderFact>> LoadCdnow() {
  const std::string path =
      std::string(__FILE__).substr(0, std::string(__FILE__).rfind('/')) +
      "/testdata/CDNOW_sample.txt";
  std::ifstream in(path);
  EXPECT_TRUE(in.is_open()) << path;
  std::map<std::string, std::vector<OrderFact>> orders;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string master, customer, date;
    int cds = 0;
    double dollars = 0;
    fields >> master >> customer >> date >> cds >> dollars;
    OrderFact order;
    order.customer_id = customer;
    order.order_id = std::to_string(++n);
    order.order_time =
        Date(std::stoi(date.substr(0, 4)), std::stoi(date.substr(4, 2)),
             std::stoi(date.substr(6, 2)));
    order.currency_code = "USD";
    order.amount_minor = std::llround(dollars * 100);
    orders[customer].push_back(order);
  }
  EXPECT_EQ(n, 6919);
  return orders;
}

// The CDNOW customers summarised as of 1997-09-30, in weeks.
std::vector<ClvSummary> CdnowBase() {
  std::vector<ClvSummary> base;
  for (const auto& [customer, orders] : LoadCdnow()) {
    std::optional<ClvSummary> summary =
        SummarizeForClv(orders, Date(1997, 9, 30), 7.0, "USD");
    EXPECT_TRUE(summary.has_value());
    if (summary.has_value()) base.push_back(*summary);
  }
  return base;
}

TEST(ClvModelTest, CdnowFitsMatchThePublishedEstimates) {
  const std::vector<ClvSummary> base = CdnowBase();
  ASSERT_EQ(base.size(), 2357u);

  absl::StatusOr<BgNbdFit> purchases = FitBgNbd(base);
  ASSERT_THAT(purchases, crm::testing::IsOk());
  EXPECT_TRUE(purchases->converged);
  EXPECT_EQ(ThreeFigures(purchases->params.r), 0.243);
  EXPECT_EQ(ThreeFigures(purchases->params.alpha), 4.41);
  EXPECT_NEAR(purchases->params.alpha, 4.414, 0.0005);
  EXPECT_EQ(ThreeFigures(purchases->params.a), 0.793);
  EXPECT_EQ(ThreeFigures(purchases->params.b), 2.43);
  EXPECT_NEAR(purchases->params.b, 2.426, 0.0005);
  EXPECT_NEAR(purchases->log_likelihood, -9582.4, 0.05);
  // The quasi-Newton search converged on its own (Nelder-Mead takes about a
  // thousand evaluations).
  EXPECT_LT(purchases->evaluations, 200);

  absl::StatusOr<GammaGammaFit> spend = FitGammaGamma(base);
  ASSERT_THAT(spend, crm::testing::IsOk());
  EXPECT_TRUE(spend->converged);
  EXPECT_EQ(spend->customers, 946);
  EXPECT_EQ(ThreeFigures(spend->params.p), 6.25);
  EXPECT_EQ(ThreeFigures(spend->params.q), 3.74);
  EXPECT_EQ(ThreeFigures(spend->params.gamma / 100), 15.4);
  EXPECT_NEAR(spend->params.gamma / 100, 15.44, 0.005);
  EXPECT_LT(spend->evaluations, 200);

  // The paper's worked example: x = 2, t_x = 30.43, T = 38.86 expects 1.226
  // purchases in the next 39 weeks.
  ClvSummary example{.x = 2, .t_x = 30.43, .T = 38.86, .mean_repeat_value = 0};
  EXPECT_NEAR(BgNbdExpectedPurchases(purchases->params, example, 39), 1.226,
              0.0005);
}

// Customers simulated from BG/NBD and Gamma-Gamma with known parameters.
std::vector<ClvSummary> Simulate(int customers, uint64_t seed) {
  const double r = 0.5, alpha = 5, a = 0.8, b = 2.5, p = 6, q = 4, gamma = 1500;
  std::mt19937_64 rng(seed);
  std::vector<ClvSummary> base;
  for (int i = 0; i < customers; ++i) {
    const double lambda = std::gamma_distribution<double>(r, 1 / alpha)(rng);
    const double ga = std::gamma_distribution<double>(a, 1.0)(rng);
    const double gb = std::gamma_distribution<double>(b, 1.0)(rng);
    const double dropout = ga / (ga + gb);
    const double nu = std::gamma_distribution<double>(q, 1 / gamma)(rng);
    ClvSummary c;
    c.T = 20 + (i % 33);
    double t = 0, total = 0;
    while (true) {
      t += std::exponential_distribution<double>(lambda)(rng);
      if (t > c.T) break;
      c.x += 1;
      c.t_x = t;
      total += std::gamma_distribution<double>(p, 1 / nu)(rng);
      if (std::uniform_real_distribution<double>(0, 1)(rng) < dropout) break;
    }
    if (c.x > 0) c.mean_repeat_value = total / c.x;
    base.push_back(c);
  }
  return base;
}

TEST(ClvModelTest, RecoversSimulatedParameters) {
  const std::vector<ClvSummary> base = Simulate(5000, 1);
  absl::StatusOr<BgNbdFit> purchases = FitBgNbd(base);
  ASSERT_THAT(purchases, crm::testing::IsOk());
  EXPECT_NEAR(purchases->params.r, 0.5, 0.5 * 0.15);
  EXPECT_NEAR(purchases->params.alpha, 5, 5 * 0.15);
  EXPECT_NEAR(purchases->params.a, 0.8, 0.8 * 0.15);
  EXPECT_NEAR(purchases->params.b, 2.5, 2.5 * 0.15);
  absl::StatusOr<GammaGammaFit> spend = FitGammaGamma(base);
  ASSERT_THAT(spend, crm::testing::IsOk());
  EXPECT_NEAR(spend->params.p, 6, 6 * 0.15);
  EXPECT_NEAR(spend->params.q, 4, 4 * 0.15);
  EXPECT_NEAR(spend->params.gamma, 1500, 1500 * 0.15);
}

TEST(ClvModelTest, CdnowFitsAreMaximaOfTheLikelihood) {
  const std::vector<ClvSummary> base = CdnowBase();
  absl::StatusOr<BgNbdFit> purchases = FitBgNbd(base);
  ASSERT_THAT(purchases, crm::testing::IsOk());
  absl::StatusOr<GammaGammaFit> spend = FitGammaGamma(base);
  ASSERT_THAT(spend, crm::testing::IsOk());
  EXPECT_NEAR(BgNbdLogLikelihood(purchases->params, base),
              purchases->log_likelihood, 1e-6);
  EXPECT_NEAR(GammaGammaLogLikelihood(spend->params, base),
              spend->log_likelihood, 1e-6);
  // Moving any parameter by 0.1 % either way lowers the likelihood.
  for (int i = 0; i < 4; ++i) {
    for (double factor : {0.999, 1.001}) {
      BgNbdParams moved = purchases->params;
      double* fields[] = {&moved.r, &moved.alpha, &moved.a, &moved.b};
      *fields[i] *= factor;
      EXPECT_LT(BgNbdLogLikelihood(moved, base), purchases->log_likelihood)
          << "BG/NBD parameter " << i << " × " << factor;
    }
  }
  for (int i = 0; i < 3; ++i) {
    for (double factor : {0.999, 1.001}) {
      GammaGammaParams moved = spend->params;
      double* fields[] = {&moved.p, &moved.q, &moved.gamma};
      *fields[i] *= factor;
      EXPECT_LT(GammaGammaLogLikelihood(moved, base), spend->log_likelihood)
          << "Gamma-Gamma parameter " << i << " × " << factor;
    }
  }
}

// The papers' per-customer log-likelihoods, as written in clv_model.h.
double PaperBgNbd(const BgNbdParams& p, const ClvSummary& c) {
  auto log_beta = [](double a, double b) {
    return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
  };
  const double common = std::lgamma(p.r + c.x) - std::lgamma(p.r) +
                        p.r * std::log(p.alpha) - log_beta(p.a, p.b);
  const double alive =
      log_beta(p.a, p.b + c.x) - (p.r + c.x) * std::log(p.alpha + c.T);
  if (c.x <= 0) return common + alive;
  const double dropped = log_beta(p.a + 1, p.b + c.x - 1) -
                         (p.r + c.x) * std::log(p.alpha + c.t_x);
  const double m = std::max(alive, dropped);
  return common + m + std::log(std::exp(alive - m) + std::exp(dropped - m));
}
double PaperGammaGamma(const GammaGammaParams& g, const ClvSummary& c) {
  const double px = g.p * c.x, m = c.mean_repeat_value;
  return std::lgamma(px + g.q) - std::lgamma(px) - std::lgamma(g.q) +
         g.q * std::log(g.gamma) + (px - 1) * std::log(m) + px * std::log(c.x) -
         (px + g.q) * std::log(g.gamma + m * c.x);
}

TEST(ClvModelTest, GroupedLikelihoodsEqualThePapersFormulas) {
  // CDNOW (many equal summaries) and simulated customers (continuous t_x),
  // at moderate and at large parameters.
  std::vector<ClvSummary> base = CdnowBase();
  for (ClvSummary& c : base) c.mean_repeat_value /= 100;
  const std::vector<ClvSummary> simulated = Simulate(500, 3);
  base.insert(base.end(), simulated.begin(), simulated.end());
  for (const BgNbdParams& p :
       {BgNbdParams{0.243, 4.414, 0.793, 2.426}, BgNbdParams{3, 0.2, 40, 7},
        BgNbdParams{50, 300, 2000, 30000}}) {
    double paper = 0;
    for (const ClvSummary& c : base) {
      paper += PaperBgNbd(p, c);
      EXPECT_NEAR(BgNbdLogLikelihood(p, c), PaperBgNbd(p, c),
                  1e-9 * std::max(1.0, std::abs(PaperBgNbd(p, c))));
    }
    EXPECT_NEAR(BgNbdLogLikelihood(p, base), paper, 1e-9 * std::abs(paper))
        << p.r << " " << p.alpha << " " << p.a << " " << p.b;
  }
  for (const GammaGammaParams& g :
       {GammaGammaParams{6.25, 3.74, 15.44}, GammaGammaParams{0.5, 20, 900},
        GammaGammaParams{300, 5000, 2e5}}) {
    double paper = 0;
    for (const ClvSummary& c : base) {
      if (c.x > 0 && c.mean_repeat_value > 0) paper += PaperGammaGamma(g, c);
    }
    EXPECT_NEAR(GammaGammaLogLikelihood(g, base), paper, 1e-9 * std::abs(paper))
        << g.p << " " << g.q << " " << g.gamma;
  }
}

TEST(ClvModelTest, FitsWhoseOptimumIsAtInfinityStayFinite) {
  // Every customer drops out with the same probability 0.1 and spends
  // Gamma(5, rate ν = 1/200) per purchase: without heterogeneity the
  // likelihoods grow towards a, b → ∞ at a/(a+b) = 0.1, and q, γ → ∞ at
  // q/γ = ν. The fits stop on the plateau, finite, with the ratios the
  // data hold.
  std::mt19937_64 rng(7);
  std::vector<ClvSummary> base;
  for (int i = 0; i < 4000; ++i) {
    const double lambda = std::gamma_distribution<double>(0.8, 1 / 4.0)(rng);
    ClvSummary c;
    c.T = 20 + (i % 33);
    double t = 0, total = 0;
    while (true) {
      t += std::exponential_distribution<double>(lambda)(rng);
      if (t > c.T) break;
      c.x += 1;
      c.t_x = t;
      total += std::gamma_distribution<double>(5, 1000 / 5.0)(rng);
      if (std::uniform_real_distribution<double>(0, 1)(rng) < 0.1) break;
    }
    if (c.x > 0) c.mean_repeat_value = total / c.x;
    base.push_back(c);
  }
  absl::StatusOr<BgNbdFit> purchases = FitBgNbd(base);
  ASSERT_THAT(purchases, crm::testing::IsOk());
  EXPECT_TRUE(std::isfinite(purchases->log_likelihood));
  EXPECT_GT(purchases->params.a, 100);
  EXPECT_NEAR(purchases->params.a / (purchases->params.a + purchases->params.b),
              0.1, 0.02);
  absl::StatusOr<GammaGammaFit> spend = FitGammaGamma(base);
  ASSERT_THAT(spend, crm::testing::IsOk());
  EXPECT_TRUE(std::isfinite(spend->log_likelihood));
  EXPECT_GT(spend->params.q, 100);
  EXPECT_NEAR(spend->params.p, 5, 0.5);
  EXPECT_NEAR(spend->params.gamma / spend->params.q, 200, 20);
}

TEST(ClvModelTest, DataWithoutRepeatsCannotBeFitted) {
  std::vector<ClvSummary> one_timers(10, ClvSummary{0, 0, 30, 0});
  EXPECT_THAT(FitBgNbd(one_timers),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(FitGammaGamma(one_timers),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(FitBgNbd({}), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(ClvModelTest, PredictionsAreFiniteAndBounded) {
  const BgNbdParams params{0.243, 4.414, 0.793, 2.426};
  const GammaGammaParams spend{6.25, 3.74, 1544};
  // No repeat purchase: alive for sure (BG/NBD drops out only after a
  // repeat purchase).
  EXPECT_EQ(BgNbdPAlive(params, ClvSummary{0, 0, 30, 0}), 1.0);
  // Many purchases long ago: almost surely gone, yet no NaN.
  ClvSummary gone{200, 1, 1000, 2000};
  EXPECT_GE(BgNbdPAlive(params, gone), 0.0);
  EXPECT_LT(BgNbdPAlive(params, gone), 1e-6);
  EXPECT_TRUE(std::isfinite(BgNbdExpectedPurchases(params, gone, 52)));
  ClvSummary regular{10, 38, 39, 2500};
  EXPECT_GT(BgNbdPAlive(params, regular), 0.9);
  const double clv =
      CustomerLifetimeValue(params, spend, regular, ClvOptions{});
  EXPECT_GT(clv, 0);
  // Discounting lowers the value; a longer horizon raises it.
  EXPECT_LT(clv,
            CustomerLifetimeValue(params, spend, regular, ClvOptions{52, 0.0}));
  EXPECT_GT(
      CustomerLifetimeValue(params, spend, regular, ClvOptions{104, 0.0019}),
      clv);
}

TEST(ClvModelTest, SummaryCountsRepeatDaysUpToTheObservationEnd) {
  auto order = [](absl::Time time, int64_t amount, int64_t refunded = 0,
                  const std::string& currency = "USD") {
    OrderFact o;
    o.order_time = time;
    o.amount_minor = amount;
    o.refunded_minor = refunded;
    o.currency_code = currency;
    return o;
  };
  std::vector<OrderFact> orders = {
      order(Date(2026, 1, 1), 100),
      order(Date(2026, 1, 1), 50),
      order(Date(2026, 1, 8), 300),
      order(Date(2026, 1, 15), 700, 200),
      order(Date(2026, 1, 22), 900, 900),       // refunded in full: ignored
      order(Date(2026, 1, 22), 999, 0, "CNY"),  // other currency: ignored
      order(Date(2026, 3, 1), 5000)};           // after the end: ignored
  std::optional<ClvSummary> summary =
      SummarizeForClv(orders, Date(2026, 1, 29), 7.0, "USD");
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->x, 2);
  EXPECT_DOUBLE_EQ(summary->t_x, 2.0);
  EXPECT_DOUBLE_EQ(summary->T, 4.0);
  EXPECT_DOUBLE_EQ(summary->mean_repeat_value, (300 + 500) / 2.0);
  EXPECT_FALSE(
      SummarizeForClv(orders, Date(2025, 12, 31), 7.0, "USD").has_value());
}

TEST(ClvModelTest, PurchasesSummariseInAnyOrder) {
  // Two orders on day 10, one each on days 3 and 12 (unsorted), one after
  // the last day: first day 3, repeat days 10 and 12.
  const std::vector<ClvPurchase> purchases = {
      {10, 200}, {3, 50}, {12, 700}, {10, 100}, {20, 999}};
  std::optional<ClvSummary> summary =
      SummarizePurchasesForClv(purchases, 17, 7.0);
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->x, 2);
  EXPECT_DOUBLE_EQ(summary->t_x, 9 / 7.0);
  EXPECT_DOUBLE_EQ(summary->T, 14 / 7.0);
  EXPECT_DOUBLE_EQ(summary->mean_repeat_value, (300 + 700) / 2.0);
  EXPECT_FALSE(SummarizePurchasesForClv(purchases, 2, 7.0).has_value());
  EXPECT_FALSE(SummarizePurchasesForClv({}, 2, 7.0).has_value());

  OrderFact order;
  order.order_time = Date(1970, 1, 3);
  order.currency_code = "USD";
  order.amount_minor = 500;
  order.refunded_minor = 200;
  std::optional<ClvPurchase> purchase = ClvPurchaseOf(order, "USD", 2);
  ASSERT_TRUE(purchase.has_value());
  EXPECT_EQ(purchase->utc_day, 2);
  EXPECT_EQ(purchase->net_minor, 300);
  EXPECT_FALSE(ClvPurchaseOf(order, "USD", 1).has_value());
  EXPECT_FALSE(ClvPurchaseOf(order, "CNY", 2).has_value());
  order.refunded_minor = 500;
  EXPECT_FALSE(ClvPurchaseOf(order, "USD", 2).has_value());
}

TEST(ClvModelTest, HypergeometricSeries) {
  // 2F1(1, 1; 2; z) = −ln(1 − z) / z.
  EXPECT_NEAR(Hypergeometric2F1(1, 1, 2, 0.5), -std::log(0.5) / 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(Hypergeometric2F1(3, 4, 5, 0), 1.0);
}

TEST(NelderMeadTest, FindsTheRosenbrockMinimum) {
  NelderMeadResult result = MinimizeNelderMead(
      [](const std::vector<double>& v) {
        return 100 * std::pow(v[1] - v[0] * v[0], 2) + std::pow(1 - v[0], 2);
      },
      {-1.2, 1.0});
  EXPECT_TRUE(result.converged);
  EXPECT_NEAR(result.x[0], 1.0, 1e-4);
  EXPECT_NEAR(result.x[1], 1.0, 1e-4);
}

TEST(BfgsTest, FindsTheRosenbrockMinimum) {
  BfgsResult result = MinimizeBfgs(
      [](const std::vector<double>& v, std::vector<double>& gradient) {
        gradient = {-400 * v[0] * (v[1] - v[0] * v[0]) - 2 * (1 - v[0]),
                    200 * (v[1] - v[0] * v[0])};
        return 100 * std::pow(v[1] - v[0] * v[0], 2) + std::pow(1 - v[0], 2);
      },
      {-1.2, 1.0});
  EXPECT_TRUE(result.converged);
  EXPECT_NEAR(result.x[0], 1.0, 1e-6);
  EXPECT_NEAR(result.x[1], 1.0, 1e-6);
  EXPECT_LT(result.evaluations, 200);
}

TEST(BfgsTest, FollowsAValleyToItsBound) {
  // e^−x + (y − x − 30)²: decreasing for ever along y = x + 30, which meets
  // the bound y = 40 at x = 10, where the minimum within the box is.
  BfgsResult result = MinimizeBfgs(
      [](const std::vector<double>& v, std::vector<double>& gradient) {
        const double d = v[1] - v[0] - 30;
        gradient = {-std::exp(-v[0]) - 2 * d, 2 * d};
        return std::exp(-v[0]) + d * d;
      },
      {0.0, 0.0}, BfgsOptions{.bound = 40});
  EXPECT_TRUE(result.converged);
  EXPECT_NEAR(result.x[0], 10, 1e-4);
  EXPECT_EQ(result.x[1], 40);
  EXPECT_LT(result.evaluations, 300);
}

TEST(BfgsTest, StepsBackFromWhereTheObjectiveIsUndefined) {
  // ln-barrier: undefined (NaN) for x <= 0, minimum at x = 1.
  BfgsResult result = MinimizeBfgs(
      [](const std::vector<double>& v, std::vector<double>& gradient) {
        gradient = {1 - 1 / v[0]};
        return v[0] - std::log(v[0]);
      },
      {30.0});
  EXPECT_TRUE(result.converged);
  EXPECT_NEAR(result.x[0], 1.0, 1e-6);
}

}  // namespace
}  // namespace crm::segmentation

// The CLV models: the published CDNOW fits (BG/NBD and Gamma-Gamma) to
// three significant figures, the paper's conditional expectation, parameter
// recovery on data simulated from known parameters, the summary of a
// customer's orders, and FAILED_PRECONDITION when the data cannot support a
// fit. Deterministic (fixed seeds); about a second under ASan.
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

TEST(ClvModelTest, CdnowFitsMatchThePublishedEstimates) {
  std::vector<ClvSummary> base;
  for (const auto& [customer, orders] : LoadCdnow()) {
    std::optional<ClvSummary> summary =
        SummarizeForClv(orders, Date(1997, 9, 30), 7.0, "USD");
    ASSERT_TRUE(summary.has_value());
    base.push_back(*summary);
  }
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

  absl::StatusOr<GammaGammaFit> spend = FitGammaGamma(base);
  ASSERT_THAT(spend, crm::testing::IsOk());
  EXPECT_TRUE(spend->converged);
  EXPECT_EQ(spend->customers, 946);
  EXPECT_EQ(ThreeFigures(spend->params.p), 6.25);
  EXPECT_EQ(ThreeFigures(spend->params.q), 3.74);
  EXPECT_EQ(ThreeFigures(spend->params.gamma / 100), 15.4);
  EXPECT_NEAR(spend->params.gamma / 100, 15.44, 0.005);

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

}  // namespace
}  // namespace crm::segmentation

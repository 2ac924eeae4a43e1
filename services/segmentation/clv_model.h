// Probabilistic customer lifetime value, as pure functions:
//   BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy
//   Way") for repeat purchases and P(alive), and the Gamma-Gamma spend model
//   (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value Curves";
//   Fader & Hardie 2013 note), both fitted by maximum likelihood.
//
//   std::vector<ClvSummary> base = ...;  // SummarizeForClv() per customer
//   CRM_ASSIGN_OR_RETURN(BgNbdFit purchases, FitBgNbd(base));
//   CRM_ASSIGN_OR_RETURN(GammaGammaFit spend, FitGammaGamma(base));
//   double alive = BgNbdPAlive(purchases.params, base[0]);
//   double clv = CustomerLifetimeValue(purchases.params, spend.params,
//                                      base[0], {.horizon_units = 52});
//
// Data per customer (ClvSummary), in a time unit of `days_per_unit` days
// (7: weeks): purchases are counted per distinct UTC purchase day, as in the
// paper; x = repeat purchase days (all days but the first), t_x = time from
// the first to the last purchase day, T = time from the first purchase day
// to the observation end's day; m = mean value of the repeat purchase days
// (each day's orders summed, net of refunds).
//
// BG/NBD, per customer (B = the beta function):
//   L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
//     + [x > 0] B(a+1, b+x−1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))
// summed in log space (log-sum-exp). P(alive | x, t_x, T) =
//   1 / (1 + [x > 0] a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)),
// and expected purchases in the next t units (the paper's eq. 10)
//   E[Y(t)] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x)
//             · 2F1(r+x, b+x; a+b+x−1; t/(α+T+t))] · P(alive).
// Gamma-Gamma, per customer with x > 0 and mean m:
//   ln L = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m + px ln x
//          − (px+q) ln(γ + m x),
// expected spend per purchase E[M | x, m] = p (γ + m x) / (px + q − 1).
// CLV over H units at a discount rate d per unit:
//   CLV = Σ_{k=1..H} (E[Y(k)] − E[Y(k−1)]) · E[M] / (1+d)^k.
// Fits maximise the log-likelihood over the logarithms of the parameters
// (so they stay positive) with Nelder-Mead (nelder_mead.h).
// Assumptions (the models'): while alive, a customer buys as a Poisson
// process with rate λ ~ Gamma(r, α); after each purchase they drop out with
// probability p ~ Beta(a, b); spend per purchase is independent of the
// purchase process, Gamma(p, ν) around a customer mean with ν ~ Gamma(q, γ).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/segmentation/read_model.h"

namespace crm::segmentation {

struct ClvSummary {
  double x = 0;    // Repeat purchase days.
  double t_x = 0;  // First to last purchase day, in time units.
  double T = 0;    // First purchase day to the observation end, in units.
  double mean_repeat_value = 0;  // Minor units; 0 when x == 0.
};

// The summary of one customer's `orders` as of `observation_end` (orders on
// later UTC days are ignored; the whole day of observation_end counts).
// Only orders in `currency_code` count, and not those refunded in full
// (zero-value orders do). nullopt if no such order remains.
std::optional<ClvSummary> SummarizeForClv(const std::vector<OrderFact>& orders,
                                          absl::Time observation_end,
                                          double days_per_unit,
                                          const std::string& currency_code);

// One order as the summary counts it: its UTC day (days since 1970-01-01)
// and its net amount (amount − refunded).
struct ClvPurchase {
  int64_t utc_day = 0;
  int64_t net_minor = 0;
};
// `order` as a purchase, or nullopt if the summary ignores it: another
// currency than `currency_code`, refunded in full (refunded > 0 and net
// <= 0), or on a UTC day after `last_utc_day`.
std::optional<ClvPurchase> ClvPurchaseOf(const OrderFact& order,
                                         absl::string_view currency_code,
                                         int64_t last_utc_day);
// The summary of one customer's purchases (any order) as of the end of UTC
// day `last_utc_day`: SummarizeForClv of the orders they came from.
// Purchases after that day are ignored; nullopt if none remains.
std::optional<ClvSummary> SummarizePurchasesForClv(
    const std::vector<ClvPurchase>& purchases, int64_t last_utc_day,
    double days_per_unit);

struct BgNbdParams {
  double r = 0, alpha = 0, a = 0, b = 0;
};
struct GammaGammaParams {
  double p = 0, q = 0, gamma = 0;
};

// Log-likelihood of one customer, and of a customer base (sum).
double BgNbdLogLikelihood(const BgNbdParams& params, const ClvSummary& c);
double BgNbdLogLikelihood(const BgNbdParams& params,
                          const std::vector<ClvSummary>& base);
// Log-likelihood of the customers with x > 0.
double GammaGammaLogLikelihood(const GammaGammaParams& params,
                               const std::vector<ClvSummary>& base);

struct BgNbdFit {
  BgNbdParams params;
  double log_likelihood = 0;
  bool converged = false;
  int evaluations = 0;
};
struct GammaGammaFit {
  GammaGammaParams params;
  double log_likelihood = 0;
  bool converged = false;
  int evaluations = 0;
  int64_t customers = 0;  // Customers with x > 0 the fit used.
};

// Maximum-likelihood fits. FAILED_PRECONDITION when the data cannot support
// a fit: BG/NBD needs at least 2 customers and some repeat purchases;
// Gamma-Gamma at least 2 customers with x > 0 and positive means. A fit that
// ends in a non-finite likelihood is FAILED_PRECONDITION too.
absl::StatusOr<BgNbdFit> FitBgNbd(const std::vector<ClvSummary>& base);
absl::StatusOr<GammaGammaFit> FitGammaGamma(
    const std::vector<ClvSummary>& base);

// P(alive) in [0, 1].
double BgNbdPAlive(const BgNbdParams& params, const ClvSummary& c);
// Expected repeat purchases in the next `t` units (>= 0).
double BgNbdExpectedPurchases(const BgNbdParams& params, const ClvSummary& c,
                              double t);
// Expected value per future purchase (minor units).
double GammaGammaExpectedValue(const GammaGammaParams& params,
                               const ClvSummary& c);

struct ClvOptions {
  int horizon_units = 52;
  double discount_rate_per_unit = 0.0019;  // About 10 % a year in weeks.
};
// CLV in minor units over the horizon, discounted (formula above).
double CustomerLifetimeValue(const BgNbdParams& purchases,
                             const GammaGammaParams& spend, const ClvSummary& c,
                             const ClvOptions& options);

// Gauss's hypergeometric 2F1(a, b; c; z) for 0 <= z < 1, by its series.
double Hypergeometric2F1(double a, double b, double c, double z);

}  // namespace crm::segmentation

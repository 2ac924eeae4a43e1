// The calibration/holdout check of a BG/NBD model, as pure functions: the
// figure of conditional expectations of Fader, Hardie & Lee (2005),
// "Counting Your Customers the Easy Way". The model is fitted on a
// calibration period (up to its observation end); for each customer of the
// calibration cohort the model's conditional expectation of repeat
// purchases in the holdout period is set against the repeat purchases the
// customer actually made there, grouped by the customer's repeat purchases
// in the calibration period (x = 0, 1, ..., 6 and 7+).
//
//   ClvCalibrationAccumulator report(model.purchases.params, holdout_units);
//   for (each customer's orders) {
//     std::optional<CalibrationHoldoutSummary> s = SummarizeCalibrationHoldout(
//         orders, calibration_end, holdout_end, days_per_unit, currency);
//     if (s.has_value()) report.Add(*s);
//   }
//   const ClvCalibrationTable& table = report.table();
//
// Conditional expectation (the paper's eq. 10), for t units after T:
//   E[X(t) | x, t_x, T] = (a+b+x−1)/(a−1)
//       · [1 − ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x−1; z)] · P(alive),
//   z = t/(α+T+t).
// Evaluated without its two numerical traps (large x makes the 2F1 series
// grow before it converges; a near 1 makes the bracket and a−1 vanish
// together): Euler's transformation 2F1(A,B;C;z) = (1−z)^(C−A−B)
// 2F1(C−A, C−B; C; z) turns the bracket into 1 − (1−z)^(a−1) F with
// F = 2F1(a+b−1−r, a−1; a+b−1+x; z), whose terms shrink from the first for
// any x; and since (a−1)_k = (a−1)(a)_(k−1), the division by a−1 is done
// term by term:
//   E = (a+b+x−1) · [−expm1((a−1) ln(1−z))/(a−1) − (1−z)^(a−1) G] · P(alive),
//   G = Σ_{k≥1} (a+b−1−r)_k (a)_(k−1) z^k / ((a+b−1+x)_k k!),
// with the powers and P(alive) in log space.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/segmentation/clv_model.h"
#include "services/segmentation/read_model.h"

namespace crm::segmentation {

// E[X(t) | x, t_x, T]: expected repeat purchases in the next `t` units of
// a customer with calibration summary `c` (formula above). 0 for t <= 0;
// finite and >= 0 for positive finite parameters.
double BgNbdConditionalExpectedPurchases(const BgNbdParams& params,
                                         const ClvSummary& c, double t);

// One customer of the calibration cohort.
struct CalibrationHoldoutSummary {
  ClvSummary calibration;  // As SummarizeForClv as of the calibration end.
  // Purchase days in the holdout: distinct UTC days after the calibration
  // end's day up to and including the holdout end's day, counted as the fit
  // counts purchases (the same currency; orders refunded in full left out).
  int64_t holdout_purchases = 0;
};

// The customer's summary, or nullopt if they made no purchase (as the fit
// counts them) on or before the calibration end's day: customers who
// started in the holdout are not in the calibration cohort. Orders after
// the holdout end's day are ignored.
std::optional<CalibrationHoldoutSummary> SummarizeCalibrationHoldout(
    const std::vector<OrderFact>& orders, absl::Time calibration_end,
    absl::Time holdout_end, double days_per_unit,
    const std::string& currency_code);

// The holdout's length in units: whole UTC days after the calibration end's
// day up to the holdout end's day, over `days_per_unit`.
double HoldoutLengthUnits(absl::Time calibration_end, absl::Time holdout_end,
                          double days_per_unit);

// Groups by calibration repeat purchases: x = 0 .. kClvCalibrationGroups−2,
// and the last group x >= kClvCalibrationGroups−1 (7+).
inline constexpr int kClvCalibrationGroups = 8;

struct ClvCalibrationGroup {
  int64_t customers = 0;
  double predicted_purchases = 0;  // Σ E[X(t) | x, t_x, T].
  int64_t actual_purchases = 0;    // Σ holdout purchase days.
  // Means over the group's customers (0 for an empty group).
  double MeanPredicted() const;
  double MeanActual() const;
};

struct ClvCalibrationTable {
  std::array<ClvCalibrationGroup, kClvCalibrationGroups> groups;
  ClvCalibrationGroup total;
};

// Builds the table one customer at a time (a streaming read holds one
// customer's orders at once).
class ClvCalibrationAccumulator {
 public:
  ClvCalibrationAccumulator(const BgNbdParams& params, double holdout_units)
      : params_(params), holdout_units_(holdout_units) {}

  void Add(const CalibrationHoldoutSummary& customer);
  const ClvCalibrationTable& table() const { return table_; }

 private:
  BgNbdParams params_;
  double holdout_units_;
  ClvCalibrationTable table_;
};

}  // namespace crm::segmentation

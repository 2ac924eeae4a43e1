// RFM scoring as pure functions: recency, frequency and monetary scores 1–5
// by quintiles of the active population, the RFM cell ("545") and the named
// RFM segment from a configurable first-match mapping.
//
//   RfmBoundaries bounds = ComputeRfmBoundaries(population);   // full pass
//   RfmScore score = ScoreRfm(bounds, inputs);                 // per customer
//   std::string segment = NamedRfmSegment(DefaultRfmSegmentMap(), score);
//
// Definitions (README.md "RFM"):
//   recency   = the last order time (later = better);
//   frequency = the number of orders;
//   monetary  = the net total in the scoring currency (minor units).
// The active population is every customer with at least one order. Values
// sorted ascending x_0 <= ... <= x_{n-1}; a value v scores
//   1 + #{k in 1..4 : v > t_k},  t_k = x_{ceil(k n / 5) - 1}
// i.e. 1 + floor(5 c / n) where c = how many customers have a strictly
// smaller value. Ties are never split: customers with equal values get the
// same score (the lower one of their group), so the result depends only on
// the values, never on ids or order. Scoring one customer against stored
// boundaries (the per-event path) and a full recompute that stores new
// boundaries give identical scores for the same boundaries.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace crm::segmentation {

// What RFM is computed from for one customer.
struct RfmInputs {
  absl::Time last_order_time;
  int64_t frequency = 0;
  int64_t monetary_minor = 0;
};

// The active population's RFM inputs, each dimension on its own and in any
// order: a dimension's cut points depend only on its own values, so the
// values need not be paired by customer. Recency as Unix microseconds.
struct RfmPopulation {
  std::vector<int64_t> recency;
  std::vector<int64_t> frequency;
  std::vector<int64_t> monetary;
};

// Quintile cut points t_1..t_4 per dimension (recency as Unix microseconds).
// With an empty population every cut is INT64_MIN (any later value would
// score 5 until the next full recompute).
struct RfmBoundaries {
  int64_t population = 0;
  std::array<int64_t, 4> recency{};
  std::array<int64_t, 4> frequency{};
  std::array<int64_t, 4> monetary{};

  bool operator==(const RfmBoundaries&) const = default;
};

struct RfmScore {
  int recency = 0;    // 1..5; 0 = not scored (no orders).
  int frequency = 0;  // 1..5
  int monetary = 0;   // 1..5

  // "545": recency, frequency, monetary digits; empty when not scored.
  std::string Cell() const;
  bool operator==(const RfmScore&) const = default;
};

// Cut points of `values` (any order) as the file comment defines them.
std::array<int64_t, 4> QuintileCuts(std::vector<int64_t> values);

// 1 + the number of cuts `value` is strictly above.
int QuintileScore(const std::array<int64_t, 4>& cuts, int64_t value);

// Boundaries of the active population `population`.
RfmBoundaries ComputeRfmBoundaries(const std::vector<RfmInputs>& population);
// The same from the dimensions' values; `population.recency` holds one
// value per active customer, and so must the other two.
RfmBoundaries ComputeRfmBoundaries(RfmPopulation population);

// The scores of `inputs` against `boundaries`; all 0 if `inputs.frequency`
// is 0 (a prospect is not scored).
RfmScore ScoreRfm(const RfmBoundaries& boundaries, const RfmInputs& inputs);

// One line of the segment map: the first rule whose ranges (inclusive)
// contain the score names the segment.
struct RfmSegmentRule {
  std::string name;
  int recency_min = 1, recency_max = 5;
  int frequency_min = 1, frequency_max = 5;
  int monetary_min = 1, monetary_max = 5;
};

// The default map over recency and frequency (monetary refines only through
// a custom map). It covers all 25 (R, F) pairs:
//   Champions            R 5,    F 4–5
//   Loyal Customers      R 3–4,  F 4–5
//   Can't Lose Them      R 1–2,  F 5
//   At Risk              R 1–2,  F 3–4
//   Lost                 R 1,    F 1
//   Hibernating          R 1–2,  F 1–2
//   Need Attention       R 3,    F 3
//   About to Sleep       R 3,    F 1–2
//   Potential Loyalists  R 4–5,  F 2–3
//   Promising            R 4,    F 1
//   New Customers        R 5,    F 1
const std::vector<RfmSegmentRule>& DefaultRfmSegmentMap();

// The name of the first rule of `map` containing `score`; empty when none
// does or the score is not set.
std::string NamedRfmSegment(const std::vector<RfmSegmentRule>& map,
                            const RfmScore& score);

}  // namespace crm::segmentation

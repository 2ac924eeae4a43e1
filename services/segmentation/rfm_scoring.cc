#include "services/segmentation/rfm_scoring.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace crm::segmentation {

std::string RfmScore::Cell() const {
  if (recency == 0) return "";
  return absl::StrCat(recency, frequency, monetary);
}

std::array<int64_t, 4> QuintileCuts(std::vector<int64_t> values) {
  std::array<int64_t, 4> cuts{};
  const int64_t n = static_cast<int64_t>(values.size());
  if (n == 0) {
    cuts.fill(INT64_MIN);
    return cuts;
  }
  // The four order statistics x_{m-1}, selected left to right: each
  // selection leaves everything after its position no smaller, so the next
  // one searches only the rest (linear time; a sort is n log n).
  auto from = values.begin();
  for (int k = 1; k <= 4; ++k) {
    const int64_t m = (k * n + 4) / 5;  // ceil(k n / 5) >= 1 for n >= 1.
    const auto at = values.begin() + (m - 1);
    std::nth_element(from, at, values.end());
    cuts[k - 1] = *at;
    from = at;
  }
  return cuts;
}

int QuintileScore(const std::array<int64_t, 4>& cuts, int64_t value) {
  int score = 1;
  for (int64_t cut : cuts) {
    if (value > cut) ++score;
  }
  return score;
}

RfmBoundaries ComputeRfmBoundaries(const std::vector<RfmInputs>& population) {
  RfmPopulation values;
  for (const RfmInputs& inputs : population) {
    if (inputs.frequency <= 0) continue;
    values.recency.push_back(absl::ToUnixMicros(inputs.last_order_time));
    values.frequency.push_back(inputs.frequency);
    values.monetary.push_back(inputs.monetary_minor);
  }
  return ComputeRfmBoundaries(std::move(values));
}

RfmBoundaries ComputeRfmBoundaries(RfmPopulation population) {
  RfmBoundaries boundaries;
  boundaries.population = static_cast<int64_t>(population.recency.size());
  boundaries.recency = QuintileCuts(std::move(population.recency));
  boundaries.frequency = QuintileCuts(std::move(population.frequency));
  boundaries.monetary = QuintileCuts(std::move(population.monetary));
  return boundaries;
}

RfmScore ScoreRfm(const RfmBoundaries& boundaries, const RfmInputs& inputs) {
  if (inputs.frequency <= 0) return RfmScore{};
  return RfmScore{
      .recency = QuintileScore(boundaries.recency,
                               absl::ToUnixMicros(inputs.last_order_time)),
      .frequency = QuintileScore(boundaries.frequency, inputs.frequency),
      .monetary = QuintileScore(boundaries.monetary, inputs.monetary_minor)};
}

const std::vector<RfmSegmentRule>& DefaultRfmSegmentMap() {
  static const std::vector<RfmSegmentRule>* const map =
      new std::vector<RfmSegmentRule>{
          {"Champions", 5, 5, 4, 5},
          {"Loyal Customers", 3, 4, 4, 5},
          {"Can't Lose Them", 1, 2, 5, 5},
          {"At Risk", 1, 2, 3, 4},
          {"Lost", 1, 1, 1, 1},
          {"Hibernating", 1, 2, 1, 2},
          {"Need Attention", 3, 3, 3, 3},
          {"About to Sleep", 3, 3, 1, 2},
          {"Potential Loyalists", 4, 5, 2, 3},
          {"Promising", 4, 4, 1, 1},
          {"New Customers", 5, 5, 1, 1},
      };
  return *map;
}

std::string NamedRfmSegment(const std::vector<RfmSegmentRule>& map,
                            const RfmScore& score) {
  if (score.recency == 0) return "";
  for (const RfmSegmentRule& rule : map) {
    if (score.recency >= rule.recency_min &&
        score.recency <= rule.recency_max &&
        score.frequency >= rule.frequency_min &&
        score.frequency <= rule.frequency_max &&
        score.monetary >= rule.monetary_min &&
        score.monetary <= rule.monetary_max) {
      return rule.name;
    }
  }
  return "";
}

}  // namespace crm::segmentation

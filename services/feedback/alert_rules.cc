#include "services/feedback/alert_rules.h"

#include <algorithm>
#include <cmath>

#include "services/feedback/text_lexicon.h"

namespace crm::feedback {

SpikeBaseline ComputeSpikeBaseline(const std::vector<int64_t>& hourly_counts) {
  SpikeBaseline baseline;
  if (!hourly_counts.empty()) {
    double sum = 0;
    for (int64_t count : hourly_counts) sum += static_cast<double>(count);
    baseline.mean = sum / static_cast<double>(hourly_counts.size());
    double squares = 0;
    for (int64_t count : hourly_counts) {
      const double d = static_cast<double>(count) - baseline.mean;
      squares += d * d;
    }
    baseline.deviation =
        std::sqrt(squares / static_cast<double>(hourly_counts.size()));
  }
  const double spread = std::max(baseline.deviation, std::sqrt(baseline.mean));
  baseline.threshold = std::max<int64_t>(
      kMinSpikeCount, static_cast<int64_t>(std::ceil(
                          baseline.mean + kSpikeDeviations * spread)));
  return baseline;
}

bool IsNegativeFeedback(const FeedbackRecord& item) {
  return item.type == v1::Feedback::COMPLAINT ||
         (item.analysis.has_value() &&
          item.analysis->sentiment() == v1::TextAnalysis::NEGATIVE);
}

std::string SpikeCategoryOf(const FeedbackRecord& item) {
  if (item.analysis.has_value() && !item.analysis->category().empty()) {
    return item.analysis->category();
  }
  return kOtherCategory;
}

absl::Time UtcHourStart(absl::Time time) {
  return absl::FromUnixSeconds(absl::ToUnixSeconds(time) -
                               ((absl::ToUnixSeconds(time) % 3600) + 3600) %
                                   3600);
}

bool IsHighValueNegativeFeedback(const FeedbackRecord& item, ValueTier tier) {
  return !item.customer_id.empty() && tier == ValueTier::kHigh &&
         IsNegativeFeedback(item);
}

bool HasNpsDetractorAnswer(const std::vector<ScoredAnswer>& scored) {
  return std::any_of(scored.begin(), scored.end(), [](const ScoredAnswer& a) {
    return a.kind == v1::SurveyQuestion::NPS && a.score >= 0 &&
           a.score <= kMaxDetractorScore;
  });
}

bool IsTopTierDetractor(const std::string& customer_id,
                        const std::vector<ScoredAnswer>& scored,
                        LoyaltyTierStanding standing) {
  return !customer_id.empty() && standing == LoyaltyTierStanding::kTopTier &&
         HasNpsDetractorAnswer(scored);
}

}  // namespace crm::feedback

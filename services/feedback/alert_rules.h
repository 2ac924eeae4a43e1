// The rules of feedback's alerts, as pure functions.
//
// Complaint spike: the negative items of a category (type COMPLAINT or
// sentiment NEGATIVE; the category of the analysis, "other" without one)
// are counted per UTC hour. The baseline of a category is the mean m and
// standard deviation s of its hourly counts over the previous four weeks
// (672 hours; hours without items count as 0). The hour being counted is a
// spike once its count reaches
//     threshold = max(5, ceil(m + 3 * max(s, sqrt(m))))
// — three deviations above the mean, the deviation never below the Poisson
// deviation sqrt(m) of a steady rate (so a flat baseline does not alert on
// noise), and at least 5 items (so a quiet category does not alert on two).
//
//   const SpikeBaseline baseline = ComputeSpikeBaseline(hourly_counts);
//   if (observed >= baseline.threshold) ...raise...
//
// Negative feedback from a high-value customer: a negative item (as above)
// of a customer whose segmentation value tier is HIGH. An anonymous item or
// an unknown tier (segmentation not configured, down, slow, or the customer
// unscored) raises nothing: the rule alerts only on what it knows.
//
// Detractor from the top tier: a survey response with an NPS answer of 0
// to 6 from a customer in loyalty's highest tier (the last of the
// programme's tiers). An anonymous response or an unknown standing
// (loyalty not configured, down, slow, or a programme without tiers)
// raises nothing.
//
// SLA breach imminent: ticket_rules.h, ImminentDeadlines.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/feedback/feedback_repository.h"
#include "services/feedback/loyalty_client.h"
#include "services/feedback/survey_rules.h"
#include "services/feedback/ticket_rules.h"

namespace crm::feedback {

inline constexpr int kSpikeBaselineHours = 4 * 7 * 24;
inline constexpr int64_t kMinSpikeCount = 5;
inline constexpr double kSpikeDeviations = 3;

struct SpikeBaseline {
  double mean = 0;
  double deviation = 0;
  int64_t threshold = kMinSpikeCount;
};

// The baseline of `hourly_counts` (one count per hour of the baseline
// window, zeros included; an empty window has mean and deviation 0).
SpikeBaseline ComputeSpikeBaseline(const std::vector<int64_t>& hourly_counts);

// Whether `item` counts towards complaint spikes.
bool IsNegativeFeedback(const FeedbackRecord& item);

// The category `item` is counted under: its analysis' category, "other"
// without one.
std::string SpikeCategoryOf(const FeedbackRecord& item);

// The start of the UTC hour holding `time`.
absl::Time UtcHourStart(absl::Time time);

// The highest NPS score that makes a detractor.
inline constexpr int kMaxDetractorScore = 6;

// Whether `item` raises NEGATIVE_FEEDBACK_HIGH_VALUE when its customer's
// value tier is `tier`: negative, of a customer, and tier kHigh.
bool IsHighValueNegativeFeedback(const FeedbackRecord& item, ValueTier tier);

// Whether `scored` holds an NPS answer of 0 to kMaxDetractorScore.
bool HasNpsDetractorAnswer(const std::vector<ScoredAnswer>& scored);

// Whether a response of `customer_id` with `scored` answers raises
// DETRACTOR_TOP_TIER when the customer's standing is `standing`.
bool IsTopTierDetractor(const std::string& customer_id,
                        const std::vector<ScoredAnswer>& scored,
                        LoyaltyTierStanding standing);

}  // namespace crm::feedback

#include "services/feedback/alert_raiser.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/feedback/alert_rules.h"
#include "services/feedback/feedback_validation.h"
#include "services/feedback/ticket_resources.h"

namespace crm::feedback {

CustomerStanding AlertRaiser::StandingForFeedback(const FeedbackRecord& item) {
  CustomerStanding standing;
  if (sources_.value_tiers != nullptr && !item.customer_id.empty() &&
      IsNegativeFeedback(item)) {
    standing.value_tier = sources_.value_tiers->TierOf(item.customer_id);
  }
  return standing;
}

CustomerStanding AlertRaiser::StandingForSurveyResponse(
    const std::string& customer_id, const std::vector<ScoredAnswer>& scored) {
  CustomerStanding standing;
  if (sources_.loyalty != nullptr && !customer_id.empty() &&
      HasNpsDetractorAnswer(scored)) {
    standing.loyalty_tier = sources_.loyalty->TierStandingOf(customer_id);
  }
  return standing;
}

absl::Status AlertRaiser::OnFeedback(crm::common::Transaction& tx,
                                     const FeedbackRecord& item,
                                     const CustomerStanding& standing) {
  if (!IsNegativeFeedback(item)) return absl::OkStatus();
  if (IsHighValueNegativeFeedback(item, standing.value_tier)) {
    AlertRecord alert;
    alert.id = ids_.NewId();
    alert.dedup_key = absl::StrCat("high_value:", item.id);
    alert.kind = v1::Alert::NEGATIVE_FEEDBACK_HIGH_VALUE;
    alert.category = SpikeCategoryOf(item);
    alert.subject = FeedbackName(item.id);
    alert.create_time = item.create_time;
    alert.summary = absl::StrCat(
        "negative ", absl::AsciiStrToLower(v1::Feedback::Type_Name(item.type)),
        " from a high-value customer in category ", alert.category, ": ",
        alert.subject);
    CRM_RETURN_IF_ERROR(alerts_.InsertIfNew(tx, alert).status());
  }
  const std::string category = SpikeCategoryOf(item);
  const absl::Time hour = UtcHourStart(item.create_time);
  CRM_ASSIGN_OR_RETURN(int64_t observed,
                       alerts_.IncrementNegativeCount(tx, category, hour));
  // No threshold is below kMinSpikeCount: nothing else to read before.
  if (observed < kMinSpikeCount) return absl::OkStatus();
  const std::string key =
      absl::StrCat("spike:", category, ":", absl::ToUnixSeconds(hour));
  CRM_ASSIGN_OR_RETURN(bool raised, alerts_.Exists(tx, key));
  if (raised) return absl::OkStatus();
  const absl::Time from = hour - absl::Hours(kSpikeBaselineHours);
  CRM_ASSIGN_OR_RETURN(auto counts,
                       alerts_.NegativeCounts(tx, category, from, hour));
  std::vector<int64_t> hourly(kSpikeBaselineHours, 0);
  for (const auto& [start, count] : counts) {
    const int64_t index = (start - from) / absl::Hours(1);
    if (index >= 0 && index < kSpikeBaselineHours) hourly[index] = count;
  }
  const SpikeBaseline baseline = ComputeSpikeBaseline(hourly);
  if (observed < baseline.threshold) return absl::OkStatus();
  AlertRecord alert;
  alert.id = ids_.NewId();
  alert.dedup_key = key;
  alert.kind = v1::Alert::COMPLAINT_SPIKE;
  alert.category = category;
  alert.observed = observed;
  alert.baseline_mean = baseline.mean;
  alert.baseline_deviation = baseline.deviation;
  alert.threshold = baseline.threshold;
  alert.window_start = hour;
  alert.create_time = item.create_time;
  alert.summary = absl::StrFormat(
      "%d negative items in category %s in the hour from %s (threshold %d; "
      "baseline %.2f per hour, deviation %.2f)",
      observed, category,
      absl::FormatTime("%Y-%m-%dT%H:%MZ", hour, absl::UTCTimeZone()),
      baseline.threshold, baseline.mean, baseline.deviation);
  return alerts_.InsertIfNew(tx, alert).status();
}

absl::Status AlertRaiser::OnSurveyResponse(crm::common::Transaction& tx,
                                           const SurveyResponseRecord& response,
                                           const CustomerStanding& standing) {
  if (!IsTopTierDetractor(response.customer_id, response.scored,
                          standing.loyalty_tier)) {
    return absl::OkStatus();
  }
  int lowest = kMaxDetractorScore;
  for (const ScoredAnswer& answer : response.scored) {
    if (answer.kind == v1::SurveyQuestion::NPS && answer.score < lowest) {
      lowest = answer.score;
    }
  }
  AlertRecord alert;
  alert.id = ids_.NewId();
  alert.dedup_key =
      absl::StrCat("detractor:", response.survey_id, ":", response.id);
  alert.kind = v1::Alert::DETRACTOR_TOP_TIER;
  alert.subject = SurveyResponseName(response.survey_id, response.id);
  alert.observed = lowest;
  alert.create_time = response.create_time;
  alert.summary =
      absl::StrCat("NPS detractor (score ", lowest,
                   ") from a top-tier loyalty member: ", alert.subject);
  return alerts_.InsertIfNew(tx, alert).status();
}

absl::Status AlertRaiser::OnSlaImminent(crm::common::Transaction& tx,
                                        const TicketRecord& ticket,
                                        const ImminentDeadline& deadline,
                                        absl::Time now) {
  AlertRecord alert;
  alert.id = ids_.NewId();
  alert.dedup_key = absl::StrCat("imminent:", ticket.id, ":", deadline.level);
  alert.kind = v1::Alert::SLA_BREACH_IMMINENT;
  alert.category = ticket.category;
  alert.ticket_id = ticket.id;
  alert.escalation_level = deadline.level;
  alert.deadline_time = crm::common::TruncateToMicros(deadline.deadline);
  alert.create_time = crm::common::TruncateToMicros(now);
  alert.summary = absl::StrCat(
      TicketName(ticket.id), " (", v1::Ticket::Priority_Name(ticket.priority),
      ") ", deadline.level == 1 ? "first response" : "resolution", " due at ",
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", deadline.deadline,
                       absl::UTCTimeZone()),
      ", in ",
      absl::FormatDuration(
          absl::Floor(deadline.deadline - now, absl::Seconds(1))));
  return alerts_.InsertIfNew(tx, alert).status();
}

absl::Status AlertRaiser::OnEscalation(crm::common::Transaction& tx,
                                       const TicketRecord& ticket,
                                       absl::Time now) {
  AlertRecord alert;
  alert.id = ids_.NewId();
  alert.dedup_key =
      absl::StrCat("sla:", ticket.id, ":", ticket.escalation_level);
  alert.kind = v1::Alert::SLA_BREACHED;
  alert.category = ticket.category;
  alert.ticket_id = ticket.id;
  alert.escalation_level = ticket.escalation_level;
  alert.create_time = now;
  alert.summary = absl::StrCat(
      TicketName(ticket.id), " (", v1::Ticket::Priority_Name(ticket.priority),
      ") escalated to level ", ticket.escalation_level,
      ticket.escalation_level == 1 ? ": first response late"
                                   : ": resolution late");
  return alerts_.InsertIfNew(tx, alert).status();
}

}  // namespace crm::feedback

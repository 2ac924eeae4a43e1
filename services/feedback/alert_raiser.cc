#include "services/feedback/alert_raiser.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/feedback/alert_rules.h"
#include "services/feedback/ticket_resources.h"

namespace crm::feedback {

absl::Status AlertRaiser::OnFeedback(crm::common::Transaction& tx,
                                     const FeedbackRecord& item) {
  if (!IsNegativeFeedback(item)) return absl::OkStatus();
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

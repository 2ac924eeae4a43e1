#include "services/feedback/ticket_escalation.h"

#include <optional>
#include <vector>

#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/feedback/ticket_resources.h"

namespace crm::feedback {

using ::crm::common::Transaction;

absl::StatusOr<EscalationRun> TicketEscalation::EscalateDue(
    const crm::common::RequestContext& context, int batch) {
  EscalationRun run;
  while (true) {
    const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
    CRM_ASSIGN_OR_RETURN(
        EscalationRun pass,
        unit_of_work_.Run<EscalationRun>(
            context, [&](Transaction& tx) -> absl::StatusOr<EscalationRun> {
              EscalationRun done;
              CRM_ASSIGN_OR_RETURN(
                  std::vector<TicketRecord> due,
                  tickets_.ClaimDueForEscalation(tx, now, batch));
              for (TicketRecord& ticket : due) {
                ++done.examined;
                const TicketTimes times = TicketTimesOf(ticket);
                const std::optional<int> level =
                    EscalationUpdate(settings_.calendar, settings_.policy,
                                     times, ticket.escalation_level, now);
                if (level.has_value()) {
                  ++done.escalated;
                  ticket.escalation_level = *level;
                  ticket.version += 1;
                  ticket.update_time = now;
                }
                ticket.next_escalation_time =
                    NextEscalationCheck(settings_.calendar, settings_.policy,
                                        times, ticket.escalation_level);
                const std::optional<absl::Time> warning =
                    NextSlaWarningCheck(settings_.calendar, settings_.policy,
                                        times, settings_.sla_warning_lead, now);
                if (warning.has_value() &&
                    (!ticket.next_escalation_time.has_value() ||
                     *warning < *ticket.next_escalation_time)) {
                  ticket.next_escalation_time = warning;
                }
                if (ticket.next_escalation_time.has_value() &&
                    *ticket.next_escalation_time <= now) {
                  ticket.next_escalation_time = now + kEscalationRecheckDelay;
                }
                CRM_RETURN_IF_ERROR(tickets_.Save(tx, ticket));
                if (on_imminent_) {
                  for (const ImminentDeadline& deadline : ImminentDeadlines(
                           settings_.calendar, settings_.policy, times,
                           settings_.sla_warning_lead, now)) {
                    ++done.imminent;
                    CRM_RETURN_IF_ERROR(
                        on_imminent_(tx, ticket, deadline, now));
                  }
                }
                if (!level.has_value()) continue;
                TicketEventRecord escalated;
                escalated.ticket_id = ticket.id;
                escalated.id = ids_.NewId();
                escalated.kind = v1::TicketEvent::ESCALATED;
                escalated.escalation_level = *level;
                escalated.create_time = now;
                CRM_RETURN_IF_ERROR(tickets_.InsertEvent(tx, escalated));
                if (on_escalated_) {
                  CRM_RETURN_IF_ERROR(on_escalated_(tx, ticket));
                }
              }
              return done;
            }));
    run.examined += pass.examined;
    run.escalated += pass.escalated;
    run.imminent += pass.imminent;
    if (pass.examined < batch) return run;
  }
}

}  // namespace crm::feedback

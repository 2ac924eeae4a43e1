// Tickets as the API shows them: resource names (`tickets/{ticket}`,
// `tickets/{ticket}/events/{event}`), the conversions between the API's
// enums and the rules' (ticket_rules.h), and the API form of stored records
// with their SLA state at a given instant.
//
//   CRM_ASSIGN_OR_RETURN(std::string id, TicketIdOf(request.name(), "name"));
//   v1::Ticket proto = ToTicketProto(record, calendar, policy, clock.Now());
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/feedback/v1/ticket.pb.h"
#include "services/feedback/ticket_repository.h"
#include "services/feedback/ticket_rules.h"

namespace crm::feedback {

inline constexpr char kTicketsCollection[] = "tickets";

// `tickets/{id}`.
std::string TicketName(absl::string_view id);

// The `{ticket}` id of `tickets/{ticket}`; INVALID_ARGUMENT naming `field`
// otherwise.
absl::StatusOr<std::string> TicketIdOf(absl::string_view name,
                                       absl::string_view field);

// `tickets/{ticket_id}/events/{event_id}`.
std::string TicketEventName(absl::string_view ticket_id,
                            absl::string_view event_id);

// The rules' state of a stored (specified) API state, and back.
TicketState TicketStateOf(v1::Ticket::State state);
v1::Ticket::State ApiTicketState(TicketState state);

// The rules' priority of a specified API priority, and back.
TicketPriority TicketPriorityOfApi(v1::Ticket::Priority priority);
v1::Ticket::Priority ApiTicketPriority(TicketPriority priority);

// What the SLA rules look at in a stored ticket.
TicketTimes TicketTimesOf(const TicketRecord& ticket);

// The API form of `ticket` with its SLA deadlines' states at `now`.
v1::Ticket ToTicketProto(const TicketRecord& ticket,
                         const BusinessCalendar& calendar,
                         const SlaPolicy& policy, absl::Time now);

// The API form of a history entry.
v1::TicketEvent ToTicketEventProto(const TicketEventRecord& event);

}  // namespace crm::feedback

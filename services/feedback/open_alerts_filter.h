// The ListAlerts filter of the OPEN alerts of some tickets (pure): what
// SummarizeCustomerFeedback lists as a customer's open alerts.
//
//   std::string filter = OpenAlertsFilter(open_tickets);
//   // `state = OPEN AND (ticket = "tickets/t1" OR ticket = "tickets/t4")`
//
// Alerts name a ticket, never a customer, so a customer's open alerts are
// those of the customer's open tickets (alert_filter.h takes OR over
// `ticket`). Only escalated tickets
// (`escalation_level` > 0) are named: feedback raises a ticket's alerts
// (SLA_BREACHED, one per escalation level) when it escalates it, and the
// level never falls, so a ticket at level 0 has none.
#pragma once

#include <string>

#include "crm/feedback/v1/ticket.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace crm::feedback {

// The filter over the escalated tickets of `tickets`, or "" when none is
// escalated (then no call is needed: there are no such alerts). A ticket
// whose name is not `tickets/{id}` with an id of 1-128 [A-Za-z0-9_-] is
// left out (names go into the filter string).
std::string OpenAlertsFilter(
    const google::protobuf::RepeatedPtrField<v1::Ticket>& tickets);

}  // namespace crm::feedback

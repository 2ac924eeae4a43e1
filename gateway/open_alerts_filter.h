// The ListAlerts filter of the customer 360 view's `openAlerts` (pure).
//
//   std::string filter = OpenAlertsFilter(open_tickets);
//   // `state = OPEN AND (ticket = "tickets/t1" OR ticket = "tickets/t4")`
//
// Alerts name a ticket, never a customer, so the view asks for the OPEN
// alerts of the customer's open tickets it already listed, in one call
// after ListTickets (feedback's alert filter takes OR over `ticket`,
// services/feedback/alert_filter.h). Only escalated tickets
// (`escalation_level` > 0) are named: feedback raises a ticket's alerts
// (SLA_BREACHED, one per escalation level) when it escalates it, and the
// level never falls, so a ticket at level 0 has none.
#pragma once

#include <string>

#include "crm/feedback/v1/feedback_service.pb.h"

namespace crm::gateway {

// The filter over the escalated tickets of `tickets`, or "" when none is
// escalated (then no call is needed: there are no such alerts). A ticket
// whose name is not `tickets/{id}` with an id of 1-128 [A-Za-z0-9_-] is
// left out (names go into the filter string).
std::string OpenAlertsFilter(
    const crm::feedback::v1::ListTicketsResponse& tickets);

}  // namespace crm::gateway

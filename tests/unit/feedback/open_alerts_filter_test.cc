// OpenAlertsFilter: the ListAlerts filter of a customer's open alerts in
// SummarizeCustomerFeedback.
#include "services/feedback/open_alerts_filter.h"

#include <gtest/gtest.h>

#include <utility>

namespace crm::feedback {
namespace {

TEST(OpenAlertsFilterTest, NamesOnlyEscalatedPlainTickets) {
  google::protobuf::RepeatedPtrField<v1::Ticket> tickets;
  EXPECT_EQ(OpenAlertsFilter(tickets), "");
  for (auto [name, level] : {std::pair<const char*, int>{"tickets/t1", 0},
                             {"tickets/t2", 2},
                             {"tickets/x\" OR state = ACKNOWLEDGED", 1},
                             {"feedback/f1", 1},
                             {"tickets/t3", 1}}) {
    v1::Ticket* ticket = tickets.Add();
    ticket->set_name(name);
    ticket->set_escalation_level(level);
  }
  EXPECT_EQ(OpenAlertsFilter(tickets),
            "state = OPEN AND (ticket = \"tickets/t2\" OR ticket = "
            "\"tickets/t3\")");
}

}  // namespace
}  // namespace crm::feedback

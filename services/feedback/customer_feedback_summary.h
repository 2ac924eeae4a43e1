// SummarizeCustomerFeedback: one customer's voice at a glance — the newest
// feedback, the open tickets, the newest survey responses and the OPEN
// alerts of those tickets — answered by the managers that serve
// ListFeedback, ListTickets, ListSurveyResponses and ListAlerts, so each
// part is exactly what that call returns. One call instead of four (and no
// second round for the alerts) for a caller that shows them together (the
// gateway's customer view).
//
//   CustomerFeedbackSummarizer summarizer(feedback, tickets, surveys, alerts);
//   absl::StatusOr<v1::CustomerFeedbackSummary> summary =
//       summarizer.SummarizeCustomerFeedback(context, request);
#pragma once

#include "absl/status/statusor.h"
#include "crm/feedback/v1/feedback_service.pb.h"
#include "services/common/request_context.h"
#include "services/feedback/alert_manager.h"
#include "services/feedback/feedback_manager.h"
#include "services/feedback/survey_manager.h"
#include "services/feedback/ticket_manager.h"

namespace crm::feedback {

// The most feedback items, open tickets or survey responses one summary
// may include.
inline constexpr int kMaxSummaryItems = 50;
// The most open alerts one summary may include (feedback raises at most one
// per escalation level of each ticket).
inline constexpr int kMaxSummaryAlerts = 200;
// The ticket states that count as open, as a ListTickets filter term.
inline constexpr char kOpenTicketStatesFilter[] =
    "(state = NEW OR state = ACKNOWLEDGED OR state = IN_PROGRESS)";

class CustomerFeedbackSummarizer {
 public:
  // Every manager must outlive this object.
  CustomerFeedbackSummarizer(FeedbackManager& feedback, TicketManager& tickets,
                             SurveyManager& surveys, AlertManager& alerts)
      : feedback_(feedback),
        tickets_(tickets),
        surveys_(surveys),
        alerts_(alerts) {}
  CustomerFeedbackSummarizer(const CustomerFeedbackSummarizer&) = delete;
  CustomerFeedbackSummarizer& operator=(const CustomerFeedbackSummarizer&) =
      delete;

  // INVALID_ARGUMENT naming the field for a malformed `customer` or a count
  // out of range; otherwise the first error of the reads. A part whose
  // count is 0 is not read (alerts also need `open_ticket_count` > 0).
  absl::StatusOr<v1::CustomerFeedbackSummary> SummarizeCustomerFeedback(
      const crm::common::RequestContext& context,
      const v1::SummarizeCustomerFeedbackRequest& request);

 private:
  FeedbackManager& feedback_;
  TicketManager& tickets_;
  SurveyManager& surveys_;
  AlertManager& alerts_;
};

}  // namespace crm::feedback

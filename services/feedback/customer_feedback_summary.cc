#include "services/feedback/customer_feedback_summary.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/field_behavior.h"
#include "services/common/status_macros.h"
#include "services/feedback/feedback_validation.h"
#include "services/feedback/open_alerts_filter.h"

namespace crm::feedback {
namespace {

// Every survey's responses (ListSurveyResponses' parent).
constexpr char kAllSurveys[] = "surveys/-";

absl::Status CheckCount(int count, int max, absl::string_view field) {
  if (count < 0 || count > max) {
    return crm::common::InvalidFieldError(field,
                                          absl::StrCat("must be 0 to ", max));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::CustomerFeedbackSummary>
CustomerFeedbackSummarizer::SummarizeCustomerFeedback(
    const crm::common::RequestContext& context,
    const v1::SummarizeCustomerFeedbackRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string customer_id,
                       CustomerIdOf(request.customer(), "customer"));
  CRM_RETURN_IF_ERROR(
      CheckCount(request.feedback_count(), kMaxSummaryItems, "feedback_count"));
  CRM_RETURN_IF_ERROR(CheckCount(request.open_ticket_count(), kMaxSummaryItems,
                                 "open_ticket_count"));
  CRM_RETURN_IF_ERROR(CheckCount(request.survey_response_count(),
                                 kMaxSummaryItems, "survey_response_count"));
  CRM_RETURN_IF_ERROR(CheckCount(request.open_alert_count(), kMaxSummaryAlerts,
                                 "open_alert_count"));

  v1::CustomerFeedbackSummary summary;
  summary.set_customer(CustomerName(customer_id));
  const std::string customer_filter =
      absl::StrCat("customer = \"", summary.customer(), "\"");
  if (request.feedback_count() > 0) {
    v1::ListFeedbackRequest list;
    list.set_page_size(request.feedback_count());
    list.set_filter(customer_filter);
    CRM_ASSIGN_OR_RETURN(v1::ListFeedbackResponse page,
                         feedback_.ListFeedback(context, list));
    *summary.mutable_recent_feedback() = std::move(*page.mutable_feedback());
  }
  if (request.open_ticket_count() > 0) {
    v1::ListTicketsRequest list;
    list.set_page_size(request.open_ticket_count());
    list.set_filter(
        absl::StrCat(customer_filter, " AND ", kOpenTicketStatesFilter));
    CRM_ASSIGN_OR_RETURN(v1::ListTicketsResponse page,
                         tickets_.ListTickets(context, list));
    *summary.mutable_open_tickets() = std::move(*page.mutable_tickets());
  }
  if (request.survey_response_count() > 0) {
    v1::ListSurveyResponsesRequest list;
    list.set_parent(kAllSurveys);
    list.set_page_size(request.survey_response_count());
    list.set_filter(customer_filter);
    CRM_ASSIGN_OR_RETURN(v1::ListSurveyResponsesResponse page,
                         surveys_.ListSurveyResponses(context, list));
    *summary.mutable_recent_survey_responses() =
        std::move(*page.mutable_responses());
  }
  const std::string alerts_filter = OpenAlertsFilter(summary.open_tickets());
  if (request.open_alert_count() > 0 && !alerts_filter.empty()) {
    v1::ListAlertsRequest list;
    list.set_page_size(request.open_alert_count());
    list.set_filter(alerts_filter);
    CRM_ASSIGN_OR_RETURN(v1::ListAlertsResponse page,
                         alerts_.ListAlerts(context, list));
    *summary.mutable_open_alerts() = std::move(*page.mutable_alerts());
  }
  return summary;
}

}  // namespace crm::feedback

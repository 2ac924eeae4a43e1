#include "services/feedback/customer_feedback_export.h"

#include <string>
#include <utility>
#include <vector>

#include "services/common/field_behavior.h"
#include "services/common/keyset_page.h"
#include "services/common/page_token.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/feedback/feedback_manager.h"
#include "services/feedback/feedback_validation.h"
#include "services/feedback/survey_manager.h"
#include "services/feedback/ticket_resources.h"

namespace crm::feedback {

using ::crm::common::Transaction;

absl::StatusOr<v1::CustomerFeedbackExport> CustomerFeedbackExporter::Export(
    const crm::common::RequestContext& context,
    const v1::ExportCustomerFeedbackRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string customer_id,
                       CustomerIdOf(request.customer(), "customer"));
  const absl::Time now = clock_.Now();
  return unit_of_work_.Read<v1::CustomerFeedbackExport>(
      context,
      [&](Transaction& tx) -> absl::StatusOr<v1::CustomerFeedbackExport> {
        v1::CustomerFeedbackExport data;
        data.set_customer(CustomerName(customer_id));
        CRM_ASSIGN_OR_RETURN(std::vector<FeedbackRecord> items,
                             stores_.feedback.ListByCustomer(tx, customer_id));
        for (const FeedbackRecord& item : items) {
          *data.add_feedback() = ToFeedbackProto(item);
        }
        CRM_ASSIGN_OR_RETURN(
            std::vector<SurveyResponseRecord> responses,
            stores_.surveys.ListResponsesByCustomer(tx, customer_id));
        CRM_ASSIGN_OR_RETURN(
            std::vector<v1::SurveyResponse> response_protos,
            ToSurveyResponseProtos(stores_.surveys, tx, responses));
        for (v1::SurveyResponse& response : response_protos) {
          *data.add_survey_responses() = std::move(response);
        }
        if (stores_.invitations != nullptr) {
          CRM_ASSIGN_OR_RETURN(
              std::vector<SurveyInvitationRecord> invitations,
              stores_.invitations->ListByCustomer(tx, customer_id));
          for (const SurveyInvitationRecord& invitation : invitations) {
            *data.add_survey_invitations() =
                ToSurveyInvitationProto(invitation);
          }
        }
        CRM_ASSIGN_OR_RETURN(
            std::vector<TicketRecord> tickets,
            stores_.tickets.ListByCustomer(tx, customer_id, false));
        for (const TicketRecord& ticket : tickets) {
          *data.add_tickets() =
              ToTicketProto(ticket, settings_.calendar, settings_.policy, now);
          crm::common::PageRequest page;
          page.page_size = crm::common::kMaxPageSize;
          while (true) {
            CRM_ASSIGN_OR_RETURN(
                crm::common::Page<TicketEventRecord> events,
                stores_.tickets.ListEvents(tx, ticket.id, page));
            for (const TicketEventRecord& event : events.items) {
              *data.add_ticket_events() = ToTicketEventProto(event);
            }
            if (!events.next.has_value()) break;
            page.after = events.next;
          }
        }
        *data.mutable_export_time() = crm::common::ToProtoTimestamp(now);
        return data;
      });
}

}  // namespace crm::feedback

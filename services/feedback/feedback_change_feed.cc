#include "services/feedback/feedback_change_feed.h"

#include <string>

#include "services/common/timestamps.h"
#include "services/feedback/feedback_validation.h"
#include "services/feedback/survey_invitation_rules.h"
#include "services/feedback/survey_rules.h"

namespace crm::feedback {
namespace {

std::string CustomerNameOrEmpty(const std::string& customer_id) {
  return customer_id.empty() ? std::string() : CustomerName(customer_id);
}

absl::Status AppendEvent(crm::common::ChangeFeedWriter& feed,
                         crm::common::Transaction& tx,
                         v1::ChangeEvent::Type type,
                         const std::string& customer_id,
                         const v1::ChangeEvent& event) {
  crm::common::FeedEventRecord record;
  record.type = type;
  record.key = customer_id;
  record.payload = event.SerializeAsString();
  return feed.Append(tx, record);
}

}  // namespace

v1::ChangeEvent TicketResolvedEvent(const TicketRecord& ticket,
                                    const v1::Ticket& api) {
  v1::ChangeEvent event;
  event.set_customer(CustomerNameOrEmpty(ticket.customer_id));
  v1::TicketChange& change = *event.mutable_ticket_change();
  change.set_ticket(api.name());
  change.set_category(api.category());
  change.set_priority(api.priority());
  change.set_state(api.state());
  if (api.has_create_time()) {
    *change.mutable_create_time() = api.create_time();
  }
  if (api.has_resolve_time()) {
    *change.mutable_resolve_time() = api.resolve_time();
  }
  change.set_resolution_sla(api.resolution_sla());
  return event;
}

v1::ChangeEvent SurveyAnsweredEvent(const SurveyResponseRecord& response) {
  v1::ChangeEvent event;
  event.set_customer(CustomerNameOrEmpty(response.customer_id));
  v1::SurveyAnswerChange& change = *event.mutable_survey_answer();
  change.set_response(SurveyResponseName(response.survey_id, response.id));
  change.set_survey(SurveyName(response.survey_id));
  if (!response.invitation_id.empty()) {
    change.set_invitation(
        SurveyInvitationName(response.survey_id, response.invitation_id));
  }
  // `scored` is in question order (NormalizeSurveyResponse).
  for (const ScoredAnswer& answer : response.scored) {
    if (answer.kind == v1::SurveyQuestion::NPS && !change.has_nps_score()) {
      change.set_nps_score(answer.score);
    } else if (answer.kind == v1::SurveyQuestion::CSAT &&
               !change.has_csat_score()) {
      change.set_csat_score(answer.score);
    }
  }
  change.set_channel(response.channel);
  return event;
}

absl::Status AppendTicketResolved(crm::common::ChangeFeedWriter* feed,
                                  crm::common::Transaction& tx,
                                  const TicketRecord& ticket,
                                  const v1::Ticket& api) {
  if (feed == nullptr) return absl::OkStatus();
  return AppendEvent(*feed, tx, v1::ChangeEvent::TICKET_RESOLVED,
                     ticket.customer_id, TicketResolvedEvent(ticket, api));
}

absl::Status AppendSurveyAnswered(crm::common::ChangeFeedWriter* feed,
                                  crm::common::Transaction& tx,
                                  const SurveyResponseRecord& response) {
  if (feed == nullptr) return absl::OkStatus();
  return AppendEvent(*feed, tx, v1::ChangeEvent::SURVEY_ANSWERED,
                     response.customer_id, SurveyAnsweredEvent(response));
}

}  // namespace crm::feedback

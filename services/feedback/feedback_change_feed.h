// Feedback's own change feed (protos/crm/feedback/v1/change_event.proto):
// its name in the transactional outbox (services/common/change_feed_outbox.h)
// and the events appended in the transaction of the change they describe —
// TICKET_RESOLVED by every ticket change that moves a ticket into RESOLVED
// (TicketManager), SURVEY_ANSWERED by every survey response recorded
// (SurveyManager). Events are keyed by the customer id ('' when anonymous)
// and carry names, states, categories, scores and times only: no personal
// data, no free text. WatchChanges serves the feed (change_feed_streamer.h);
// an erasure re-keys the customer's events (feed_event_repository.h).
//
//   MySqlChangeFeedWriter feed(std::string(kFeedbackFeed), clock, &written);
//   CRM_RETURN_IF_ERROR(AppendTicketResolved(&feed, tx, record, api_ticket));
//   ... after the unit of work committed: feed.NotifyCommitted();
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "crm/feedback/v1/change_event.pb.h"
#include "crm/feedback/v1/ticket.pb.h"
#include "services/common/change_feed_writer.h"
#include "services/common/unit_of_work.h"
#include "services/feedback/survey_repository.h"
#include "services/feedback/ticket_repository.h"

namespace crm::feedback {

inline constexpr absl::string_view kFeedbackFeed = "feedback";

// The TICKET_RESOLVED event of `ticket` as it stands after the change
// (`api` its API form at the time of the change; the feed assigns sequence,
// type and time): `customers/{id}` (empty when anonymous), the ticket's
// name, category, priority, state, create and resolve times and resolution
// SLA state. No title, description or note.
v1::ChangeEvent TicketResolvedEvent(const TicketRecord& ticket,
                                    const v1::Ticket& api);

// The SURVEY_ANSWERED event of the recorded `response`: `customers/{id}`
// (empty when anonymous), the response, survey and invitation (empty
// without one) names, the channel, and the scores of its first NPS and
// first CSAT answers (unset without one). No free text, no choices.
v1::ChangeEvent SurveyAnsweredEvent(const SurveyResponseRecord& response);

// Appends TicketResolvedEvent in `tx`, keyed by the ticket's customer id;
// nothing when `feed` is null. Must follow every row lock of `tx` (the
// outbox's writer contract).
absl::Status AppendTicketResolved(crm::common::ChangeFeedWriter* feed,
                                  crm::common::Transaction& tx,
                                  const TicketRecord& ticket,
                                  const v1::Ticket& api);

// Appends SurveyAnsweredEvent in `tx`, keyed by the response's customer id;
// nothing when `feed` is null. Same contract as AppendTicketResolved.
absl::Status AppendSurveyAnswered(crm::common::ChangeFeedWriter* feed,
                                  crm::common::Transaction& tx,
                                  const SurveyResponseRecord& response);

}  // namespace crm::feedback

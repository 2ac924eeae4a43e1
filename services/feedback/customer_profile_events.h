// What feedback does with customer-profile's change feed
// (crm.customerprofile.v1.ChangeEvent), inside the feed consumer's
// transaction (services/common/change_feed_consumer.h), so the effect and
// the cursor commit together and each event acts exactly once:
//
//   CUSTOMER_ERASED  the customer is unlinked everywhere and the free text
//                    is scrubbed of identifiers (identifier_scrubber.h):
//                    feedback items lose customer, order and attachments and
//                    their text is scrubbed (rating and analysis stay for the
//                    statistics); survey responses lose customer and subject
//                    and their free-text answers are scrubbed (scores stay);
//                    tickets lose the customer, their title, description and
//                    every comment or note of their history are scrubbed
//                    (state, times, category and SLA stay); survey
//                    invitations are deleted (responses lose the link to
//                    theirs) and the customer's consents forgotten; stored
//                    idempotent responses filed under the customer's name
//                    or one of those items, responses, invitations or
//                    tickets are deleted (IdempotencyRepository::
//                    ForgetSubjects). The customer's events on feedback's
//                    own feed (feedback_change_feed.h) are re-keyed to a
//                    new tombstone `erased-{id}`, key and payload, so no
//                    feed row names the customer.
//   CUSTOMER_MERGED  the duplicate's feedback items, survey responses,
//                    invitations and tickets move to the survivor (tickets
//                    one version up), and so do its events on feedback's
//                    feed (they name the survivor from then on, so a later
//                    erasure of the survivor reaches them); consents as
//                    below.
//   CUSTOMER_CREATED, CUSTOMER_UPDATED (and MERGED)
//                    the customer's consents are kept for survey invitations
//                    (services/consents/consent_tracker.h).
//   anything else    ignored.
//
// Ordering: the feed delivers a customer's events in order, so a merge
// applies after every earlier erasure or merge. An item submitted naming the
// duplicate after its merge was applied keeps the duplicate's id (feedback
// does not check names against customer-profile); customer-profile answers
// for the duplicate's name with the survivor, and a later merge or erasure
// of the duplicate's id still reaches it.
//
//   FeedConsumer consumer(pool, MakeCustomerProfileFeedOpener(stub,
//                                   CustomerProfileEventTypes()),
//       [&](sql::Connection& c, int64_t, absl::string_view payload) {
//         RequestContext context;
//         MySqlTransaction tx(c, context);
//         return ApplyCustomerProfileEvent(stores, tx, payload);
//       }, {.consumer = "feedback"});
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/unit_of_work.h"
#include "services/consents/consent_repository.h"
#include "services/feedback/feed_event_repository.h"
#include "services/feedback/feedback_repository.h"
#include "services/feedback/survey_invitation_repository.h"
#include "services/feedback/survey_repository.h"
#include "services/feedback/ticket_repository.h"

namespace crm::feedback {

// Everything feedback stores about customers.
struct CustomerDataStores {
  FeedbackRepository& feedback;
  SurveyRepository& surveys;
  TicketRepository& tickets;
  // The stored idempotent responses (which may hold a customer's items,
  // answers and ticket comments); null only where none are stored.
  crm::common::IdempotencyRepository* idempotency = nullptr;
  // Survey invitations and the consents that gate them; null only where
  // none are stored (tests of other parts).
  SurveyInvitationRepository* invitations = nullptr;
  crm::consents::ConsentRepository* consents = nullptr;
  // Feedback's own feed events; null only where there is no feed.
  FeedEventRepository* feed_events = nullptr;
  // The ids of erasure tombstones; null: RandomIdGenerator.
  const crm::common::IdGenerator* tombstone_ids = nullptr;
};

// The start of every tombstone id an erasure re-keys feed events to (no id
// customer-profile issues starts with it).
inline constexpr char kErasedIdPrefix[] = "erased-";

// The event types ApplyCustomerProfileEvent acts on (the feed filter).
std::vector<crm::customerprofile::v1::ChangeEvent::Type>
CustomerProfileEventTypes();

// Applies one serialized ChangeEvent. DATA_LOSS if `payload` does not parse
// or names no valid customer (the consumer then retries with backoff and
// does not move its cursor); errors of the repositories as they are.
absl::Status ApplyCustomerProfileEvent(const CustomerDataStores& stores,
                                       crm::common::Transaction& tx,
                                       absl::string_view payload);

// The erasure of `customer_id` alone (as above), for callers outside the
// feed.
absl::Status EraseCustomerData(const CustomerDataStores& stores,
                               crm::common::Transaction& tx,
                               const std::string& customer_id);

}  // namespace crm::feedback

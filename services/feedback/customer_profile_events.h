// What feedback does with customer-profile's change feed
// (crm.customerprofile.v1.ChangeEvent), inside the feed consumer's
// transaction (services/common/change_feed_consumer.h):
//
//   CUSTOMER_ERASED  the customer's items are anonymised
//                    (FeedbackRepository::AnonymizeCustomer): no customer,
//                    order or attachments remain; text, rating and analysis
//                    stay for the statistics. So are their survey responses
//                    (no customer or subject; the answers stay).
//   CUSTOMER_MERGED  the duplicate's items move to the survivor.
//   anything else    ignored.
//
//   FeedConsumer consumer(pool, MakeCustomerProfileFeedOpener(stub,
//                                   CustomerProfileEventTypes()),
//       [&](sql::Connection& c, int64_t, absl::string_view payload) {
//         RequestContext context;
//         MySqlTransaction tx(c, context);
//         return ApplyCustomerProfileEvent(feedback, surveys, tx, payload);
//       }, {.consumer = "feedback"});
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/unit_of_work.h"
#include "services/feedback/feedback_repository.h"
#include "services/feedback/survey_repository.h"

namespace crm::feedback {

// The event types ApplyCustomerProfileEvent acts on (the feed filter).
std::vector<crm::customerprofile::v1::ChangeEvent::Type>
CustomerProfileEventTypes();

// Applies one serialized ChangeEvent. DATA_LOSS if `payload` does not parse
// or names no valid customer (the consumer then retries with backoff and
// does not move its cursor); errors of the repository as they are.
absl::Status ApplyCustomerProfileEvent(FeedbackRepository& feedback,
                                       SurveyRepository& surveys,
                                       crm::common::Transaction& tx,
                                       absl::string_view payload);

}  // namespace crm::feedback

// Loyalty's consumer of feedback's change feed
// (FeedbackService.WatchChanges; protos/crm/feedback/v1/change_event.proto)
// for journeys: each TICKET_RESOLVED and SURVEY_ANSWERED event is handed to
// the journey engine (JourneyEngine::ApplyFeedbackEvent) in the consumer's
// transaction, which also moves the consumer's own cursor
// (`loyalty.feedback-journeys`), so a run commits with the cursor or not at
// all.
//
//   FeedConsumer consumer(pool, MakeFeedbackFeedOpener(stub.get()),
//                         MakeFeedbackFeedApply(engine),
//                         {.consumer = kFeedbackFeedConsumerName});
//   consumer.Start();
#pragma once

#include "crm/feedback/v1/feedback_service.grpc.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/loyalty/journey_engine.h"

namespace crm::loyalty {

// The consumer's cursor name in `feed_consumer_cursors`.
inline constexpr char kFeedbackFeedConsumerName[] = "loyalty.feedback-journeys";

// Opens feedback's feed after a sequence, asking for the two event types
// journeys follow. `stub` must outlive every stream opened.
crm::common::FeedStreamOpener MakeFeedbackFeedOpener(
    ::crm::feedback::v1::FeedbackService::StubInterface* stub);

// Parses each event and applies it (JourneyEngine::ApplyFeedbackEvent) on
// the consumer's connection. An unreadable payload is DATA_LOSS (the
// consumer retries; nothing is skipped silently). `engine` must outlive the
// function.
crm::common::FeedApplyFunction MakeFeedbackFeedApply(JourneyEngine& engine);

}  // namespace crm::loyalty

// Loyalty's consumer of segmentation's change feed
// (SegmentationService.WatchChanges; protos/crm/segmentation/v1/
// change_event.proto) for journeys: each SEGMENT_ENTERED, SEGMENT_LEFT,
// LIFECYCLE_STAGE_CHANGED and VALUE_TIER_CHANGED event is handed to the
// journey engine (journey_engine.h) in the consumer's transaction, which
// also moves the consumer's own cursor (`loyalty.journeys`), so a run and
// its action commit with the cursor or not at all.
//
//   FeedConsumer consumer(pool, MakeSegmentationFeedOpener(stub.get()),
//                         MakeSegmentationFeedApply(engine),
//                         {.consumer = kSegmentationFeedConsumerName});
//   consumer.Start();
#pragma once

#include "crm/segmentation/v1/segmentation_service.grpc.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/loyalty/journey_engine.h"

namespace crm::loyalty {

// The consumer's cursor name in `feed_consumer_cursors`.
inline constexpr char kSegmentationFeedConsumerName[] = "loyalty.journeys";

// Opens segmentation's feed after a sequence, asking for the four event
// types journeys follow. `stub` must outlive every stream opened.
crm::common::FeedStreamOpener MakeSegmentationFeedOpener(
    ::crm::segmentation::v1::SegmentationService::StubInterface* stub);

// Parses each event and applies it (JourneyEngine::ApplySegmentationEvent)
// on the consumer's connection. An unreadable payload is DATA_LOSS (the
// consumer retries; nothing is skipped silently). `engine` must outlive the
// function.
crm::common::FeedApplyFunction MakeSegmentationFeedApply(JourneyEngine& engine);

}  // namespace crm::loyalty

// The apply function of loyalty's consumer of customer-profile's change
// feed (services/common/change_feed_consumer.h): parses each event and
// applies it on the consumer's connection, so its effects and the
// consumer's cursor commit together or not at all (exactly once):
// - ORDER_RECORDED, ORDER_REFUNDED: OrderEarning (order_earning.h), on the
//   account that now stands for the event's customer (a merged duplicate's
//   events reach its survivor);
// - CUSTOMER_MERGED: MemberLifecycle::Merge; CUSTOMER_ERASED:
//   MemberLifecycle::Erase (member_lifecycle.h);
// - CUSTOMER_CREATED, CUSTOMER_UPDATED, CUSTOMER_MERGED, CUSTOMER_ERASED:
//   also ConsentTracker (services/consents/consent_tracker.h), so consents
//   reach campaigns;
// - with a journey engine (journey_engine.h): ORDER_RECORDED also triggers
//   journeys (after the order's earning, so conditions see the points), and
//   merges and erasures move or delete the customer's journey runs.
//
//   FeedConsumer consumer(pool, MakeCustomerProfileFeedOpener(stub, types),
//                         MakeProfileFeedBatchApply(earning, lifecycle,
//                                                   consents),
//                         {.consumer = kProfileFeedConsumerName});
//   consumer.Start();
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/unit_of_work.h"
#include "services/consents/consent_tracker.h"
#include "services/loyalty/journey_engine.h"
#include "services/loyalty/member_lifecycle.h"
#include "services/loyalty/order_earning.h"

namespace crm::loyalty {

// The consumer's cursor name in `feed_consumer_cursors` (named when the feed
// brought only orders; kept so deployed cursors carry on).
inline constexpr char kProfileFeedConsumerName[] = "loyalty.orders";

// The event types loyalty asks the feed for.
std::vector<::crm::customerprofile::v1::ChangeEvent::Type> ProfileFeedTypes();

// Applies one parsed event in `tx`. DATA_LOSS for a merge or erasure whose
// customer names are malformed (the consumer retries and stalls, visibly in
// its lag metric, rather than skip it).
absl::Status ApplyProfileEvent(
    OrderEarning& earning, MemberLifecycle& lifecycle,
    crm::consents::ConsentTracker& consents, crm::common::Transaction& tx,
    const ::crm::customerprofile::v1::ChangeEvent& event,
    JourneyEngine* journeys = nullptr);

// All must outlive the function; `journeys` may be null (no journeys). A
// payload that does not parse is DATA_LOSS (the consumer retries; nothing is
// skipped silently).
crm::common::FeedApplyFunction MakeProfileFeedApply(
    OrderEarning& earning, MemberLifecycle& lifecycle,
    crm::consents::ConsentTracker& consents, JourneyEngine* journeys = nullptr);

// The same for a batch of events in one transaction: each maximal run of
// consecutive order events (ORDER_RECORDED, ORDER_REFUNDED) is applied as
// one earning run (OrderEarning::ApplyRun), every other event as above, in
// feed order.
crm::common::FeedBatchApplyFunction MakeProfileFeedBatchApply(
    OrderEarning& earning, MemberLifecycle& lifecycle,
    crm::consents::ConsentTracker& consents, JourneyEngine* journeys = nullptr);

}  // namespace crm::loyalty

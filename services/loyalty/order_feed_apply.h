// The apply function of loyalty's consumer of customer-profile's change
// feed (services/common/change_feed_consumer.h): parses each event and hands
// it to OrderEarning on the consumer's connection, so the points and the
// consumer's cursor commit together or not at all.
//
//   FeedConsumer consumer(pool, MakeCustomerProfileFeedOpener(stub, types),
//                         MakeOrderFeedApply(earning),
//                         {.consumer = kOrderFeedConsumerName});
//   consumer.Start();
#pragma once

#include <vector>

#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/loyalty/order_earning.h"

namespace crm::loyalty {

// The consumer's cursor name in `feed_consumer_cursors`.
inline constexpr char kOrderFeedConsumerName[] = "loyalty.orders";

// The event types loyalty asks the feed for.
std::vector<::crm::customerprofile::v1::ChangeEvent::Type> OrderFeedTypes();

// `earning` must outlive the function. A payload that does not parse is
// DATA_LOSS (the consumer retries; nothing is skipped silently).
crm::common::FeedApplyFunction MakeOrderFeedApply(OrderEarning& earning);

}  // namespace crm::loyalty

// How stored order records appear outside: resource names, the v1 messages
// of orders, interaction events and purchase summaries, and the change-feed
// events of orders. Pure functions (no storage), shared by the order manager
// and the customer side's Get and Export.
//
//   v1::Order order = OrderToProto(record);  // name customers/{c}/orders/{o}
//   *customer.mutable_purchase_summary() = PurchaseSummaryOf(summaries);
//   CRM_RETURN_IF_ERROR(feed.Append(tx, OrderRecordedFeedEvent(order)));
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "services/common/change_feed_outbox.h"
#include "services/customer_profile/order_repository.h"

namespace crm::customer_profile {

// "customers/{customer_id}/orders/{order_id}".
std::string OrderName(absl::string_view customer_id,
                      absl::string_view order_id);

// The record of a new order: `order` as normalised by
// NormalizeOrderForRecord (order_validation.h), owned by `customer_id`,
// with id `order_id`, created at `now`, nothing refunded.
OrderRecord NewOrderRecord(const v1::Order& order,
                           absl::string_view customer_id,
                           absl::string_view order_id, absl::Time now);

// The resource of a stored order (name, customer, amounts, times).
v1::Order OrderToProto(const OrderRecord& record);

// The record of a new interaction event: `event` as normalised by
// NormalizeEvents, owned by `customer_id`, created at `now`.
InteractionEventRecord NewInteractionEventRecord(
    const v1::InteractionEvent& event, absl::string_view customer_id,
    absl::Time now);

// The resource of a stored interaction event (name
// customers/{c}/events/{event_id}).
v1::InteractionEvent InteractionEventToProto(
    const InteractionEventRecord& record);

// A customer's purchase summary from its per-currency records: orders
// counted over every currency, total_spent one entry per currency (in the
// records' order), the widest first/last order times; an empty message for
// no records.
v1::PurchaseSummary PurchaseSummaryOf(
    const std::vector<PurchaseSummaryRecord>& records);

// The feed event of an order just recorded (`order` as returned).
crm::common::FeedEventRecord OrderRecordedFeedEvent(const v1::Order& order);
// The feed event of a refund of `refund_amount_minor` (`order` as after it).
crm::common::FeedEventRecord OrderRefundedFeedEvent(
    const v1::Order& order, int64_t refund_amount_minor);
// The feed event of an interaction just stored: INTERACTION_RECORDED with
// the interaction's name, customer, event_id, type, custom_type, channel and
// event_time, and of its properties only `sku` (properties may hold
// personal data; the feed carries no other).
crm::common::FeedEventRecord InteractionRecordedFeedEvent(
    const InteractionEventRecord& record);

}  // namespace crm::customer_profile

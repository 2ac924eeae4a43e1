#include "services/customer_profile/order_resources.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/resource_name.h"
#include "services/common/timestamps.h"
#include "services/customer_profile/customer_validation.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::FromProtoTimestamp;
using ::crm::common::ToProtoTimestamp;

// The feed's partition key of an order's event: its customer's id.
std::string CustomerIdOfOrder(const v1::Order& order) {
  absl::string_view name = order.customer();
  absl::ConsumePrefix(&name, "customers/");
  return std::string(name);
}

crm::common::FeedEventRecord OrderFeedEvent(v1::ChangeEvent::Type type,
                                            const v1::Order& order,
                                            int64_t refund_amount_minor) {
  v1::ChangeEvent event;
  event.set_type(type);
  event.set_customer_name(order.customer());
  *event.mutable_order() = order;
  event.set_refund_amount_minor(refund_amount_minor);
  crm::common::FeedEventRecord record;
  record.type = static_cast<int>(type);
  record.key = CustomerIdOfOrder(order);
  record.payload = event.SerializeAsString();
  return record;
}

}  // namespace

std::string OrderName(absl::string_view customer_id,
                      absl::string_view order_id) {
  return absl::StrCat("customers/", customer_id, "/orders/", order_id);
}

OrderRecord NewOrderRecord(const v1::Order& order,
                           absl::string_view customer_id,
                           absl::string_view order_id, absl::Time now) {
  OrderRecord record;
  record.customer_id = std::string(customer_id);
  record.id = std::string(order_id);
  record.channel = order.channel();
  record.channel_order_id = order.channel_order_id();
  record.currency_code = order.amount().currency_code();
  record.amount_minor = order.amount().amount_minor();
  record.refunded_minor = 0;
  record.store_id = order.store_id();
  record.order_time = FromProtoTimestamp(order.order_time());
  record.create_time = now;
  record.line_items = order.line_items();
  return record;
}

v1::Order OrderToProto(const OrderRecord& record) {
  v1::Order order;
  order.set_name(OrderName(record.customer_id, record.id));
  order.set_customer(CustomerName(record.customer_id));
  order.set_channel(record.channel);
  order.set_channel_order_id(record.channel_order_id);
  order.mutable_amount()->set_currency_code(record.currency_code);
  order.mutable_amount()->set_amount_minor(record.amount_minor);
  order.mutable_refunded_amount()->set_currency_code(record.currency_code);
  order.mutable_refunded_amount()->set_amount_minor(record.refunded_minor);
  *order.mutable_line_items() = record.line_items;
  order.set_store_id(record.store_id);
  *order.mutable_order_time() = ToProtoTimestamp(record.order_time);
  *order.mutable_create_time() = ToProtoTimestamp(record.create_time);
  return order;
}

InteractionEventRecord NewInteractionEventRecord(
    const v1::InteractionEvent& event, absl::string_view customer_id,
    absl::Time now) {
  InteractionEventRecord record;
  record.customer_id = std::string(customer_id);
  record.event_id = event.event_id();
  record.type = event.type();
  record.custom_type = event.custom_type();
  record.channel = event.channel();
  record.event_time = FromProtoTimestamp(event.event_time());
  record.properties.insert(event.properties().begin(),
                           event.properties().end());
  record.create_time = now;
  return record;
}

v1::InteractionEvent InteractionEventToProto(
    const InteractionEventRecord& record) {
  v1::InteractionEvent event;
  event.set_name(absl::StrCat("customers/", record.customer_id, "/events/",
                              record.event_id));
  event.set_customer(CustomerName(record.customer_id));
  event.set_event_id(record.event_id);
  event.set_type(record.type);
  event.set_custom_type(record.custom_type);
  event.set_channel(record.channel);
  *event.mutable_event_time() = ToProtoTimestamp(record.event_time);
  event.mutable_properties()->insert(record.properties.begin(),
                                     record.properties.end());
  return event;
}

v1::PurchaseSummary PurchaseSummaryOf(
    const std::vector<PurchaseSummaryRecord>& records) {
  v1::PurchaseSummary summary;
  std::optional<absl::Time> first;
  std::optional<absl::Time> last;
  for (const PurchaseSummaryRecord& record : records) {
    crm::type::v1::Money* total = summary.add_total_spent();
    total->set_currency_code(record.currency_code);
    total->set_amount_minor(record.total_spent_minor);
    summary.set_order_count(summary.order_count() + record.order_count);
    first = first.has_value() ? std::min(*first, record.first_order_time)
                              : record.first_order_time;
    last = last.has_value() ? std::max(*last, record.last_order_time)
                            : record.last_order_time;
  }
  if (first.has_value()) {
    *summary.mutable_first_order_time() = ToProtoTimestamp(*first);
    *summary.mutable_last_order_time() = ToProtoTimestamp(*last);
  }
  return summary;
}

crm::common::FeedEventRecord OrderRecordedFeedEvent(const v1::Order& order) {
  return OrderFeedEvent(v1::ChangeEvent::ORDER_RECORDED, order, 0);
}

crm::common::FeedEventRecord OrderRefundedFeedEvent(
    const v1::Order& order, int64_t refund_amount_minor) {
  return OrderFeedEvent(v1::ChangeEvent::ORDER_REFUNDED, order,
                        refund_amount_minor);
}

crm::common::FeedEventRecord InteractionRecordedFeedEvent(
    const InteractionEventRecord& record) {
  v1::ChangeEvent event;
  event.set_type(v1::ChangeEvent::INTERACTION_RECORDED);
  event.set_customer_name(CustomerName(record.customer_id));
  v1::InteractionEvent& interaction = *event.mutable_interaction();
  interaction.set_name(absl::StrCat("customers/", record.customer_id,
                                    "/events/", record.event_id));
  interaction.set_customer(CustomerName(record.customer_id));
  interaction.set_event_id(record.event_id);
  interaction.set_type(record.type);
  interaction.set_custom_type(record.custom_type);
  interaction.set_channel(record.channel);
  *interaction.mutable_event_time() = ToProtoTimestamp(record.event_time);
  auto sku = record.properties.find("sku");
  if (sku != record.properties.end()) {
    (*interaction.mutable_properties())["sku"] = sku->second;
  }
  crm::common::FeedEventRecord feed_record;
  feed_record.type = static_cast<int>(v1::ChangeEvent::INTERACTION_RECORDED);
  feed_record.key = record.customer_id;
  feed_record.payload = event.SerializeAsString();
  return feed_record;
}

}  // namespace crm::customer_profile

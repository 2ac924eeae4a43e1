#include "services/customer_profile/order_recorder.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "services/common/error_details.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/customer_profile/order_resources.h"
#include "services/customer_profile/order_rules.h"

namespace crm::customer_profile {

using ::crm::common::Transaction;

absl::Status OrderRecorder::RecordOne(Transaction& tx, OrderToRecord& item) {
  item.appended = false;
  CRM_ASSIGN_OR_RETURN(
      std::string customer_id,
      customers_.ResolveActive(tx, item.requested_customer_id));
  const OrderRecord record =
      NewOrderRecord(item.order, customer_id, ids_.NewId(),
                     crm::common::TruncateToMicros(clock_.Now()));
  absl::Status inserted = orders_.InsertOrder(tx, record);
  if (absl::IsAlreadyExists(inserted)) {
    // Recorded before (or by a concurrent call that committed meanwhile:
    // the insert waited for it): the stored order is the answer.
    CRM_ASSIGN_OR_RETURN(std::optional<OrderRecord> stored,
                         orders_.FindOrderByChannelOrder(
                             tx, record.channel, record.channel_order_id));
    if (!stored.has_value()) {
      // The conflicting insert was rolled back after all.
      return crm::common::ErrorWithReason(
          absl::AbortedError("order: a concurrent record of the same channel "
                             "order was rolled back; retry"),
          crm::type::v1::CONCURRENCY_CONFLICT);
    }
    item.stored = OrderToProto(*stored);
    return absl::OkStatus();
  }
  CRM_RETURN_IF_ERROR(inserted);
  CRM_RETURN_IF_ERROR(
      orders_.AddToPurchaseSummary(tx, PurchaseSummaryDeltaOfOrder(record)));
  item.stored = OrderToProto(record);
  // Last statement: after every row lock (change_feed_outbox.h).
  CRM_RETURN_IF_ERROR(feed_.Append(tx, OrderRecordedFeedEvent(item.stored)));
  item.appended = true;
  return absl::OkStatus();
}

absl::Status OrderRecorder::RunTogether(
    Transaction& tx, const std::vector<OrderToRecord*>& items) {
  absl::flat_hash_set<std::pair<std::string, std::string>> channel_orders;
  std::vector<std::string> requested_ids;
  requested_ids.reserve(items.size());
  for (OrderToRecord* item : items) {
    item->appended = false;
    if (!channel_orders
             .emplace(item->order.channel(), item->order.channel_order_id())
             .second) {
      return absl::AbortedError(
          "two requests of the batch record the same channel order");
    }
    requested_ids.push_back(item->requested_customer_id);
  }
  CRM_ASSIGN_OR_RETURN(auto owners,
                       customers_.ResolveActiveAll(tx, requested_ids));
  const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
  std::vector<OrderRecord> records;
  records.reserve(items.size());
  std::vector<PurchaseSummaryDelta> deltas;
  deltas.reserve(items.size());
  for (const OrderToRecord* item : items) {
    records.push_back(NewOrderRecord(item->order,
                                     owners.at(item->requested_customer_id),
                                     ids_.NewId(), now));
    deltas.push_back(PurchaseSummaryDeltaOfOrder(records.back()));
  }
  CRM_RETURN_IF_ERROR(orders_.InsertOrders(tx, records));
  CRM_RETURN_IF_ERROR(orders_.AddToPurchaseSummaries(tx, deltas));
  std::vector<crm::common::FeedEventRecord> events;
  events.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    items[i]->stored = OrderToProto(records[i]);
    events.push_back(OrderRecordedFeedEvent(items[i]->stored));
  }
  // Last statement: after every row lock (change_feed_outbox.h).
  CRM_RETURN_IF_ERROR(feed_.AppendAll(tx, events));
  for (OrderToRecord* item : items) item->appended = true;
  return absl::OkStatus();
}

}  // namespace crm::customer_profile

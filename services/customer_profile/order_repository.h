// Storage of orders, refunds, interaction events and purchase summaries, as
// domain records behind an interface: OrderManagerImpl decides (refund
// arithmetic, idempotency, summary deltas, feed events) and this only stores
// and loads. Every method runs inside the caller's unit of work
// (services/common/unit_of_work.h) and neither commits nor rolls back.
// Implementations: MySqlOrderRepository (mysql_order_repository.h) and the
// in-memory fake under tests/testing/fakes/customer_profile/.
//
//   return unit_of_work.Run<v1::Order>(ctx, [&](Transaction& tx)
//       -> absl::StatusOr<v1::Order> {
//     CRM_ASSIGN_OR_RETURN(std::optional<OrderRecord> order,
//                          orders.GetOrderForUpdate(tx, customer_id, id));
//     ...
//   });
//
// The customer side calls the last group of methods (merge, export, erasure)
// inside its own unit of work. Customer ids are used as given: resolving a
// merged customer to its survivor is the caller's job
// (active_customer_resolver.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/repeated_field.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "services/common/keyset_page.h"
#include "services/common/unit_of_work.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

// One stored order. Amounts are minor units of `currency_code` (ISO 4217).
struct OrderRecord {
  std::string customer_id;
  std::string id;
  std::string channel;
  std::string channel_order_id;
  std::string currency_code;
  int64_t amount_minor = 0;
  int64_t refunded_minor = 0;
  std::string store_id;
  absl::Time order_time;
  absl::Time create_time;
  google::protobuf::RepeatedPtrField<v1::OrderLineItem> line_items;
};

// One refund of an order; (customer_id, order_id, refund_id) is unique.
struct RefundRecord {
  std::string customer_id;
  std::string order_id;
  std::string refund_id;
  int64_t amount_minor = 0;  // In the order's currency.
  std::string reason;
  absl::Time create_time;
};

// One stored interaction event; `event_id` is unique across customers.
struct InteractionEventRecord {
  std::string customer_id;
  std::string event_id;
  v1::InteractionEvent::Type type = v1::InteractionEvent::TYPE_UNSPECIFIED;
  std::string custom_type;
  std::string channel;
  absl::Time event_time;
  std::map<std::string, std::string> properties;
  absl::Time create_time;
};

// A customer's purchase totals in one currency.
struct PurchaseSummaryRecord {
  std::string customer_id;
  std::string currency_code;
  int64_t order_count = 0;
  int64_t total_spent_minor = 0;
  absl::Time first_order_time;
  absl::Time last_order_time;
};

// A change to one PurchaseSummaryRecord: counts and totals are added, the
// time range widened to include [first_order_time, last_order_time].
struct PurchaseSummaryDelta {
  std::string customer_id;
  std::string currency_code;
  int64_t order_count = 0;
  int64_t total_spent_minor = 0;
  absl::Time first_order_time;
  absl::Time last_order_time;
};

// An order and everything recorded about a customer, for data export.
struct CustomerActivity {
  std::vector<OrderRecord> orders;             // Oldest first.
  std::vector<InteractionEventRecord> events;  // Oldest first.
};

class OrderRepository {
 public:
  OrderRepository(const OrderRepository&) = delete;
  OrderRepository& operator=(const OrderRepository&) = delete;
  virtual ~OrderRepository() = default;

  // ---- Orders and refunds.

  // Stores a new order. ALREADY_EXISTS (RESOURCE_ALREADY_EXISTS) when
  // (channel, channel_order_id) is already stored; a concurrent uncommitted
  // insert of the same key is waited for first.
  virtual absl::Status InsertOrder(crm::common::Transaction& tx,
                                   const OrderRecord& order) = 0;

  // Stores new orders (InsertOrder of each) in as few statements as the
  // implementation can. ALREADY_EXISTS (RESOURCE_ALREADY_EXISTS) when any
  // (channel, channel_order_id) is already stored or repeated among
  // `orders`; then the caller must roll back (some may have been stored).
  virtual absl::Status InsertOrders(crm::common::Transaction& tx,
                                    const std::vector<OrderRecord>& orders) = 0;

  // The order with (channel, channel_order_id), as last committed (a
  // locking read: it sees rows committed after the transaction began);
  // nullopt if none.
  virtual absl::StatusOr<std::optional<OrderRecord>> FindOrderByChannelOrder(
      crm::common::Transaction& tx, absl::string_view channel,
      absl::string_view channel_order_id) = 0;

  // The order, locked against concurrent writers until the transaction
  // ends; nullopt if `customer_id` has no order `order_id`.
  virtual absl::StatusOr<std::optional<OrderRecord>> GetOrderForUpdate(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::string_view order_id) = 0;

  // Sets the order's refunded amount. NOT_FOUND if there is no such order.
  virtual absl::Status SetRefundedAmount(crm::common::Transaction& tx,
                                         absl::string_view customer_id,
                                         absl::string_view order_id,
                                         int64_t refunded_minor) = 0;

  // Up to `page.page_size` orders of `customer_id`, newest first by
  // (order_time, id), strictly after `page.after` (whose create_time holds
  // an order_time); `next` set when more may follow.
  virtual absl::StatusOr<crm::common::Page<OrderRecord>> ListOrders(
      crm::common::Transaction& tx, absl::string_view customer_id,
      const crm::common::PageRequest& page) = 0;

  // The refund `refund_id` of the order; nullopt if none.
  virtual absl::StatusOr<std::optional<RefundRecord>> FindRefund(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::string_view order_id, absl::string_view refund_id) = 0;

  // Stores a new refund. ALREADY_EXISTS if its id is stored for the order.
  virtual absl::Status InsertRefund(crm::common::Transaction& tx,
                                    const RefundRecord& refund) = 0;

  // ---- Purchase summaries.

  // Applies `delta` to the (customer, currency) summary, creating it from
  // the delta when absent. Atomic against concurrent deltas.
  virtual absl::Status AddToPurchaseSummary(
      crm::common::Transaction& tx, const PurchaseSummaryDelta& delta) = 0;

  // AddToPurchaseSummary of each of `deltas` (several may name the same
  // summary: all are applied) in as few statements as the implementation
  // can, taking the summaries' row locks in key order.
  virtual absl::Status AddToPurchaseSummaries(
      crm::common::Transaction& tx,
      const std::vector<PurchaseSummaryDelta>& deltas) = 0;

  // The customer's summaries, one per currency, by currency code; empty
  // before the first order.
  virtual absl::StatusOr<std::vector<PurchaseSummaryRecord>>
  ListPurchaseSummaries(crm::common::Transaction& tx,
                        absl::string_view customer_id) = 0;

  // The summaries of each of `customer_ids` (as ListPurchaseSummaries gives
  // them), keyed by customer id, in one read; a customer without summaries
  // has no entry. Empty `customer_ids` read nothing.
  virtual absl::StatusOr<
      std::map<std::string, std::vector<PurchaseSummaryRecord>>>
  ListPurchaseSummariesOfCustomers(
      crm::common::Transaction& tx,
      const std::vector<std::string>& customer_ids) = 0;

  // ---- Interaction events.

  // Stores the event unless its event_id is already stored (for any
  // customer); true if stored by this call.
  virtual absl::StatusOr<bool> InsertEventIfAbsent(
      crm::common::Transaction& tx, const InteractionEventRecord& event) = 0;

  // ---- Called by the customer side (merge, export, erasure).

  // Merge: moves every order, refund and interaction event of
  // `from_customer_id` to `to_customer_id` and folds the former's purchase
  // summaries into the latter's (counts and totals added, time ranges
  // widened), removing the former's. A second call finds nothing to move;
  // equal ids do nothing.
  virtual absl::Status MoveCustomerActivity(
      crm::common::Transaction& tx, absl::string_view from_customer_id,
      absl::string_view to_customer_id) = 0;

  // Every order and interaction event of `customer_id`, oldest first (for
  // ExportCustomerData).
  virtual absl::StatusOr<CustomerActivity> LoadCustomerActivity(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // Erasure: deletes the customer's interaction events (their properties may
  // hold personal data). Orders, refunds and summaries are kept: financial
  // records without personal data.
  virtual absl::Status DeleteEventsOfCustomer(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

 protected:
  OrderRepository() = default;
};

}  // namespace crm::customer_profile

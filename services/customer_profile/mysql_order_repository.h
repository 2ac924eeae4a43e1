// OrderRepository on customer-profile's MySQL/MariaDB database (tables
// orders, order_refunds, interaction_events, customer_purchase_summaries;
// migrations/0003_create_orders.sql), plus helpers the customer side calls
// inside its own transactions (merge, export, erasure).
//
//   MySqlOrderRepository orders(pool, clock, ids);
//   CRM_ASSIGN_OR_RETURN(OrderWriteResult r, orders.Record(order));
//   if (r.feed_appended) notifier.Notify();
//
// Every statement is a prepared statement. Orders are keyed (customer_id, id)
// so the tables can be sharded by customer; (channel, channel_order_id) is
// unique. Record and Refund append their feed event as the last statement of
// the transaction, after every row lock (change_feed_outbox.h).
#pragma once

#include <cppconn/connection.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/keyset_page.h"
#include "services/common/mysql_pool.h"
#include "services/customer_profile/order_validation.h"

namespace crm::customer_profile {

// The change feed customer-profile serves (change_feed_outbox.h).
inline constexpr absl::string_view kCustomerProfileFeed = "customer_profile";

// The result of a write: the order as stored, and whether this call changed
// anything (and so appended a feed event). A repeat reports false.
struct OrderWriteResult {
  v1::Order order;
  bool feed_appended = false;
};

struct RecordEventsResult {
  int recorded = 0;
  int duplicates = 0;
};

class MySqlOrderRepository final {
 public:
  // `pool`, `clock` and `ids` must outlive the repository.
  MySqlOrderRepository(crm::common::MySqlPool& pool,
                       const crm::common::Clock& clock,
                       const crm::common::IdGenerator& ids)
      : pool_(pool), clock_(clock), ids_(ids) {}

  absl::StatusOr<OrderWriteResult> Record(const v1::Order& order);
  absl::StatusOr<OrderWriteResult> Refund(const RefundSpec& spec);
  absl::StatusOr<crm::common::Page<v1::Order>> List(
      absl::string_view customer_id, const crm::common::PageRequest& page);
  absl::StatusOr<RecordEventsResult> RecordEvents(
      const std::vector<v1::InteractionEvent>& events);

 private:
  crm::common::MySqlPool& pool_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
};

// ---- Helpers for the customer side: call them on the connection of an
// ---- open transaction; they neither commit nor roll back. They may throw
// ---- sql::SQLException (RunInTransaction maps it).

// Merge: moves every order, refund and interaction event of
// `from_customer_id` to `to_customer_id` and folds the purchase summary of
// the former into the latter's (counts and totals added, first/last order
// times widened); the former's summary rows are removed. Idempotent: a
// second call finds nothing left to move. Appends no feed event (the caller
// emits CUSTOMER_MERGED).
absl::Status ReassignOrdersAndEvents(sql::Connection& connection,
                                     absl::string_view from_customer_id,
                                     absl::string_view to_customer_id);

// The customer's purchase summary (empty message before any order;
// total_spent sorted by currency code). `customer_id` is used as is (no
// merge redirection).
absl::StatusOr<v1::PurchaseSummary> LoadPurchaseSummary(
    sql::Connection& connection, absl::string_view customer_id);

// Appends every order (with refunded_amount) and interaction event of
// `customer_id` to `out->orders` / `out->events`, oldest first.
absl::Status ExportOrdersAndEvents(sql::Connection& connection,
                                   absl::string_view customer_id,
                                   v1::ExportCustomerDataResponse* out);

// Erasure: deletes the customer's interaction events (their properties may
// hold personal data). Orders and the purchase summary are kept: they are
// financial records without personal data.
absl::Status DeleteEventsForCustomer(sql::Connection& connection,
                                     absl::string_view customer_id);

}  // namespace crm::customer_profile

// OrderRepository (order_repository.h) on customer-profile's MySQL/MariaDB
// database: tables orders, order_refunds, interaction_events and
// customer_purchase_summaries (migrations/0003_create_orders.sql). All SQL
// and row mapping, nothing else: every statement is prepared and runs on the
// connection of the caller's transaction (MySqlConnectionOf), neither
// committing nor rolling back; driver errors propagate as sql::SQLException,
// which MySqlUnitOfWork maps to a status.
//
//   MySqlUnitOfWork unit_of_work(pool);
//   MySqlOrderRepository orders;
//   OrderManagerImpl manager(unit_of_work, orders, resolver, feed, clock, ids);
//
// Orders are keyed (customer_id, id) so the tables can be sharded by
// customer; (channel, channel_order_id) is unique, and so is an event's
// event_id. Line items and event properties are stored as serialized
// messages holding only them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/customer_profile/order_repository.h"

namespace crm::customer_profile {

class MySqlOrderRepository final : public OrderRepository {
 public:
  MySqlOrderRepository() = default;

  absl::Status InsertOrder(crm::common::Transaction& tx,
                           const OrderRecord& order) override;
  absl::Status InsertOrders(crm::common::Transaction& tx,
                            const std::vector<OrderRecord>& orders) override;
  absl::StatusOr<std::optional<OrderRecord>> FindOrderByChannelOrder(
      crm::common::Transaction& tx, absl::string_view channel,
      absl::string_view channel_order_id) override;
  absl::StatusOr<std::optional<OrderRecord>> GetOrderForUpdate(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::string_view order_id) override;
  absl::Status SetRefundedAmount(crm::common::Transaction& tx,
                                 absl::string_view customer_id,
                                 absl::string_view order_id,
                                 int64_t refunded_minor) override;
  absl::StatusOr<crm::common::Page<OrderRecord>> ListOrders(
      crm::common::Transaction& tx, absl::string_view customer_id,
      const crm::common::PageRequest& page) override;
  absl::StatusOr<std::optional<RefundRecord>> FindRefund(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::string_view order_id, absl::string_view refund_id) override;
  absl::Status InsertRefund(crm::common::Transaction& tx,
                            const RefundRecord& refund) override;
  absl::Status AddToPurchaseSummary(crm::common::Transaction& tx,
                                    const PurchaseSummaryDelta& delta) override;
  absl::Status AddToPurchaseSummaries(
      crm::common::Transaction& tx,
      const std::vector<PurchaseSummaryDelta>& deltas) override;
  absl::StatusOr<std::vector<PurchaseSummaryRecord>> ListPurchaseSummaries(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::StatusOr<std::map<std::string, std::vector<PurchaseSummaryRecord>>>
  ListPurchaseSummariesOfCustomers(
      crm::common::Transaction& tx,
      const std::vector<std::string>& customer_ids) override;
  absl::StatusOr<bool> InsertEventIfAbsent(
      crm::common::Transaction& tx,
      const InteractionEventRecord& event) override;
  absl::Status MoveCustomerActivity(crm::common::Transaction& tx,
                                    absl::string_view from_customer_id,
                                    absl::string_view to_customer_id) override;
  absl::StatusOr<CustomerActivity> LoadCustomerActivity(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::Status DeleteEventsOfCustomer(crm::common::Transaction& tx,
                                      absl::string_view customer_id) override;
};

}  // namespace crm::customer_profile

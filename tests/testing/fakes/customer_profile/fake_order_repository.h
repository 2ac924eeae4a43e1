// An in-memory OrderRepository (services/customer_profile/order_repository.h)
// for unit tests of the order manager and of the customer side's merge,
// export and erasure; rolled back with the FakeUnitOfWork it enlists in, so
// a refused write leaves no order, refund, event or summary change.
//
//   crm::testing::FakeUnitOfWork unit_of_work;
//   crm::testing::FakeOrderRepository orders(&unit_of_work);
//   OrderManagerImpl manager(unit_of_work, orders, customers, feed, clock,
//                            ids);
//   ... manager.Record(ctx, request) ...
//   EXPECT_EQ(orders.Orders().size(), 1);
//
// Follows the interface's contracts (ALREADY_EXISTS for a taken channel
// order or refund id, NOT_FOUND for a missing order). Locks need no
// modelling: FakeUnitOfWork runs one unit of work at a time.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/common/error_details.h"
#include "services/common/status_macros.h"
#include "services/customer_profile/order_repository.h"
#include "services/customer_profile/order_rules.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class FakeOrderRepository final
    : public crm::customer_profile::OrderRepository {
 public:
  using OrderRecord = crm::customer_profile::OrderRecord;
  using RefundRecord = crm::customer_profile::RefundRecord;
  using InteractionEventRecord = crm::customer_profile::InteractionEventRecord;
  using PurchaseSummaryRecord = crm::customer_profile::PurchaseSummaryRecord;
  using PurchaseSummaryDelta = crm::customer_profile::PurchaseSummaryDelta;
  using CustomerActivity = crm::customer_profile::CustomerActivity;

  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  explicit FakeOrderRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        State saved = state_;
        return [this, saved] { state_ = saved; };
      });
    }
  }

  absl::Status InsertOrder(crm::common::Transaction& /*tx*/,
                           const OrderRecord& order) override {
    for (const auto& [key, stored] : state_.orders) {
      if (stored.channel == order.channel &&
          stored.channel_order_id == order.channel_order_id) {
        return crm::common::AlreadyExistsError(
            key.second, "order: the channel order is already recorded");
      }
    }
    state_.orders[{order.customer_id, order.id}] = order;
    return absl::OkStatus();
  }

  absl::Status InsertOrders(crm::common::Transaction& tx,
                            const std::vector<OrderRecord>& orders) override {
    for (const OrderRecord& order : orders) {
      CRM_RETURN_IF_ERROR(InsertOrder(tx, order));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<OrderRecord>> FindOrderByChannelOrder(
      crm::common::Transaction& /*tx*/, absl::string_view channel,
      absl::string_view channel_order_id) override {
    for (const auto& [key, stored] : state_.orders) {
      if (stored.channel == channel &&
          stored.channel_order_id == channel_order_id) {
        return std::optional<OrderRecord>(stored);
      }
    }
    return std::optional<OrderRecord>();
  }

  absl::StatusOr<std::optional<OrderRecord>> GetOrderForUpdate(
      crm::common::Transaction& /*tx*/, absl::string_view customer_id,
      absl::string_view order_id) override {
    auto it = state_.orders.find(OrderKey(customer_id, order_id));
    if (it == state_.orders.end()) return std::optional<OrderRecord>();
    return std::optional<OrderRecord>(it->second);
  }

  absl::Status SetRefundedAmount(crm::common::Transaction& /*tx*/,
                                 absl::string_view customer_id,
                                 absl::string_view order_id,
                                 int64_t refunded_minor) override {
    auto it = state_.orders.find(OrderKey(customer_id, order_id));
    if (it == state_.orders.end()) {
      return crm::common::NotFoundError(
          absl::StrCat("customers/", customer_id, "/orders/", order_id));
    }
    it->second.refunded_minor = refunded_minor;
    return absl::OkStatus();
  }

  absl::StatusOr<crm::common::Page<OrderRecord>> ListOrders(
      crm::common::Transaction& /*tx*/, absl::string_view customer_id,
      const crm::common::PageRequest& page) override {
    std::vector<OrderRecord> orders;
    for (const auto& [key, stored] : state_.orders) {
      if (stored.customer_id != customer_id) continue;
      if (page.after.has_value() &&
          std::tie(stored.order_time, stored.id) >=
              std::tie(page.after->create_time, page.after->id)) {
        continue;
      }
      orders.push_back(stored);
    }
    std::sort(orders.begin(), orders.end(),
              [](const OrderRecord& a, const OrderRecord& b) {
                return std::tie(a.order_time, a.id) >
                       std::tie(b.order_time, b.id);
              });
    if (orders.size() > static_cast<size_t>(page.page_size) + 1) {
      orders.resize(page.page_size + 1);
    }
    return crm::common::MakePage<OrderRecord>(
        std::move(orders), page.page_size, [](const OrderRecord& order) {
          return crm::common::KeysetPosition{order.order_time, order.id};
        });
  }

  absl::StatusOr<std::optional<RefundRecord>> FindRefund(
      crm::common::Transaction& /*tx*/, absl::string_view customer_id,
      absl::string_view order_id, absl::string_view refund_id) override {
    auto it = state_.refunds.find(RefundKey(customer_id, order_id, refund_id));
    if (it == state_.refunds.end()) return std::optional<RefundRecord>();
    return std::optional<RefundRecord>(it->second);
  }

  absl::Status InsertRefund(crm::common::Transaction& /*tx*/,
                            const RefundRecord& refund) override {
    auto [it, inserted] = state_.refunds.emplace(
        RefundKey(refund.customer_id, refund.order_id, refund.refund_id),
        refund);
    if (!inserted) {
      return crm::common::AlreadyExistsError(
          absl::StrCat("customers/", refund.customer_id, "/orders/",
                       refund.order_id),
          "refund_id: already used for this order");
    }
    return absl::OkStatus();
  }

  absl::Status AddToPurchaseSummary(
      crm::common::Transaction& /*tx*/,
      const PurchaseSummaryDelta& delta) override {
    const std::pair<std::string, std::string> key{delta.customer_id,
                                                  delta.currency_code};
    std::optional<PurchaseSummaryRecord> current;
    if (auto it = state_.summaries.find(key); it != state_.summaries.end()) {
      current = it->second;
    }
    state_.summaries[key] =
        crm::customer_profile::ApplyPurchaseSummaryDelta(current, delta);
    return absl::OkStatus();
  }

  absl::Status AddToPurchaseSummaries(
      crm::common::Transaction& tx,
      const std::vector<PurchaseSummaryDelta>& deltas) override {
    for (const PurchaseSummaryDelta& delta : deltas) {
      CRM_RETURN_IF_ERROR(AddToPurchaseSummary(tx, delta));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<PurchaseSummaryRecord>> ListPurchaseSummaries(
      crm::common::Transaction& /*tx*/,
      absl::string_view customer_id) override {
    return SummariesOf(customer_id);
  }

  absl::StatusOr<std::map<std::string, std::vector<PurchaseSummaryRecord>>>
  ListPurchaseSummariesOfCustomers(
      crm::common::Transaction& /*tx*/,
      const std::vector<std::string>& customer_ids) override {
    std::map<std::string, std::vector<PurchaseSummaryRecord>> summaries;
    for (const std::string& customer_id : customer_ids) {
      std::vector<PurchaseSummaryRecord> of_customer = SummariesOf(customer_id);
      if (!of_customer.empty()) summaries[customer_id] = std::move(of_customer);
    }
    return summaries;
  }

  absl::StatusOr<bool> InsertEventIfAbsent(
      crm::common::Transaction& /*tx*/,
      const InteractionEventRecord& event) override {
    for (const InteractionEventRecord& stored : state_.events) {
      if (stored.event_id == event.event_id) return false;
    }
    state_.events.push_back(event);
    return true;
  }

  absl::Status MoveCustomerActivity(crm::common::Transaction& tx,
                                    absl::string_view from_customer_id,
                                    absl::string_view to_customer_id) override {
    if (from_customer_id == to_customer_id) return absl::OkStatus();
    std::map<std::pair<std::string, std::string>, OrderRecord> orders;
    for (auto& [key, order] : state_.orders) {
      if (order.customer_id == from_customer_id) {
        order.customer_id = std::string(to_customer_id);
      }
      orders[{order.customer_id, order.id}] = order;
    }
    state_.orders = std::move(orders);
    std::map<std::tuple<std::string, std::string, std::string>, RefundRecord>
        refunds;
    for (auto& [key, refund] : state_.refunds) {
      if (refund.customer_id == from_customer_id) {
        refund.customer_id = std::string(to_customer_id);
      }
      refunds[{refund.customer_id, refund.order_id, refund.refund_id}] = refund;
    }
    state_.refunds = std::move(refunds);
    for (InteractionEventRecord& event : state_.events) {
      if (event.customer_id == from_customer_id) {
        event.customer_id = std::string(to_customer_id);
      }
    }
    for (const PurchaseSummaryRecord& summary : SummariesOf(from_customer_id)) {
      absl::Status added = AddToPurchaseSummary(
          tx, PurchaseSummaryDelta{
                  std::string(to_customer_id), summary.currency_code,
                  summary.order_count, summary.total_spent_minor,
                  summary.first_order_time, summary.last_order_time});
      if (!added.ok()) return added;
      state_.summaries.erase(
          {std::string(from_customer_id), summary.currency_code});
    }
    return absl::OkStatus();
  }

  absl::StatusOr<CustomerActivity> LoadCustomerActivity(
      crm::common::Transaction& /*tx*/,
      absl::string_view customer_id) override {
    CustomerActivity activity;
    for (const auto& [key, order] : state_.orders) {
      if (order.customer_id == customer_id) activity.orders.push_back(order);
    }
    std::sort(activity.orders.begin(), activity.orders.end(),
              [](const OrderRecord& a, const OrderRecord& b) {
                return std::tie(a.order_time, a.id) <
                       std::tie(b.order_time, b.id);
              });
    for (const InteractionEventRecord& event : state_.events) {
      if (event.customer_id == customer_id) activity.events.push_back(event);
    }
    std::sort(
        activity.events.begin(), activity.events.end(),
        [](const InteractionEventRecord& a, const InteractionEventRecord& b) {
          return std::tie(a.event_time, a.event_id) <
                 std::tie(b.event_time, b.event_id);
        });
    return activity;
  }

  absl::Status DeleteEventsOfCustomer(crm::common::Transaction& /*tx*/,
                                      absl::string_view customer_id) override {
    state_.events.erase(
        std::remove_if(state_.events.begin(), state_.events.end(),
                       [&](const InteractionEventRecord& event) {
                         return event.customer_id == customer_id;
                       }),
        state_.events.end());
    return absl::OkStatus();
  }

  // ---- Inspection.

  std::vector<OrderRecord> Orders() const {
    std::vector<OrderRecord> orders;
    for (const auto& [key, order] : state_.orders) orders.push_back(order);
    return orders;
  }
  std::vector<RefundRecord> Refunds() const {
    std::vector<RefundRecord> refunds;
    for (const auto& [key, refund] : state_.refunds) refunds.push_back(refund);
    return refunds;
  }
  const std::vector<InteractionEventRecord>& Events() const {
    return state_.events;
  }
  // The summaries of `customer_id`, by currency code.
  std::vector<PurchaseSummaryRecord> SummariesOf(
      absl::string_view customer_id) const {
    std::vector<PurchaseSummaryRecord> summaries;
    for (const auto& [key, summary] : state_.summaries) {
      if (key.first == customer_id) summaries.push_back(summary);
    }
    return summaries;
  }

 private:
  static std::pair<std::string, std::string> OrderKey(
      absl::string_view customer_id, absl::string_view order_id) {
    return {std::string(customer_id), std::string(order_id)};
  }
  static std::tuple<std::string, std::string, std::string> RefundKey(
      absl::string_view customer_id, absl::string_view order_id,
      absl::string_view refund_id) {
    return {std::string(customer_id), std::string(order_id),
            std::string(refund_id)};
  }

  struct State {
    std::map<std::pair<std::string, std::string>, OrderRecord> orders;
    std::map<std::tuple<std::string, std::string, std::string>, RefundRecord>
        refunds;
    std::vector<InteractionEventRecord> events;  // In insertion order.
    std::map<std::pair<std::string, std::string>, PurchaseSummaryRecord>
        summaries;
  };
  State state_;
};

}  // namespace crm::testing

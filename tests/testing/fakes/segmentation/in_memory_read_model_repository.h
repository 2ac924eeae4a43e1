// An in-memory ReadModelRepository
// (services/segmentation/read_model_repository.h) for unit tests of the feed
// applier and the segmentation managers; rolled back with the
// FakeUnitOfWork it enlists in.
//
//   crm::testing::FakeUnitOfWork unit_of_work;
//   crm::testing::InMemoryReadModelRepository read_model(&unit_of_work);
//   ProfileFeedApplier applier(read_model, hook);
//
// Follows the interface's contracts (orders by time then id, merge chains
// repointed, DeleteCustomer keeps merge records).
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/segmentation/read_model_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryReadModelRepository final
    : public crm::segmentation::ReadModelRepository {
 public:
  using CustomerFacts = crm::segmentation::CustomerFacts;
  using OrderFact = crm::segmentation::OrderFact;
  using CustomerAggregate = crm::segmentation::CustomerAggregate;
  using MergeRecord = crm::segmentation::MergeRecord;
  using BehaviourCounts = crm::segmentation::BehaviourCounts;
  using NamedCount = crm::segmentation::NamedCount;

  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  explicit InMemoryReadModelRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        State saved = state_;
        return [this, saved] { state_ = saved; };
      });
    }
  }

  absl::Status UpsertCustomer(crm::common::Transaction& /*tx*/,
                              const CustomerFacts& facts) override {
    state_.customers[facts.customer_id] = facts;
    return absl::OkStatus();
  }
  absl::StatusOr<std::optional<CustomerFacts>> FindCustomer(
      crm::common::Transaction& /*tx*/, absl::string_view id) override {
    auto it = state_.customers.find(std::string(id));
    if (it == state_.customers.end()) return std::nullopt;
    return it->second;
  }
  absl::Status UpsertOrder(crm::common::Transaction& /*tx*/,
                           const OrderFact& order) override {
    state_.orders[{order.customer_id, order.order_id}] = order;
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<OrderFact>> ListOrders(
      crm::common::Transaction& /*tx*/, absl::string_view id) override {
    std::vector<OrderFact> orders;
    for (const auto& [key, order] : state_.orders) {
      if (key.first == id) orders.push_back(order);
    }
    std::sort(orders.begin(), orders.end(),
              [](const OrderFact& a, const OrderFact& b) {
                return std::tie(a.order_time, a.order_id) <
                       std::tie(b.order_time, b.order_id);
              });
    return orders;
  }
  absl::Status MoveOrders(crm::common::Transaction& /*tx*/,
                          absl::string_view from,
                          absl::string_view to) override {
    for (auto it = state_.orders.begin(); it != state_.orders.end();) {
      if (it->first.first != from) {
        ++it;
        continue;
      }
      OrderFact order = it->second;
      order.customer_id = std::string(to);
      state_.orders.emplace(std::make_pair(order.customer_id, order.order_id),
                            order);
      it = state_.orders.erase(it);
    }
    return absl::OkStatus();
  }
  absl::Status SaveAggregate(crm::common::Transaction& /*tx*/,
                             const CustomerAggregate& aggregate) override {
    state_.aggregates[aggregate.customer_id] = aggregate;
    return absl::OkStatus();
  }
  absl::StatusOr<std::optional<CustomerAggregate>> FindAggregate(
      crm::common::Transaction& /*tx*/, absl::string_view id) override {
    auto it = state_.aggregates.find(std::string(id));
    if (it == state_.aggregates.end()) return std::nullopt;
    return it->second;
  }
  absl::Status ForEachAggregate(
      crm::common::Transaction& /*tx*/,
      const std::function<absl::Status(const CustomerAggregate&)>& visit)
      override {
    for (const auto& [id, aggregate] : state_.aggregates) {
      if (absl::Status status = visit(aggregate); !status.ok()) return status;
    }
    return absl::OkStatus();
  }
  absl::Status ForEachCustomerOrders(
      crm::common::Transaction& tx,
      const std::function<absl::Status(
          absl::string_view, const std::vector<OrderFact>&)>& visit) override {
    std::set<std::string> ids;
    for (const auto& [key, order] : state_.orders) ids.insert(key.first);
    for (const std::string& id : ids) {
      absl::StatusOr<std::vector<OrderFact>> orders = ListOrders(tx, id);
      if (!orders.ok()) return orders.status();
      if (absl::Status status = visit(id, *orders); !status.ok()) {
        return status;
      }
    }
    return absl::OkStatus();
  }
  absl::Status AddBehaviourCounts(
      crm::common::Transaction& /*tx*/,
      const std::vector<BehaviourCounts>& deltas) override {
    for (const BehaviourCounts& delta : deltas) Add(delta);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<BehaviourCounts>> FindBehaviourCounts(
      crm::common::Transaction& /*tx*/,
      const std::vector<std::string>& ids) override {
    std::vector<BehaviourCounts> found;
    for (const std::string& id : ids) {
      auto it = state_.counts.find(id);
      found.push_back(it == state_.counts.end() ? BehaviourCounts{}
                                                : Sorted(it->second));
      found.back().customer_id = id;
    }
    return found;
  }
  absl::Status MoveBehaviourCounts(crm::common::Transaction& /*tx*/,
                                   absl::string_view from,
                                   absl::string_view to) override {
    auto it = state_.counts.find(std::string(from));
    if (it == state_.counts.end()) return absl::OkStatus();
    BehaviourCounts moved = it->second;
    state_.counts.erase(it);
    moved.customer_id = std::string(to);
    Add(moved);
    return absl::OkStatus();
  }
  absl::StatusOr<BehaviourCounts> BehaviourTotals(
      crm::common::Transaction& /*tx*/) override {
    BehaviourCounts totals;
    for (const auto& [id, counts] : state_.counts) {
      BehaviourCounts one = counts;
      one.customer_id.clear();
      AddTo(totals, one);
    }
    return Sorted(totals);
  }
  absl::StatusOr<std::vector<std::string>> ListCustomerIds(
      crm::common::Transaction& /*tx*/, absl::string_view after,
      int limit) override {
    std::set<std::string> ids;
    for (const auto& [id, facts] : state_.customers) ids.insert(id);
    for (const auto& [id, aggregate] : state_.aggregates) ids.insert(id);
    std::vector<std::string> page;
    for (const std::string& id : ids) {
      if (id > after && page.size() < static_cast<size_t>(limit)) {
        page.push_back(id);
      }
    }
    return page;
  }
  absl::Status DeleteCustomer(crm::common::Transaction& /*tx*/,
                              absl::string_view id) override {
    state_.customers.erase(std::string(id));
    state_.aggregates.erase(std::string(id));
    state_.counts.erase(std::string(id));
    for (auto it = state_.orders.begin(); it != state_.orders.end();) {
      it = it->first.first == id ? state_.orders.erase(it) : ++it;
    }
    return absl::OkStatus();
  }
  absl::Status RecordMerge(crm::common::Transaction& /*tx*/,
                           const MergeRecord& merge) override {
    for (auto& [id, record] : state_.merges) {
      if (record.survivor_id == merge.duplicate_id) {
        record.survivor_id = merge.survivor_id;
      }
    }
    state_.merges[merge.duplicate_id] = merge;
    return absl::OkStatus();
  }
  absl::StatusOr<std::optional<MergeRecord>> FindMerge(
      crm::common::Transaction& /*tx*/, absl::string_view id) override {
    auto it = state_.merges.find(std::string(id));
    if (it == state_.merges.end()) return std::nullopt;
    return it->second;
  }
  absl::StatusOr<std::vector<MergeRecord>> ListMergedInto(
      crm::common::Transaction& /*tx*/,
      absl::string_view survivor_id) override {
    std::vector<MergeRecord> merges;
    for (const auto& [id, record] : state_.merges) {
      if (record.survivor_id == survivor_id) merges.push_back(record);
    }
    return merges;
  }
  absl::Status DeleteMergesInto(crm::common::Transaction& /*tx*/,
                                absl::string_view survivor_id) override {
    for (auto it = state_.merges.begin(); it != state_.merges.end();) {
      it = it->second.survivor_id == survivor_id ? state_.merges.erase(it)
                                                 : ++it;
    }
    return absl::OkStatus();
  }

  // Rows held (facts, orders, aggregates, merges), for "nothing left" checks.
  size_t row_count() const {
    return state_.customers.size() + state_.orders.size() +
           state_.aggregates.size() + state_.merges.size() +
           state_.counts.size();
  }

 private:
  static void AddNamed(std::vector<NamedCount>& to,
                       const std::vector<NamedCount>& from) {
    for (const NamedCount& one : from) {
      auto it = std::find_if(to.begin(), to.end(), [&](const NamedCount& held) {
        return held.name == one.name;
      });
      if (it == to.end()) {
        to.push_back(one);
      } else {
        it->count += one.count;
      }
    }
  }
  static void AddTo(BehaviourCounts& to, const BehaviourCounts& from) {
    AddNamed(to.channel_orders, from.channel_orders);
    AddNamed(to.category_quantities, from.category_quantities);
    to.interaction_count += from.interaction_count;
  }
  static BehaviourCounts Sorted(BehaviourCounts counts) {
    auto by_name = [](const NamedCount& a, const NamedCount& b) {
      return a.name < b.name;
    };
    std::sort(counts.channel_orders.begin(), counts.channel_orders.end(),
              by_name);
    std::sort(counts.category_quantities.begin(),
              counts.category_quantities.end(), by_name);
    return counts;
  }
  void Add(const BehaviourCounts& delta) {
    BehaviourCounts& held = state_.counts[delta.customer_id];
    held.customer_id = delta.customer_id;
    AddTo(held, delta);
  }

  struct State {
    std::map<std::string, CustomerFacts> customers;
    std::map<std::pair<std::string, std::string>, OrderFact> orders;
    std::map<std::string, CustomerAggregate> aggregates;
    std::map<std::string, MergeRecord> merges;
    std::map<std::string, BehaviourCounts> counts;
  };
  State state_;
};

}  // namespace crm::testing

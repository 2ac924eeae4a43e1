// Storage of the read model (read_model.h): customer facts, orders and
// aggregates, kept by ProfileFeedApplier (profile_feed_applier.h) inside the
// feed consumer's transaction. The MySQL implementation is
// MySqlReadModelRepository (mysql_read_model_repository.h).
//
//   CRM_RETURN_IF_ERROR(read_model.UpsertOrder(tx, order));
//   CRM_ASSIGN_OR_RETURN(std::vector<OrderFact> orders,
//                        read_model.ListOrders(tx, order.customer_id));
//   CRM_RETURN_IF_ERROR(read_model.SaveAggregate(
//       tx, AggregateOrders(order.customer_id, orders)));
//
// The repository stores what it is given and computes nothing.
#pragma once

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/status_macros.h"
#include "services/common/unit_of_work.h"
#include "services/segmentation/clv_model.h"
#include "services/segmentation/read_model.h"
#include "services/segmentation/rfm_scoring.h"

namespace crm::segmentation {

class ReadModelRepository {
 public:
  ReadModelRepository(const ReadModelRepository&) = delete;
  ReadModelRepository& operator=(const ReadModelRepository&) = delete;
  virtual ~ReadModelRepository() = default;

  // Inserts or replaces the facts of `facts.customer_id`.
  virtual absl::Status UpsertCustomer(crm::common::Transaction& tx,
                                      const CustomerFacts& facts) = 0;

  // The facts of `customer_id`; nullopt if there are none.
  virtual absl::StatusOr<std::optional<CustomerFacts>> FindCustomer(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // Inserts or replaces the order (customer_id, order_id).
  virtual absl::Status UpsertOrder(crm::common::Transaction& tx,
                                   const OrderFact& order) = 0;

  // Every order of `customer_id`, by order time then order id.
  virtual absl::StatusOr<std::vector<OrderFact>> ListOrders(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // Gives every order of `from_customer_id` to `to_customer_id`. An order
  // id both already have keeps `to_customer_id`'s row.
  virtual absl::Status MoveOrders(crm::common::Transaction& tx,
                                  absl::string_view from_customer_id,
                                  absl::string_view to_customer_id) = 0;

  // Replaces the aggregate of `aggregate.customer_id` (its per-currency
  // spend rows included).
  virtual absl::Status SaveAggregate(crm::common::Transaction& tx,
                                     const CustomerAggregate& aggregate) = 0;

  // The aggregate of `customer_id`; nullopt if none was saved.
  virtual absl::StatusOr<std::optional<CustomerAggregate>> FindAggregate(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // Calls `visit` with every aggregate (spend included), by customer id,
  // stopping at the first error, which it returns.
  virtual absl::Status ForEachAggregate(
      crm::common::Transaction& tx,
      const std::function<absl::Status(const CustomerAggregate&)>& visit) = 0;

  // Calls `visit` once per customer with orders, with all their orders (by
  // order time), by customer id; stops at the first error and returns it.
  // Streams (one customer's orders held at a time): `visit` must not use
  // the transaction.
  virtual absl::Status ForEachCustomerOrders(
      crm::common::Transaction& tx,
      const std::function<absl::Status(absl::string_view customer_id,
                                       const std::vector<OrderFact>& orders)>&
          visit) = 0;

  // Calls `visit` once per customer, by customer id, with what the CLV
  // models count of their orders (clv_model.h): each order in
  // `currency_code` on a UTC day up to `last_utc_day`, not refunded in full
  // (zero-value orders count), as its UTC day and net amount, in no
  // particular order; customers with none are skipped. Stops at the first
  // error and returns it. Streams like ForEachCustomerOrders (the MySQL
  // implementation filters in the server and reads three columns a row);
  // `visit` must not use the transaction.
  virtual absl::Status ForEachCustomerPurchases(
      crm::common::Transaction& tx, absl::string_view currency_code,
      int64_t last_utc_day,
      const std::function<
          absl::Status(absl::string_view customer_id,
                       const std::vector<ClvPurchase>& purchases)>& visit) {
    std::vector<ClvPurchase> purchases;
    return ForEachCustomerOrders(
        tx,
        [&](absl::string_view customer_id,
            const std::vector<OrderFact>& orders) -> absl::Status {
          purchases.clear();
          for (const OrderFact& order : orders) {
            std::optional<ClvPurchase> purchase =
                ClvPurchaseOf(order, currency_code, last_utc_day);
            if (purchase.has_value()) purchases.push_back(*purchase);
          }
          if (purchases.empty()) return absl::OkStatus();
          return visit(customer_id, purchases);
        });
  }

  // The RFM inputs in `currency_code` of every customer with at least one
  // order (rfm_scoring.h), each dimension in no particular order; monetary
  // 0 for one without spend in the currency. Holds three numbers per
  // customer. The transaction's connection serves nothing else until it
  // returns.
  virtual absl::StatusOr<RfmPopulation> ReadRfmPopulation(
      crm::common::Transaction& tx, absl::string_view currency_code) {
    RfmPopulation population;
    CRM_RETURN_IF_ERROR(ForEachAggregate(
        tx, [&](const CustomerAggregate& aggregate) -> absl::Status {
          if (aggregate.order_count <= 0) return absl::OkStatus();
          int64_t monetary = 0;
          for (const CurrencySpend& spend : aggregate.spend) {
            if (spend.currency_code == currency_code) {
              monetary = spend.net_total_minor;
            }
          }
          population.recency.push_back(absl::ToUnixMicros(
              aggregate.last_order_time.value_or(absl::InfinitePast())));
          population.frequency.push_back(aggregate.order_count);
          population.monetary.push_back(monetary);
          return absl::OkStatus();
        }));
    return population;
  }

  // The batch reads of a full recompute: for each of `customer_ids`
  // (distinct), at the same position, its facts, its aggregate (spend
  // included: in every currency, or with `spend_currency` in that one
  // only), its orders (by order time, then order id). The MySQL
  // implementation reads each with a few multi-row statements.
  virtual absl::StatusOr<std::vector<std::optional<CustomerFacts>>>
  FindCustomers(crm::common::Transaction& tx,
                const std::vector<std::string>& customer_ids) {
    std::vector<std::optional<CustomerFacts>> found;
    found.reserve(customer_ids.size());
    for (const std::string& id : customer_ids) {
      absl::StatusOr<std::optional<CustomerFacts>> one = FindCustomer(tx, id);
      if (!one.ok()) return one.status();
      found.push_back(*std::move(one));
    }
    return found;
  }
  virtual absl::StatusOr<std::vector<std::optional<CustomerAggregate>>>
  FindAggregates(crm::common::Transaction& tx,
                 const std::vector<std::string>& customer_ids,
                 absl::string_view spend_currency = "") {
    std::vector<std::optional<CustomerAggregate>> found;
    found.reserve(customer_ids.size());
    for (const std::string& id : customer_ids) {
      absl::StatusOr<std::optional<CustomerAggregate>> one =
          FindAggregate(tx, id);
      if (!one.ok()) return one.status();
      if (one->has_value() && !spend_currency.empty()) {
        std::vector<CurrencySpend>& spend = (*one)->spend;
        spend.erase(std::remove_if(spend.begin(), spend.end(),
                                   [&](const CurrencySpend& each) {
                                     return each.currency_code !=
                                            spend_currency;
                                   }),
                    spend.end());
      }
      found.push_back(*std::move(one));
    }
    return found;
  }
  virtual absl::StatusOr<std::vector<std::vector<OrderFact>>> ListOrdersOf(
      crm::common::Transaction& tx,
      const std::vector<std::string>& customer_ids) {
    std::vector<std::vector<OrderFact>> found;
    found.reserve(customer_ids.size());
    for (const std::string& id : customer_ids) {
      absl::StatusOr<std::vector<OrderFact>> one = ListOrders(tx, id);
      if (!one.ok()) return one.status();
      found.push_back(*std::move(one));
    }
    return found;
  }

  // The batch writes of a batch of feed events (ProfileFeedApplier::
  // ApplyBatch): each does what the single form does for every element, in
  // order; the elements name distinct customers (distinct orders for
  // UpsertOrders). The MySQL implementation sends multi-row statements.
  virtual absl::Status UpsertCustomers(
      crm::common::Transaction& tx, const std::vector<CustomerFacts>& facts) {
    for (const CustomerFacts& one : facts) {
      absl::Status upserted = UpsertCustomer(tx, one);
      if (!upserted.ok()) return upserted;
    }
    return absl::OkStatus();
  }
  virtual absl::Status UpsertOrders(crm::common::Transaction& tx,
                                    const std::vector<OrderFact>& orders) {
    for (const OrderFact& order : orders) {
      absl::Status upserted = UpsertOrder(tx, order);
      if (!upserted.ok()) return upserted;
    }
    return absl::OkStatus();
  }
  virtual absl::Status SaveAggregates(
      crm::common::Transaction& tx,
      const std::vector<CustomerAggregate>& aggregates) {
    for (const CustomerAggregate& aggregate : aggregates) {
      absl::Status saved = SaveAggregate(tx, aggregate);
      if (!saved.ok()) return saved;
    }
    return absl::OkStatus();
  }
  // FindMerge for each of `customer_ids` (distinct), at the same positions.
  virtual absl::StatusOr<std::vector<std::optional<MergeRecord>>> FindMerges(
      crm::common::Transaction& tx,
      const std::vector<std::string>& customer_ids) {
    std::vector<std::optional<MergeRecord>> found;
    found.reserve(customer_ids.size());
    for (const std::string& id : customer_ids) {
      absl::StatusOr<std::optional<MergeRecord>> one = FindMerge(tx, id);
      if (!one.ok()) return one.status();
      found.push_back(*std::move(one));
    }
    return found;
  }

  // The behaviour counts (read_model.h): adds each of `deltas` (the same
  // customer may appear more than once) to the customer's stored counts,
  // each name's count to the stored one of that name. The MySQL
  // implementation sends one multi-row statement per table touched.
  virtual absl::Status AddBehaviourCounts(
      crm::common::Transaction& tx,
      const std::vector<BehaviourCounts>& deltas) = 0;
  // For each of `customer_ids` (distinct), at the same position, its stored
  // counts (all zero, names empty, when none are held); `customer_id` set.
  virtual absl::StatusOr<std::vector<BehaviourCounts>> FindBehaviourCounts(
      crm::common::Transaction& tx,
      const std::vector<std::string>& customer_ids) = 0;
  // Adds the counts of `from_customer_id` to those of `to_customer_id` and
  // removes `from_customer_id`'s.
  virtual absl::Status MoveBehaviourCounts(
      crm::common::Transaction& tx, absl::string_view from_customer_id,
      absl::string_view to_customer_id) = 0;
  // Over every customer: orders per channel, units per category (by name)
  // and interaction events; `customer_id` empty.
  virtual absl::StatusOr<BehaviourCounts> BehaviourTotals(
      crm::common::Transaction& tx) = 0;

  // Up to `limit` ids of customers in the read model (with facts or
  // orders) greater than `after`, ascending.
  virtual absl::StatusOr<std::vector<std::string>> ListCustomerIds(
      crm::common::Transaction& tx, absl::string_view after, int limit) = 0;

  // Removes the read model of `customer_id`: facts, orders, aggregate (its
  // spend included), behaviour counts. Merge records are kept
  // (DeleteMergesInto). OK if nothing was held.
  virtual absl::Status DeleteCustomer(crm::common::Transaction& tx,
                                      absl::string_view customer_id) = 0;

  // Records that `merge.duplicate_id` is now `merge.survivor_id` (replacing
  // an earlier record of the duplicate), and repoints the records of
  // customers merged into the duplicate to the survivor, so every chain is
  // one step long.
  virtual absl::Status RecordMerge(crm::common::Transaction& tx,
                                   const MergeRecord& merge) = 0;

  // The merge record of `customer_id` as a duplicate; nullopt if it was not
  // merged away.
  virtual absl::StatusOr<std::optional<MergeRecord>> FindMerge(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // The records of the customers merged into `survivor_id`, by duplicate id.
  virtual absl::StatusOr<std::vector<MergeRecord>> ListMergedInto(
      crm::common::Transaction& tx, absl::string_view survivor_id) = 0;

  // Removes the records of the customers merged into `survivor_id`.
  virtual absl::Status DeleteMergesInto(crm::common::Transaction& tx,
                                        absl::string_view survivor_id) = 0;

 protected:
  ReadModelRepository() = default;
};

}  // namespace crm::segmentation

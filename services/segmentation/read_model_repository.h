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

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/unit_of_work.h"
#include "services/segmentation/read_model.h"

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
  virtual absl::Status ForEachCustomerOrders(
      crm::common::Transaction& tx,
      const std::function<absl::Status(absl::string_view customer_id,
                                       const std::vector<OrderFact>& orders)>&
          visit) = 0;

  // Up to `limit` ids of customers in the read model (with facts or
  // orders) greater than `after`, ascending.
  virtual absl::StatusOr<std::vector<std::string>> ListCustomerIds(
      crm::common::Transaction& tx, absl::string_view after, int limit) = 0;

  // Removes the read model of `customer_id`: facts, orders, aggregate (its
  // spend included). Merge records are kept (DeleteMergesInto). OK if
  // nothing was held.
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

// ReadModelRepository on the service's MySQL/MariaDB database (tables
// read_model_*, migrations/0002_create_read_model.sql): the read model's SQL
// and row mapping only, prepared statements on the caller's transaction.
//
//   MySqlReadModelRepository read_model;
//   ProfileFeedApplier applier(read_model);
#pragma once

#include "services/segmentation/read_model_repository.h"

namespace crm::segmentation {

class MySqlReadModelRepository final : public ReadModelRepository {
 public:
  MySqlReadModelRepository() = default;

  absl::Status UpsertCustomer(crm::common::Transaction& tx,
                              const CustomerFacts& facts) override;
  absl::StatusOr<std::optional<CustomerFacts>> FindCustomer(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::Status UpsertOrder(crm::common::Transaction& tx,
                           const OrderFact& order) override;
  absl::StatusOr<std::vector<OrderFact>> ListOrders(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::Status MoveOrders(crm::common::Transaction& tx,
                          absl::string_view from_customer_id,
                          absl::string_view to_customer_id) override;
  absl::Status SaveAggregate(crm::common::Transaction& tx,
                             const CustomerAggregate& aggregate) override;
  absl::StatusOr<std::optional<CustomerAggregate>> FindAggregate(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::Status ForEachAggregate(
      crm::common::Transaction& tx,
      const std::function<absl::Status(const CustomerAggregate&)>& visit)
      override;
  absl::Status ForEachCustomerOrders(
      crm::common::Transaction& tx,
      const std::function<absl::Status(absl::string_view customer_id,
                                       const std::vector<OrderFact>& orders)>&
          visit) override;
  // Defined in mysql_read_model_clv_inputs.cc.
  absl::Status ForEachCustomerPurchases(
      crm::common::Transaction& tx, absl::string_view currency_code,
      int64_t last_utc_day,
      const std::function<absl::Status(
          absl::string_view customer_id,
          const std::vector<ClvPurchase>& purchases)>& visit) override;
  absl::StatusOr<RfmPopulation> ReadRfmPopulation(
      crm::common::Transaction& tx, absl::string_view currency_code) override;
  absl::StatusOr<std::vector<std::optional<CustomerFacts>>> FindCustomers(
      crm::common::Transaction& tx,
      const std::vector<std::string>& customer_ids) override;
  absl::StatusOr<std::vector<std::optional<CustomerAggregate>>> FindAggregates(
      crm::common::Transaction& tx,
      const std::vector<std::string>& customer_ids,
      absl::string_view spend_currency = "") override;
  absl::StatusOr<std::vector<std::vector<OrderFact>>> ListOrdersOf(
      crm::common::Transaction& tx,
      const std::vector<std::string>& customer_ids) override;
  // Defined in mysql_read_model_feed_batches.cc.
  absl::Status UpsertCustomers(
      crm::common::Transaction& tx,
      const std::vector<CustomerFacts>& facts) override;
  absl::Status UpsertOrders(crm::common::Transaction& tx,
                            const std::vector<OrderFact>& orders) override;
  absl::Status SaveAggregates(
      crm::common::Transaction& tx,
      const std::vector<CustomerAggregate>& aggregates) override;
  absl::StatusOr<std::vector<std::optional<MergeRecord>>> FindMerges(
      crm::common::Transaction& tx,
      const std::vector<std::string>& customer_ids) override;
  // Defined in mysql_read_model_behaviour_counts.cc.
  absl::Status AddBehaviourCounts(
      crm::common::Transaction& tx,
      const std::vector<BehaviourCounts>& deltas) override;
  absl::StatusOr<std::vector<BehaviourCounts>> FindBehaviourCounts(
      crm::common::Transaction& tx,
      const std::vector<std::string>& customer_ids) override;
  absl::Status MoveBehaviourCounts(crm::common::Transaction& tx,
                                   absl::string_view from_customer_id,
                                   absl::string_view to_customer_id) override;
  absl::StatusOr<BehaviourCounts> BehaviourTotals(
      crm::common::Transaction& tx) override;
  absl::StatusOr<std::vector<std::string>> ListCustomerIds(
      crm::common::Transaction& tx, absl::string_view after,
      int limit) override;
  absl::Status DeleteCustomer(crm::common::Transaction& tx,
                              absl::string_view customer_id) override;
  absl::Status RecordMerge(crm::common::Transaction& tx,
                           const MergeRecord& merge) override;
  absl::StatusOr<std::optional<MergeRecord>> FindMerge(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::StatusOr<std::vector<MergeRecord>> ListMergedInto(
      crm::common::Transaction& tx, absl::string_view survivor_id) override;
  absl::Status DeleteMergesInto(crm::common::Transaction& tx,
                                absl::string_view survivor_id) override;
};

}  // namespace crm::segmentation

// ItemAssociationRepository on the service's MySQL/MariaDB database (tables
// order_items, item_baskets, item_pairs, basket_totals, migration 0009;
// item_views, migration 0011):
// SQL and row mapping only, on the caller's transaction.
#pragma once

#include "services/segmentation/item_association_repository.h"

namespace crm::segmentation {

class MySqlItemAssociationRepository final : public ItemAssociationRepository {
 public:
  MySqlItemAssociationRepository() = default;

  absl::Status AddBaskets(crm::common::Transaction& tx,
                          const std::vector<OrderItemRecord>& items,
                          const BasketCounts& counts) override;
  absl::Status AddViews(crm::common::Transaction& tx,
                        const std::vector<ItemViewRecord>& views,
                        const BasketCounts& counts) override;
  absl::StatusOr<std::vector<std::string>> ListViewedSkusOn(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::Time day) override;
  absl::StatusOr<std::vector<PurchasedItem>> ListViewedItems(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::StatusOr<std::vector<PurchasedItem>> ListPurchasedItems(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::StatusOr<std::vector<OrderItemRecord>> ListOrderItems(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::StatusOr<AssociationView> LoadView(
      crm::common::Transaction& tx, const std::vector<std::string>& history,
      int64_t min_pair_baskets) override;
  absl::Status MoveCustomer(crm::common::Transaction& tx,
                            absl::string_view from_customer_id,
                            absl::string_view to_customer_id) override;
  absl::Status DeleteCustomer(crm::common::Transaction& tx,
                              absl::string_view customer_id) override;
};

}  // namespace crm::segmentation

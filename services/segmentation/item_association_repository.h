// Storage of the product associations (item_associations.h): each
// customer's bought SKUs, each customer's viewed SKUs per day (their view
// baskets), and the basket counts per SKU, per pair and in total. The MySQL
// implementation is MySqlItemAssociationRepository (migrations 0009 and
// 0011). It stores what it is given and computes nothing.
//
//   CRM_RETURN_IF_ERROR(repository.AddBaskets(tx, items, counts));
//   CRM_ASSIGN_OR_RETURN(AssociationView view,
//                        repository.LoadView(tx, history, 2));
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/unit_of_work.h"
#include "services/segmentation/item_associations.h"

namespace crm::segmentation {

// One SKU of one customer's order.
struct OrderItemRecord {
  std::string customer_id;
  std::string order_id;
  std::string sku;
  absl::Time order_time;
};

// One SKU of one customer's view basket (the views of one UTC day).
struct ItemViewRecord {
  std::string customer_id;
  absl::Time day;  // ViewDayOf(view_time).
  std::string sku;
  absl::Time view_time;  // The last view of `sku` that day.
};

class ItemAssociationRepository {
 public:
  ItemAssociationRepository(const ItemAssociationRepository&) = delete;
  ItemAssociationRepository& operator=(const ItemAssociationRepository&) =
      delete;
  virtual ~ItemAssociationRepository() = default;

  // Stores `items` (a row already held is kept) and adds `counts` to the
  // stored counts (an item's category becomes the count's when not empty).
  virtual absl::Status AddBaskets(crm::common::Transaction& tx,
                                  const std::vector<OrderItemRecord>& items,
                                  const BasketCounts& counts) = 0;

  // Stores `views` (a row already held keeps the later view_time) and adds
  // `counts` to the stored counts.
  virtual absl::Status AddViews(crm::common::Transaction& tx,
                                const std::vector<ItemViewRecord>& views,
                                const BasketCounts& counts) = 0;

  // The SKUs of `customer_id`'s view basket of the day starting at `day`,
  // ascending.
  virtual absl::StatusOr<std::vector<std::string>> ListViewedSkusOn(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::Time day) = 0;

  // The distinct SKUs `customer_id` viewed, each with its last view time.
  virtual absl::StatusOr<std::vector<PurchasedItem>> ListViewedItems(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // The distinct SKUs `customer_id` bought, each with its last order time.
  virtual absl::StatusOr<std::vector<PurchasedItem>> ListPurchasedItems(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // Every order item of `customer_id`, by order id then SKU.
  virtual absl::StatusOr<std::vector<OrderItemRecord>> ListOrderItems(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // The pairs (a, b) of each SKU a of `history` counted over at least
  // `min_pair_baskets` baskets, the items of those a and b, and the totals.
  virtual absl::StatusOr<AssociationView> LoadView(
      crm::common::Transaction& tx, const std::vector<std::string>& history,
      int64_t min_pair_baskets) = 0;

  // Gives `from_customer_id`'s order items and item views to
  // `to_customer_id` (a row both hold keeps `to_customer_id`'s).
  virtual absl::Status MoveCustomer(crm::common::Transaction& tx,
                                    absl::string_view from_customer_id,
                                    absl::string_view to_customer_id) = 0;

  // Removes `customer_id`'s order items and item views (the counts stay:
  // they name no one).
  virtual absl::Status DeleteCustomer(crm::common::Transaction& tx,
                                      absl::string_view customer_id) = 0;

 protected:
  ItemAssociationRepository() = default;
};

}  // namespace crm::segmentation

-- Item views behind ListRecommendations (item_associations.h), kept from
-- customer-profile's INTERACTION_RECORDED events of type PAGE_VIEW that name
-- a `sku`: each customer's viewed SKUs per UTC day (view_day, the day's
-- start), a row per (customer, day, SKU) with the day's last view of it.
-- A customer's rows of one day are their view basket, counted in
-- item_baskets, item_pairs and basket_totals (0009) at the view weight.
-- Rows follow merges and are deleted on erasure, as order_items are.
CREATE TABLE IF NOT EXISTS item_views (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  view_day DATETIME NOT NULL,
  sku VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  view_time DATETIME(6) NOT NULL,
  PRIMARY KEY (customer_id, view_day, sku)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

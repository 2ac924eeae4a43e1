-- Product associations behind ListRecommendations (item_associations.h),
-- kept from customer-profile's order events (each order counted once, when
-- first seen). order_items: each customer's bought SKUs (their history;
-- follows merges, deleted on erasure). item_baskets, item_pairs,
-- basket_totals: per SKU, per ordered pair of SKUs (both (a, b) and (b, a))
-- and overall, the number of baskets and the sum of their time weights
-- (2^((order time - 2020-01-01) / half-life)). These counts name no customer
-- and are kept when one is erased.
CREATE TABLE IF NOT EXISTS order_items (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  order_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  sku VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  order_time DATETIME(6) NOT NULL,
  PRIMARY KEY (customer_id, order_id, sku)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS item_baskets (
  sku VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  category VARCHAR(64) NOT NULL DEFAULT '',
  baskets BIGINT NOT NULL,
  weight DOUBLE NOT NULL,
  PRIMARY KEY (sku)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS item_pairs (
  sku VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  other_sku VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  baskets BIGINT NOT NULL,
  weight DOUBLE NOT NULL,
  PRIMARY KEY (sku, other_sku)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS basket_totals (
  id TINYINT NOT NULL,
  baskets BIGINT NOT NULL,
  weight DOUBLE NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

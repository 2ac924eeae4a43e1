-- What the behaviour clusters (behaviour_clusters.h) count of each customer
-- beyond the aggregate, kept incrementally from customer-profile's feed in
-- the events' transactions (profile_feed_applier.h): added to when an order
-- is first seen or an interaction event arrives, summed into the survivor
-- on a merge, deleted on erasure. Orders and interactions applied before
-- this migration are not counted. Keyed by customer_id like the read model.

-- Orders placed on a UTC Saturday or Sunday, recomputed with the aggregate
-- from the customer's orders (and so filled in here for the orders held).
ALTER TABLE read_model_aggregates
  ADD COLUMN IF NOT EXISTS weekend_order_count BIGINT NOT NULL DEFAULT 0;

UPDATE read_model_aggregates a SET weekend_order_count = (
  SELECT COUNT(*) FROM read_model_orders o
  WHERE o.customer_id = a.customer_id AND DAYOFWEEK(o.order_time) IN (1, 7));

-- Orders per channel (Order.channel, [a-z0-9_]{1,32}).
CREATE TABLE IF NOT EXISTS customer_channel_counts (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  channel VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  order_count BIGINT NOT NULL,
  PRIMARY KEY (customer_id, channel)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Units bought per product category (OrderLineItem.category; lines without
-- one are not counted).
CREATE TABLE IF NOT EXISTS customer_category_counts (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  category VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  quantity BIGINT NOT NULL,
  PRIMARY KEY (customer_id, category)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- INTERACTION_RECORDED events of the customer.
CREATE TABLE IF NOT EXISTS customer_interaction_counts (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  interaction_count BIGINT NOT NULL,
  PRIMARY KEY (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

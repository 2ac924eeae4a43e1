-- Orders, refunds, interaction events and per-customer purchase summaries
-- (mysql_order_repository.h). Every table leads with customer_id, the shard
-- key; (channel, channel_order_id) identifies an order across customers.
CREATE TABLE IF NOT EXISTS orders (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  channel VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  channel_order_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  currency_code CHAR(3) CHARACTER SET ascii NOT NULL,
  amount_minor BIGINT NOT NULL,
  refunded_minor BIGINT NOT NULL DEFAULT 0,
  store_id VARCHAR(64) NOT NULL DEFAULT '',
  order_time DATETIME(6) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  line_items MEDIUMBLOB NOT NULL,
  PRIMARY KEY (customer_id, id),
  UNIQUE KEY orders_by_channel_order (channel, channel_order_id),
  KEY orders_by_id (id),
  KEY orders_by_customer_time (customer_id, order_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS order_refunds (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  order_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  refund_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  amount_minor BIGINT NOT NULL,
  reason VARCHAR(500) NOT NULL DEFAULT '',
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (customer_id, order_id, refund_id),
  KEY order_refunds_by_order (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS interaction_events (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  event_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  type INT NOT NULL,
  custom_type VARCHAR(64) CHARACTER SET ascii NOT NULL DEFAULT '',
  channel VARCHAR(32) CHARACTER SET ascii NOT NULL,
  event_time DATETIME(6) NOT NULL,
  properties MEDIUMBLOB NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (customer_id, event_id),
  UNIQUE KEY interaction_events_by_event_id (event_id),
  KEY interaction_events_by_customer_time (customer_id, event_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS customer_purchase_summaries (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  currency_code CHAR(3) CHARACTER SET ascii NOT NULL,
  order_count BIGINT NOT NULL,
  total_spent_minor BIGINT NOT NULL,
  first_order_time DATETIME(6) NOT NULL,
  last_order_time DATETIME(6) NOT NULL,
  PRIMARY KEY (customer_id, currency_code)
) ENGINE=InnoDB;

-- The read model built from customer-profile's change feed
-- (profile_feed_applier.h): what segmentation knows of each customer, keyed
-- by customer_id so the database can be split by customer. No personal data.
CREATE TABLE IF NOT EXISTS read_model_customers (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  country_code VARCHAR(2) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  source_channel VARCHAR(255) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
  locale VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  gender VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  -- Sorted unique values joined by U+001F (unit separator).
  tags TEXT COLLATE utf8mb4_bin NOT NULL,
  granted_consents VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  create_time DATETIME(6) NULL,
  last_sequence BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per order: amounts and times only.
CREATE TABLE IF NOT EXISTS read_model_orders (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  order_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  order_time DATETIME(6) NOT NULL,
  currency_code CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  amount_minor BIGINT NOT NULL,
  refunded_minor BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (customer_id, order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Per-customer order aggregates (customer_aggregate.h), replaced on every
-- order event of the customer.
CREATE TABLE IF NOT EXISTS read_model_aggregates (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  order_count BIGINT NOT NULL,
  purchase_days BIGINT NOT NULL,
  first_order_time DATETIME(6) NULL,
  last_order_time DATETIME(6) NULL,
  previous_purchase_time DATETIME(6) NULL,
  PRIMARY KEY (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS read_model_spend (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  currency_code CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  order_count BIGINT NOT NULL,
  net_total_minor BIGINT NOT NULL,
  average_minor BIGINT NOT NULL,
  PRIMARY KEY (customer_id, currency_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

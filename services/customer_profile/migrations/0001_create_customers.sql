-- Customers: one row per person. `id` is the customer id every other service
-- refers to, and the shard key when the database is split by customer.
CREATE TABLE IF NOT EXISTS customers (
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  given_name VARCHAR(100) NOT NULL DEFAULT '',
  family_name VARCHAR(100) NOT NULL DEFAULT '',
  display_name VARCHAR(200) NOT NULL DEFAULT '',
  email VARCHAR(254) NOT NULL DEFAULT '',
  phone VARCHAR(32) NOT NULL DEFAULT '',
  locale VARCHAR(35) CHARACTER SET ascii NOT NULL DEFAULT '',
  state VARCHAR(16) CHARACTER SET ascii NOT NULL,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY customers_by_create_time (create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The rewards catalogue. stock never goes below zero (CHECK; redemptions
-- lock the row and take one unit).
CREATE TABLE IF NOT EXISTS rewards (
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  display_name VARCHAR(100) NOT NULL,
  point_cost BIGINT NOT NULL,
  stock BIGINT NOT NULL,
  coupon_validity_days INT NOT NULL,
  available_until DATETIME(6) NULL,
  create_time DATETIME(6) NOT NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT rewards_stock_not_negative CHECK (stock >= 0),
  CONSTRAINT rewards_cost_positive CHECK (point_cost > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Coupons, each with a unique unguessable code (services/loyalty/coupon_codes.h).
CREATE TABLE IF NOT EXISTS coupons (
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  code CHAR(20) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  reward_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  state VARCHAR(16) CHARACTER SET ascii NOT NULL,
  issue_time DATETIME(6) NOT NULL,
  expire_time DATETIME(6) NOT NULL,
  redeem_time DATETIME(6) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY coupons_by_code (code),
  KEY coupons_by_customer (customer_id, issue_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

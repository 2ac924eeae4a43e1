-- Referrals (services/loyalty/README.md, "Referrals"): one code per member
-- (unique, unguessable, like coupon codes) and the referral graph. A
-- referral's row is keyed by the referred customer (customer_id, the shard
-- key); referrer_id names the member who referred.
CREATE TABLE IF NOT EXISTS referral_codes (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  code CHAR(20) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (customer_id),
  UNIQUE KEY referral_codes_by_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS referrals (
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  referrer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  state VARCHAR(16) CHARACTER SET ascii NOT NULL,
  create_time DATETIME(6) NOT NULL,
  reward_time DATETIME(6) NULL,
  cancel_time DATETIME(6) NULL,
  referrer_points BIGINT NOT NULL DEFAULT 0,
  referred_points BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  KEY referrals_by_customer (customer_id, create_time, id),
  KEY referrals_by_referrer (referrer_id, create_time, id),
  KEY referrals_by_create_time (create_time, id),
  CONSTRAINT referrals_points_not_negative
    CHECK (referrer_points >= 0 AND referred_points >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The programme's settings (one row per programme; today only 'default'),
-- stored as the serialized crm.loyalty.v1.Program without name, etag and
-- update time, which are the row's id, version and update_time.
CREATE TABLE IF NOT EXISTS programs (
  id VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  settings BLOB NOT NULL,
  version BIGINT NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Tier state and refund debt of an account.
ALTER TABLE accounts
  ADD COLUMN IF NOT EXISTS tier VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin
    NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS tier_grace_end_time DATETIME(6) NULL,
  ADD COLUMN IF NOT EXISTS points_debt BIGINT NOT NULL DEFAULT 0,
  ADD CONSTRAINT accounts_debt_not_negative CHECK (points_debt >= 0);

-- sequence: the entry's position in its account's ledger (the account's
-- version right after it), 1, 2, 3, ...; qualifying_delta: what the entry
-- adds to the points tiers qualify on (earnings positive, their refund
-- clawbacks negative, 0 for spending, expiry and adjustments); expire_time:
-- when the lot the entry formed expires.
ALTER TABLE ledger_entries
  ADD COLUMN IF NOT EXISTS sequence BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS qualifying_delta BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS expire_time DATETIME(6) NULL,
  ADD KEY IF NOT EXISTS ledger_entries_by_sequence (customer_id, sequence);

-- Lots: the points of one credit (earn, bonus, positive adjustment,
-- returned redemption), spent and expired oldest first. The sum of the
-- remaining points of an account's lots is its balance. The id is the id of
-- the ledger entry that formed the lot.
CREATE TABLE IF NOT EXISTS point_lots (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  points BIGINT NOT NULL,
  remaining_points BIGINT NOT NULL,
  earn_time DATETIME(6) NOT NULL,
  expire_time DATETIME(6) NULL,
  PRIMARY KEY (customer_id, id),
  KEY point_lots_open_by_age (customer_id, remaining_points, earn_time, id),
  KEY point_lots_by_expiry (expire_time, customer_id),
  CONSTRAINT point_lots_points_positive CHECK (points > 0),
  CONSTRAINT point_lots_remaining_in_range
    CHECK (remaining_points >= 0 AND remaining_points <= points)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Points earned per order, so refunds claw back in proportion to what the
-- order earned (cumulatively, so rounding never drifts).
CREATE TABLE IF NOT EXISTS order_earnings (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  order_name VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  amount_minor BIGINT NOT NULL,
  currency_code CHAR(3) CHARACTER SET ascii NOT NULL,
  points_earned BIGINT NOT NULL,
  points_clawed BIGINT NOT NULL,
  PRIMARY KEY (customer_id, order_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

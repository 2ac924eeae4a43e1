-- Points accounts, one per customer, created with their first ledger entry.
-- points_balance is a cached sum of the account's ledger entries, updated in
-- the same transaction as every entry, with the row locked.
CREATE TABLE IF NOT EXISTS accounts (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  points_balance BIGINT NOT NULL,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (customer_id),
  CONSTRAINT accounts_balance_not_negative CHECK (points_balance >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The append-only ledger: rows are inserted, never updated or deleted.
-- idempotency_key (e.g. "adjust:<request_id>", later "order:<channel>:<id>")
-- makes every credit and debit happen at most once per customer.
CREATE TABLE IF NOT EXISTS ledger_entries (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  type VARCHAR(16) CHARACTER SET ascii NOT NULL,
  points_delta BIGINT NOT NULL,
  balance_after BIGINT NOT NULL,
  reason VARCHAR(500) NOT NULL,
  idempotency_key VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (customer_id, id),
  UNIQUE KEY ledger_entries_by_idempotency_key (customer_id, idempotency_key),
  KEY ledger_entries_by_create_time (customer_id, create_time, id),
  CONSTRAINT ledger_entries_delta_not_zero CHECK (points_delta <> 0),
  CONSTRAINT ledger_entries_balance_not_negative CHECK (balance_after >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Identifiers that resolve a write to an existing customer. `kind` is
-- "email", "phone" or "external"; `value_hash` the blind index (HMAC-SHA256
-- hex) of the standardised value ("<channel>:<id>" for external identities).
-- The primary key makes each identifier belong to at most one customer, so
-- concurrent creates carrying the same identifier yield one customer.
CREATE TABLE IF NOT EXISTS customer_identifiers (
  kind VARCHAR(16) CHARACTER SET ascii NOT NULL,
  value_hash CHAR(64) CHARACTER SET ascii NOT NULL,
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  PRIMARY KEY (kind, value_hash),
  KEY customer_identifiers_by_customer (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Tags, one row per (customer, tag), for the `tag = "..."` filter.
CREATE TABLE IF NOT EXISTS customer_tags (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  tag VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  PRIMARY KEY (customer_id, tag),
  KEY customer_tags_by_tag (tag, customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Audit trail of merges: one row per merged-away customer.
CREATE TABLE IF NOT EXISTS customer_merges (
  duplicate_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  survivor_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  merge_time DATETIME(6) NOT NULL,
  -- Comma-separated field paths whose value was taken from the duplicate.
  fields_taken VARCHAR(1000) CHARACTER SET ascii NOT NULL,
  PRIMARY KEY (duplicate_id),
  KEY customer_merges_by_survivor (survivor_id, merge_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Segment memberships kept current per customer (membership_manager.h), their
-- history, and the merges seen on customer-profile's feed. Keyed by
-- customer_id so the database can be split by customer.
CREATE TABLE IF NOT EXISTS segment_memberships (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  segment_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  enter_time DATETIME(6) NOT NULL,
  PRIMARY KEY (customer_id, segment_id),
  KEY segment_memberships_by_segment (segment_id, customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every entry to and exit from a segment, for trends and funnels.
CREATE TABLE IF NOT EXISTS segment_membership_changes (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  change_time DATETIME(6) NOT NULL,
  seq BIGINT NOT NULL AUTO_INCREMENT,
  segment_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  kind VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  reason VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  PRIMARY KEY (customer_id, change_time, seq),
  KEY segment_membership_changes_seq (seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Customers merged away (customer_id, the duplicate) and the customer they
-- now are (survivor_id), so late events naming a duplicate reach its
-- survivor and an erasure of the survivor reaches what the duplicate left
-- behind.
CREATE TABLE IF NOT EXISTS merged_customers (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  survivor_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  merge_time DATETIME(6) NOT NULL,
  PRIMARY KEY (customer_id),
  KEY merged_customers_by_survivor (survivor_id, customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Segment definitions: named rules over customers. Definitions are shared by
-- every customer (reference data): when the database is split by customer
-- they are copied to every shard, while per-customer tables (memberships,
-- aggregates) are keyed by customer_id.
CREATE TABLE IF NOT EXISTS segments (
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  display_name VARCHAR(200) NOT NULL,
  description VARCHAR(2000) NOT NULL DEFAULT '',
  rule VARCHAR(4000) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY segments_by_display_name (display_name),
  KEY segments_by_create_time (create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

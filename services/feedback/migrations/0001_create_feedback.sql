-- Feedback items, clustered by customer (the shard key) so that one
-- customer's feedback is stored together.
CREATE TABLE IF NOT EXISTS feedback (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  channel VARCHAR(32) NOT NULL,
  type VARCHAR(16) CHARACTER SET ascii NOT NULL,
  rating TINYINT NOT NULL,
  text TEXT NOT NULL,
  order_id VARCHAR(64) NOT NULL DEFAULT '',
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (customer_id, id),
  UNIQUE KEY feedback_by_id (id),
  KEY feedback_by_create_time (create_time, id),
  KEY feedback_by_customer_create_time (customer_id, create_time, id),
  CONSTRAINT feedback_rating_range CHECK (rating BETWEEN 0 AND 5)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Complaint tickets and their history. A ticket opened from a feedback item
-- keeps its id (unique, so one ticket per item; '' for tickets opened
-- directly, which the unique key on (feedback_key) leaves free). The
-- escalation job finds due tickets by next_escalation_time.
CREATE TABLE IF NOT EXISTS tickets (
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  feedback_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  feedback_key VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin
    AS (NULLIF(feedback_id, '')) PERSISTENT,
  title VARCHAR(200) NOT NULL,
  description TEXT NOT NULL,
  category VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  state VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  priority VARCHAR(4) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  assignee VARCHAR(128) NOT NULL DEFAULT '',
  team VARCHAR(128) NOT NULL DEFAULT '',
  sentiment_score DOUBLE NOT NULL,
  escalation_level TINYINT NOT NULL DEFAULT 0,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  first_response_time DATETIME(6) NULL,
  resolve_time DATETIME(6) NULL,
  close_time DATETIME(6) NULL,
  first_response_deadline DATETIME(6) NOT NULL,
  resolution_deadline DATETIME(6) NOT NULL,
  next_escalation_time DATETIME(6) NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY tickets_by_feedback (feedback_key),
  KEY tickets_by_create_time (create_time, id),
  KEY tickets_by_customer (customer_id, create_time, id),
  KEY tickets_by_state (state, create_time, id),
  KEY tickets_by_next_escalation (next_escalation_time),
  CONSTRAINT tickets_escalation_range CHECK (escalation_level BETWEEN 0 AND 3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- ticket_events carries its ticket's customer_id (the shard key), kept in
-- step when the ticket's customer changes (merge, erasure).
CREATE TABLE IF NOT EXISTS ticket_events (
  ticket_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  kind VARCHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  author VARCHAR(128) NOT NULL,
  text TEXT NOT NULL,
  from_state VARCHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  to_state VARCHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  assignee VARCHAR(128) NOT NULL,
  team VARCHAR(128) NOT NULL,
  escalation_level TINYINT NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (ticket_id, id),
  UNIQUE KEY ticket_events_by_id (id),
  KEY ticket_events_by_time (ticket_id, create_time, id),
  KEY ticket_events_by_customer (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

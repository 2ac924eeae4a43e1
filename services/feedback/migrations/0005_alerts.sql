-- Alerts, kept until acknowledged; one per dedup_key. `sequence` orders the
-- WatchAlerts stream: it is handed out from alert_sequence under that row's
-- lock, held until the inserting transaction ends, so sequences become
-- visible in increasing order. negative_feedback_hours counts negative
-- items per category and UTC hour for the complaint-spike rule.
CREATE TABLE IF NOT EXISTS alerts (
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  sequence BIGINT NOT NULL,
  dedup_key VARCHAR(160) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  kind VARCHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  state VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  summary VARCHAR(500) NOT NULL,
  category VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  observed BIGINT NOT NULL,
  baseline_mean DOUBLE NOT NULL,
  baseline_deviation DOUBLE NOT NULL,
  threshold BIGINT NOT NULL,
  window_start DATETIME(6) NULL,
  ticket_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  escalation_level TINYINT NOT NULL,
  create_time DATETIME(6) NOT NULL,
  acknowledge_time DATETIME(6) NULL,
  acknowledged_by VARCHAR(128) NOT NULL DEFAULT '',
  PRIMARY KEY (id),
  UNIQUE KEY alerts_by_sequence (sequence),
  UNIQUE KEY alerts_by_dedup_key (dedup_key),
  KEY alerts_by_create_time (create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS alert_sequence (
  id TINYINT NOT NULL,
  last_sequence BIGINT NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB;

INSERT IGNORE INTO alert_sequence (id, last_sequence) VALUES (1, 0);

CREATE TABLE IF NOT EXISTS negative_feedback_hours (
  category VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  hour_start DATETIME NOT NULL,
  count BIGINT NOT NULL,
  PRIMARY KEY (category, hour_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Journeys (journey_manager.h, journey_engine.h): trigger -> action rules and
-- the audit of every member's pass through one. `spec` holds the serialized
-- crm.loyalty.v1.Journey (trigger, condition, delay, action, purpose,
-- channel); the columns beside it are what queries select on.
CREATE TABLE IF NOT EXISTS journeys (
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  state VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  trigger_kind VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  spec MEDIUMBLOB NOT NULL,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY journeys_by_trigger (trigger_kind, state)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per journey, member and trigger event: the unique key is what
-- makes a journey act at most once per member and trigger, written in the
-- transaction of the action (or of the schedule, for a delayed run).
CREATE TABLE IF NOT EXISTS journey_runs (
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  journey_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  trigger_event VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  trigger_time DATETIME(6) NOT NULL,
  due_time DATETIME(6) NOT NULL,
  state VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  skip_reason VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  finish_time DATETIME(6) NULL,
  ledger_entry_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  coupon_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  message_type VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  message_payload TEXT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY journey_runs_once (journey_id, customer_id, trigger_event),
  KEY journey_runs_by_journey (journey_id, create_time, id),
  KEY journey_runs_due (state, due_time),
  KEY journey_runs_actions (customer_id, state, finish_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Each member's last order as the order feed delivered it, for
-- NO_ORDER_FOR_DAYS (orders recorded before this migration are not known).
CREATE TABLE IF NOT EXISTS journey_order_activity (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  last_order_time DATETIME(6) NOT NULL,
  PRIMARY KEY (customer_id),
  KEY journey_order_activity_by_time (last_order_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

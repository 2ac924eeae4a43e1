-- Outbound webhooks (services/loyalty/README.md, "Outbound webhooks"):
-- endpoints with the event types they receive, the messages enqueued inside
-- loyalty's units of work (outbound_message_repository.h), and one delivery
-- per message and endpoint subscribed when it was enqueued, which the
-- dispatcher attempts until DELIVERED or, after the last attempt, DEAD (a
-- dead letter, which ReplayDeadLetter makes PENDING again). A message and
-- its deliveries carry the customer it is about (the shard key; '' for
-- none), so an enqueue stays on the caller's shard.
CREATE TABLE IF NOT EXISTS webhook_endpoints (
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  url VARCHAR(2048) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  signing_secret VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  enabled BOOLEAN NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS webhook_endpoint_event_types (
  endpoint_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  event_type VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  PRIMARY KEY (endpoint_id, event_type),
  KEY webhook_endpoint_event_types_by_type (event_type, endpoint_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS outbound_messages (
  id BIGINT NOT NULL AUTO_INCREMENT,
  idempotency_key VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  event_type VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  payload_json MEDIUMTEXT NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY outbound_messages_by_key (idempotency_key),
  KEY outbound_messages_by_customer (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS webhook_deliveries (
  id BIGINT NOT NULL AUTO_INCREMENT,
  message_id BIGINT NOT NULL,
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  endpoint_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  state VARCHAR(16) CHARACTER SET ascii NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_time DATETIME(6) NOT NULL,
  last_attempt_time DATETIME(6) NULL,
  last_response_code INT NOT NULL DEFAULT 0,
  last_error VARCHAR(500) NOT NULL DEFAULT '',
  create_time DATETIME(6) NOT NULL,
  finish_time DATETIME(6) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY webhook_deliveries_by_message (message_id, endpoint_id),
  KEY webhook_deliveries_due (state, next_attempt_time),
  KEY webhook_deliveries_by_endpoint (endpoint_id, state, id),
  KEY webhook_deliveries_by_customer (customer_id),
  CONSTRAINT webhook_deliveries_state
    CHECK (state IN ('PENDING', 'DELIVERED', 'DEAD'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

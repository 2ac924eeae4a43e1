-- request_id -> stored response, for idempotent mutations (AIP-155).
CREATE TABLE IF NOT EXISTS idempotency_keys (
  method VARCHAR(128) NOT NULL,
  request_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  request_fingerprint CHAR(64) CHARACTER SET ascii NOT NULL,
  response_bytes MEDIUMBLOB NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (method, request_id),
  KEY idempotency_keys_by_create_time (create_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The resource names each stored idempotent response mentions
-- (idempotency_store.h, ResponseSubjects), so that an erasure can find and
-- delete the responses that hold a customer's data (ForgetSubjects).
-- Rows live and die with their idempotency_keys row.
CREATE TABLE IF NOT EXISTS idempotency_key_subjects (
  subject VARBINARY(255) NOT NULL,
  method VARCHAR(128) NOT NULL,
  request_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  PRIMARY KEY (subject, method, request_id),
  KEY idempotency_key_subjects_by_key (method, request_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Survey invitations and the consents that gate them, and the value tier a
-- response was given in.
-- survey_invitations: one row per survey sent to a customer for an order or
-- a ticket (clustered by customer, the shard key); the unique
-- (survey_id, subject) makes it once per survey and order or ticket;
-- response_id is '' until a response answers it. Deleted on erasure.
CREATE TABLE IF NOT EXISTS survey_invitations (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  survey_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  subject VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  channel VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  response_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL
    DEFAULT '',
  create_time DATETIME(6) NOT NULL,
  answer_time DATETIME(6) NULL,
  PRIMARY KEY (customer_id, id),
  UNIQUE KEY survey_invitations_by_id (id),
  UNIQUE KEY survey_invitations_by_subject (survey_id, subject),
  KEY survey_invitations_by_time (create_time, id),
  KEY survey_invitations_by_survey (survey_id, create_time, id),
  KEY survey_invitations_by_customer (customer_id, create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Each customer's consent answers (customer-profile's Consent, one per
-- purpose) as last seen on customer-profile's feed; feed_sequence is the
-- event that set them, so a stale event never undoes a newer answer. A
-- purpose without a row is unknown, which counts as not granted.
CREATE TABLE IF NOT EXISTS customer_consents (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  purpose VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  status VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  feed_sequence BIGINT NOT NULL,
  PRIMARY KEY (customer_id, purpose)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The invitation a response answered ('' without one) and the customer's
-- value tier when it was submitted (UNKNOWN for responses stored before
-- this migration), copied onto the scored answers the scores count.
ALTER TABLE survey_responses
  ADD COLUMN IF NOT EXISTS invitation_id VARCHAR(64) CHARACTER SET ascii
    COLLATE ascii_bin NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS value_tier VARCHAR(32) CHARACTER SET ascii
    COLLATE ascii_bin NOT NULL DEFAULT 'VALUE_TIER_UNKNOWN';

ALTER TABLE survey_scored_answers
  ADD COLUMN IF NOT EXISTS value_tier VARCHAR(32) CHARACTER SET ascii
    COLLATE ascii_bin NOT NULL DEFAULT 'VALUE_TIER_UNKNOWN';

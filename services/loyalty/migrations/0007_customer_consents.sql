-- Consents (consent_policy.h, consent_tracker.h): each customer's answer per
-- customer-profile consent purpose, kept from customer-profile's feed in the
-- consumer's transaction. A purpose without a row is unknown, which marketing
-- treats as not granted. Campaigns name the marketing channel whose consent
-- they need and count the orders they skipped for want of it.
CREATE TABLE IF NOT EXISTS customer_consents (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  purpose VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  status VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  answer_time DATETIME(6) NULL,
  feed_sequence BIGINT NOT NULL,
  PRIMARY KEY (customer_id, purpose)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE campaigns
  ADD COLUMN IF NOT EXISTS marketing_channel VARCHAR(32) CHARACTER SET ascii
    COLLATE ascii_bin NOT NULL DEFAULT 'MARKETING_CHANNEL_UNSPECIFIED',
  ADD COLUMN IF NOT EXISTS orders_skipped_without_consent BIGINT NOT NULL
    DEFAULT 0;

-- Rewarded referrals from loyalty's change feed (referral_value.h): one row
-- per referral, the customer `customer_id` (the referrer, whose referral
-- value the row counts towards) brought `referred_id` in. Both sides follow
-- merges (re-keyed to the survivor); an erasure deletes every row naming the
-- customer on either side. Customer referral value (CRV) is read from here
-- at read time: referral_edges_by_customer serves the per-page lookup, and
-- referral_edges_by_referred the re-keying and erasure of the referred side.
CREATE TABLE IF NOT EXISTS referral_edges (
  referral_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  referred_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  reward_time DATETIME(6) NOT NULL,
  PRIMARY KEY (referral_id),
  KEY referral_edges_by_customer (customer_id, referred_id),
  KEY referral_edges_by_referred (referred_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

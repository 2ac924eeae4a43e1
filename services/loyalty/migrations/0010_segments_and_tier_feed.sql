-- Segment targeting and loyalty's own change feed (services/loyalty/README.md,
-- "Segments" and "Change feed").
-- A campaign may reach only the members of a segmentation segment.
ALTER TABLE campaigns
  ADD COLUMN IF NOT EXISTS segment_id VARCHAR(64) CHARACTER SET ascii
    COLLATE ascii_bin NULL;
-- Coupons issued to a segment carry the key of (request, member) they were
-- issued for, so a repeat of the request issues nothing twice. A hash (no
-- customer id in the clear); an erasure clears it with the coupon's re-key.
ALTER TABLE coupons
  ADD COLUMN IF NOT EXISTS issue_key CHAR(64) CHARACTER SET ascii
    COLLATE ascii_bin NULL,
  ADD UNIQUE KEY IF NOT EXISTS coupons_by_issue_key (customer_id, issue_key);
-- Tier-change events are keyed by customer; an erasure re-keys a
-- customer's events to its tombstone and finds them by this key.
ALTER TABLE change_feed_events
  ADD KEY IF NOT EXISTS change_feed_events_by_key (feed, `key`);

-- Segmentation's own change feed (README, "Change feed") is keyed by
-- customer; an erasure re-keys a customer's events to a tombstone and finds
-- them by this key.
ALTER TABLE change_feed_events
  ADD KEY IF NOT EXISTS change_feed_events_by_key (feed, `key`);

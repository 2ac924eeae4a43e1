-- Feedback's own change feed (README.md, "Change feed"): TICKET_RESOLVED and
-- SURVEY_ANSWERED events in the common outbox (change_feed_events,
-- change_feed_counters: common migration 0002), feed `feedback`, keyed by the
-- customer id ('' for anonymous ones). An erasure re-keys a customer's events
-- to a tombstone and a merge the duplicate's to the survivor, finding them by
-- this key.
ALTER TABLE change_feed_events
  ADD KEY IF NOT EXISTS change_feed_events_by_key (feed, `key`);

-- Transactional outbox of a service's change feeds (change_feed_outbox.h,
-- change_feed_sequencer.h).
--
-- Writers insert events with sequence NULL; `id` (AUTO_INCREMENT) is the
-- write-order key. The sequencer later numbers committed events 1, 2, 3, ...
-- in id order without gaps, and records the feed's last number in its
-- counter row in the same transaction. Readers see only numbered events.
CREATE TABLE IF NOT EXISTS change_feed_counters (
  feed VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  last_sequence BIGINT NOT NULL,
  PRIMARY KEY (feed)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS change_feed_events (
  id BIGINT NOT NULL AUTO_INCREMENT,
  feed VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  sequence BIGINT NULL,
  type INT NOT NULL,
  `key` VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  payload MEDIUMBLOB NOT NULL,
  event_time DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  -- Readers: feed = ? AND sequence > ? ORDER BY sequence. The sequencer:
  -- feed = ? AND sequence IS NULL ORDER BY id (id is the key's implicit
  -- suffix; a unique key admits any number of NULLs).
  UNIQUE KEY change_feed_events_by_sequence (feed, sequence)
) ENGINE=InnoDB;

-- Transactional outbox of a service's change feeds (change_feed_outbox.h).
-- Events of one feed are numbered 1, 2, 3, ... without gaps: the next number
-- comes from the feed's counter row, locked until the appending transaction
-- commits.
CREATE TABLE IF NOT EXISTS change_feed_counters (
  feed VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  last_sequence BIGINT NOT NULL,
  PRIMARY KEY (feed)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS change_feed_events (
  feed VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  sequence BIGINT NOT NULL,
  type INT NOT NULL,
  `key` VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  payload MEDIUMBLOB NOT NULL,
  event_time DATETIME(6) NOT NULL,
  PRIMARY KEY (feed, sequence)
) ENGINE=InnoDB;

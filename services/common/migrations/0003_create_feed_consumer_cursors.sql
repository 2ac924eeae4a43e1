-- Where each change-feed consumer of this database has got to
-- (change_feed_consumer.h): updated in the same transaction as the effects
-- of the event, so every event is applied exactly once.
CREATE TABLE IF NOT EXISTS feed_consumer_cursors (
  consumer VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  last_sequence BIGINT NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (consumer)
) ENGINE=InnoDB;

-- GetCustomerStatistics: an indexed copy of the profile's source_channel
-- (written with every record; rows stored before this migration hold ''
-- until their next write, since `profile` is a serialized message SQL
-- cannot read), and the two indexes its aggregates are read from alone at
-- a million rows: ACTIVE customers by channel, and by creation time.
ALTER TABLE customers
  ADD COLUMN IF NOT EXISTS source_channel VARCHAR(255) COLLATE utf8mb4_bin
    NOT NULL DEFAULT '',
  ADD INDEX IF NOT EXISTS customers_by_state_channel (state, source_channel),
  ADD INDEX IF NOT EXISTS customers_by_state_create_time (state, create_time);

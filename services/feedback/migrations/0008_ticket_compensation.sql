-- Compensation through loyalty on resolution: the points, the loyalty
-- ledger entry's name (cleared on erasure: it names the customer's account)
-- and when, on the ticket and on its COMPENSATED history event.
ALTER TABLE tickets
  ADD COLUMN IF NOT EXISTS compensation_points BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS compensation_entry VARCHAR(200) CHARACTER SET ascii
    COLLATE ascii_bin NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS compensation_time DATETIME(6) NULL;

ALTER TABLE ticket_events
  ADD COLUMN IF NOT EXISTS compensation_points BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS compensation_entry VARCHAR(200) CHARACTER SET ascii
    COLLATE ascii_bin NOT NULL DEFAULT '';

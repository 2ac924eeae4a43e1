-- The customer and deadline alert rules: NEGATIVE_FEEDBACK_HIGH_VALUE names
-- its feedback item and DETRACTOR_TOP_TIER its survey response (`subject`,
-- a resource name), SLA_BREACH_IMMINENT the deadline about to pass. Kinds
-- grow longer than 24 characters.
ALTER TABLE alerts
  MODIFY kind VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  ADD COLUMN IF NOT EXISTS subject VARCHAR(200) CHARACTER SET ascii
    COLLATE ascii_bin NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS deadline_time DATETIME(6) NULL;

-- Survey responses: the customer's loyalty tier and segments at answer time.
--
-- The customer's loyalty tier (loyalty's Tier.tier_id) when a response was
-- submitted: '' when unknown (anonymous, no tier, loyalty not configured or
-- not answering in time, and every response stored before this migration),
-- copied onto the scored answers the scores count.
ALTER TABLE survey_responses
  ADD COLUMN IF NOT EXISTS loyalty_tier VARCHAR(32) CHARACTER SET ascii
    COLLATE ascii_bin NOT NULL DEFAULT '';

ALTER TABLE survey_scored_answers
  ADD COLUMN IF NOT EXISTS loyalty_tier VARCHAR(32) CHARACTER SET ascii
    COLLATE ascii_bin NOT NULL DEFAULT '';

-- The segments (segmentation's bare segment ids) the customer was in when a
-- response was submitted: one row per response and segment, none for an
-- anonymous response or when segmentation did not answer in time. Kept when
-- the response is unlinked from an erased customer, like the tiers. The
-- scores' segment filter joins it on (response_id, segment_id).
CREATE TABLE IF NOT EXISTS survey_response_segments (
  response_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  segment_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  survey_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (response_id, segment_id),
  KEY survey_response_segments_by_segment (survey_id, segment_id, create_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

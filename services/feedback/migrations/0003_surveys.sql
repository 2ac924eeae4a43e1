-- Surveys: the current version of each definition, every version, the
-- responses (clustered by customer, the shard key; '' for anonymous ones)
-- and one row per scored answer for counting scores by day and channel.
CREATE TABLE IF NOT EXISTS surveys (
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  version INT NOT NULL,
  definition MEDIUMBLOB NOT NULL,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS survey_versions (
  survey_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  version INT NOT NULL,
  definition MEDIUMBLOB NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (survey_id, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS survey_responses (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  survey_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  survey_version INT NOT NULL,
  channel VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  subject VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  answers MEDIUMBLOB NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (customer_id, id),
  UNIQUE KEY survey_responses_by_id (id),
  KEY survey_responses_by_survey_time (survey_id, create_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS survey_scored_answers (
  survey_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  response_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  position INT NOT NULL,
  kind VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  score TINYINT NOT NULL,
  channel VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (survey_id, create_time, response_id, position)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

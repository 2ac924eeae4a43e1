-- Scores of each customer (scoring_manager.h): RFM, value tier, lifecycle
-- stage and CLV, replaced whenever the customer's read model changes and on
-- every full recompute; keyed by customer_id.
CREATE TABLE IF NOT EXISTS customer_scores (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  recency_score TINYINT NOT NULL,
  frequency_score TINYINT NOT NULL,
  monetary_score TINYINT NOT NULL,
  rfm_segment VARCHAR(64) NOT NULL DEFAULT '',
  value_tier VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  lifecycle_stage VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  monetary_minor BIGINT NOT NULL,
  p_alive DOUBLE NULL,
  expected_purchases DOUBLE NULL,
  clv_minor BIGINT NULL,
  clv_model_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  score_time DATETIME(6) NOT NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every lifecycle stage change, for funnels and cohorts.
CREATE TABLE IF NOT EXISTS lifecycle_transitions (
  customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  transition_time DATETIME(6) NOT NULL,
  seq BIGINT NOT NULL AUTO_INCREMENT,
  from_stage VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  to_stage VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  PRIMARY KEY (customer_id, transition_time, seq),
  KEY lifecycle_transitions_seq (seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The RFM quintile cut points of the last full recompute (one row).
CREATE TABLE IF NOT EXISTS rfm_boundaries (
  id TINYINT NOT NULL,
  population BIGINT NOT NULL,
  recency_cuts VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  frequency_cuts VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  monetary_cuts VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  compute_time DATETIME(6) NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Fitted CLV models (clv_model.h), newest last.
CREATE TABLE IF NOT EXISTS clv_models (
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  fit_time DATETIME(6) NOT NULL,
  observation_end DATETIME(6) NOT NULL,
  currency_code CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  days_per_unit DOUBLE NOT NULL,
  customers BIGINT NOT NULL,
  bgnbd_r DOUBLE NOT NULL,
  bgnbd_alpha DOUBLE NOT NULL,
  bgnbd_a DOUBLE NOT NULL,
  bgnbd_b DOUBLE NOT NULL,
  bgnbd_log_likelihood DOUBLE NOT NULL,
  bgnbd_converged BOOLEAN NOT NULL,
  gg_p DOUBLE NOT NULL,
  gg_q DOUBLE NOT NULL,
  gg_gamma DOUBLE NOT NULL,
  gg_log_likelihood DOUBLE NOT NULL,
  gg_converged BOOLEAN NOT NULL,
  gg_customers BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY clv_models_by_fit_time (fit_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

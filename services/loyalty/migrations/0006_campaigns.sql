-- Campaigns (campaign_manager.h, campaign_bonus.h): time-boxed bonuses on
-- orders with a points budget. points_awarded never exceeds points_budget
-- (CHECK; grants lock the row and cut the bonus to what is left).
CREATE TABLE IF NOT EXISTS campaigns (
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  display_name VARCHAR(100) NOT NULL,
  start_time DATETIME(6) NOT NULL,
  end_time DATETIME(6) NOT NULL,
  tier_ids VARCHAR(1000) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  multiplier_percent INT NOT NULL,
  bonus_points_per_order BIGINT NOT NULL,
  points_budget BIGINT NOT NULL,
  points_awarded BIGINT NOT NULL,
  orders_rewarded BIGINT NOT NULL,
  create_time DATETIME(6) NOT NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY campaigns_by_time (end_time, start_time),
  CONSTRAINT campaigns_within_budget
    CHECK (points_awarded >= 0 AND points_awarded <= points_budget),
  CONSTRAINT campaigns_budget_positive CHECK (points_budget > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- ListCoupons (newest issue first, ties by id) over all coupons or one
-- reward's; one customer's use coupons_by_customer (customer_id, issue_time,
-- and the primary key id). GetProgramStatistics' aggregates read only these
-- keys: members per tier (the primary key customer_id is part of every
-- secondary key) and the remaining points of unexpired lots.
ALTER TABLE coupons
  ADD KEY IF NOT EXISTS coupons_by_issue_time (issue_time, id),
  ADD KEY IF NOT EXISTS coupons_by_reward (reward_id, issue_time, id);

ALTER TABLE accounts
  ADD KEY IF NOT EXISTS accounts_by_tier (tier, merged_into);

ALTER TABLE point_lots
  ADD KEY IF NOT EXISTS point_lots_liability (expire_time, remaining_points);

// RewardRepository on the service's MySQL/MariaDB database (tables
// `rewards` and `coupons`, migrations/0003_rewards_and_coupons.sql): all
// SQL and row mapping, prepared statements only, on the caller's unit of
// work.
//
//   MySqlRewardRepository rewards;
//   RewardManager manager(unit_of_work, rewards, accounts, ...);
#pragma once

#include "services/loyalty/reward_repository.h"

namespace crm::loyalty {

class MySqlRewardRepository final : public RewardRepository {
 public:
  MySqlRewardRepository() = default;

  absl::Status InsertReward(crm::common::Transaction& tx,
                            const RewardRecord& reward) override;
  absl::StatusOr<std::optional<RewardRecord>> FindReward(
      crm::common::Transaction& tx, absl::string_view id, bool lock) override;
  absl::Status UpdateReward(crm::common::Transaction& tx,
                            const RewardRecord& reward) override;
  absl::StatusOr<std::vector<RewardRecord>> ListRewards(
      crm::common::Transaction& tx, absl::string_view after,
      int limit) override;
  absl::Status InsertCoupon(crm::common::Transaction& tx,
                            const CouponRecord& coupon) override;
  absl::StatusOr<std::optional<CouponRecord>> FindCoupon(
      crm::common::Transaction& tx, absl::string_view id) override;
  absl::StatusOr<std::optional<CouponRecord>> FindCouponByCode(
      crm::common::Transaction& tx, absl::string_view code, bool lock) override;
  absl::Status UpdateCoupon(crm::common::Transaction& tx,
                            const CouponRecord& coupon) override;
  absl::StatusOr<std::vector<CouponRecord>> CouponsOfCustomer(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::StatusOr<std::vector<CouponRecord>> ListCoupons(
      crm::common::Transaction& tx, const CouponQuery& query) override;
  absl::StatusOr<std::optional<CouponRecord>> FindCouponByIssueKey(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::string_view issue_key) override;
  absl::Status ForgetIssueKeys(crm::common::Transaction& tx,
                               absl::string_view customer_id) override;
  absl::Status ReassignCoupons(crm::common::Transaction& tx,
                               absl::string_view from_customer_id,
                               absl::string_view to_customer_id) override;
};

}  // namespace crm::loyalty

// The rewards catalogue and coupons over the storage seam: creating and
// listing rewards, redeeming a reward for points (one transaction: the
// account's REDEEM entry, one unit of stock, a coupon with an unguessable
// code), and validating and redeeming coupons exactly once.
//
//   RewardManager manager(unit_of_work, rewards, accounts, idempotency,
//                         clock, ids, CsprngCouponCodes::Instance());
//   absl::StatusOr<v1::RedeemRewardResponse> redeemed =
//       manager.RedeemReward(context, request);
//
// Lock order, everywhere: the account, then the reward, then the coupon.
#pragma once

#include "absl/status/statusor.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "crm/loyalty/v1/reward.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/account_repository.h"
#include "services/loyalty/coupon_codes.h"
#include "services/loyalty/ledger_poster.h"
#include "services/loyalty/reward_repository.h"

namespace crm::loyalty {

class RewardManager {
 public:
  // Every argument must outlive the manager.
  RewardManager(crm::common::UnitOfWork& unit_of_work,
                RewardRepository& rewards, AccountRepository& accounts,
                crm::common::IdempotencyRepository& idempotency,
                const crm::common::Clock& clock,
                const crm::common::IdGenerator& ids,
                const CouponCodeGenerator& codes)
      : unit_of_work_(unit_of_work),
        rewards_(rewards),
        accounts_(accounts),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids),
        codes_(codes),
        poster_(accounts, ids) {}
  RewardManager(const RewardManager&) = delete;
  RewardManager& operator=(const RewardManager&) = delete;

  // Adds a reward (display_name 1..100 characters, point_cost 1..1e9,
  // stock 0..1e9, coupon_validity_days 0..3660); INVALID_ARGUMENT naming
  // the field (`reward.point_cost`, ...) otherwise.
  absl::StatusOr<v1::Reward> CreateReward(
      const crm::common::RequestContext& context,
      const v1::CreateRewardRequest& request);
  // NOT_FOUND (the name) for an unknown reward.
  absl::StatusOr<v1::Reward> GetReward(
      const crm::common::RequestContext& context,
      const v1::GetRewardRequest& request);
  // Oldest (lowest id) first, keyset pages.
  absl::StatusOr<v1::ListRewardsResponse> ListRewards(
      const crm::common::RequestContext& context,
      const v1::ListRewardsRequest& request);
  // See LoyaltyService.RedeemReward.
  absl::StatusOr<v1::RedeemRewardResponse> RedeemReward(
      const crm::common::RequestContext& context,
      const v1::RedeemRewardRequest& request);
  // NOT_FOUND (the name) for an unknown coupon.
  absl::StatusOr<v1::Coupon> GetCoupon(
      const crm::common::RequestContext& context,
      const v1::GetCouponRequest& request);
  // Coupons newest issue first (ties by id), keyset pages: page_size 0 ->
  // 50, at most 1000, negative INVALID_ARGUMENT; a page token is bound to
  // the filter (PAGE_TOKEN_INVALID otherwise); the filter as
  // ParseCouponFilter() (coupon_filter.h), `state` evaluated at the clock's
  // now, so an issued coupon past its expire time is EXPIRED, not ISSUED.
  absl::StatusOr<v1::ListCouponsResponse> ListCoupons(
      const crm::common::RequestContext& context,
      const v1::ListCouponsRequest& request);
  // See LoyaltyService.ValidateCoupon.
  absl::StatusOr<v1::Coupon> ValidateCoupon(
      const crm::common::RequestContext& context,
      const v1::ValidateCouponRequest& request);
  // See LoyaltyService.RedeemCoupon.
  absl::StatusOr<v1::Coupon> RedeemCoupon(
      const crm::common::RequestContext& context,
      const v1::RedeemCouponRequest& request);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  RewardRepository& rewards_;
  AccountRepository& accounts_;
  crm::common::IdempotencyRepository& idempotency_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
  const CouponCodeGenerator& codes_;
  LedgerPoster poster_;
};

// The coupon as seen at `now`: an issued coupon past its expire time reads
// as EXPIRED.
v1::Coupon ToCouponProto(const CouponRecord& coupon, absl::Time now);

}  // namespace crm::loyalty

#include "services/loyalty/coupon_minting.h"

#include <string>

#include "services/common/status_macros.h"

namespace crm::loyalty {
namespace {

// A clash of 100-bit codes is practically impossible; retried anyway.
constexpr int kCodeAttempts = 5;

}  // namespace

absl::StatusOr<CouponRecord> InsertNewCoupon(
    crm::common::Transaction& tx, RewardRepository& rewards,
    const crm::common::IdGenerator& ids, const CouponCodeGenerator& codes,
    absl::string_view customer_id, const RewardRecord& reward, absl::Time now,
    absl::string_view issue_key) {
  CouponRecord coupon;
  coupon.id = ids.NewId();
  coupon.customer_id = std::string(customer_id);
  coupon.reward_id = reward.id;
  coupon.state = v1::Coupon::ISSUED;
  coupon.issue_time = now;
  coupon.expire_time = now + absl::Hours(24) * reward.coupon_validity_days;
  coupon.issue_key = std::string(issue_key);
  absl::Status inserted = absl::UnknownError("no code");
  for (int attempt = 0; attempt < kCodeAttempts && !inserted.ok(); ++attempt) {
    CRM_ASSIGN_OR_RETURN(coupon.code, codes.NewCode());
    inserted = rewards.InsertCoupon(tx, coupon);
    if (!inserted.ok() && !absl::IsAlreadyExists(inserted)) return inserted;
  }
  CRM_RETURN_IF_ERROR(inserted);
  return coupon;
}

}  // namespace crm::loyalty

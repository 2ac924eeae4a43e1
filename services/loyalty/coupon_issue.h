// Bulk coupon issue (LoyaltyService.IssueCoupons): one coupon of a reward,
// free of points, to each customer of a list — a marketing action, so each
// customer needs the marketing consent of the request's channel
// (consent_policy.h; unknown answers deny). Customers without it are
// skipped and reported (count and names). A customer merged away receives
// the coupon on its survivor's account, consent read for the survivor (a
// duplicate listed with its survivor gets them one coupon, not two). In
// one transaction under the reward's row lock: one unit of stock per coupon,
// and when the stock cannot cover them all nothing is issued. Idempotent on
// `request_id` (a repeat returns the first response).
//
//   CouponIssuer issuer(unit_of_work, rewards, accounts, consents,
//                       idempotency, clock, ids,
//                       CsprngCouponCodes::Instance());
//   absl::StatusOr<v1::IssueCouponsResponse> issued =
//       issuer.IssueCoupons(context, request);
#pragma once

#include "absl/status/statusor.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/account_repository.h"
#include "services/loyalty/consent_repository.h"
#include "services/loyalty/coupon_codes.h"
#include "services/loyalty/reward_repository.h"

namespace crm::loyalty {

// The most customers one IssueCoupons request may name.
inline constexpr int kMaxCouponRecipients = 1000;

class CouponIssuer {
 public:
  // Every argument must outlive the issuer.
  CouponIssuer(crm::common::UnitOfWork& unit_of_work, RewardRepository& rewards,
               AccountRepository& accounts, ConsentRepository& consents,
               crm::common::IdempotencyRepository& idempotency,
               const crm::common::Clock& clock,
               const crm::common::IdGenerator& ids,
               const CouponCodeGenerator& codes)
      : unit_of_work_(unit_of_work),
        rewards_(rewards),
        accounts_(accounts),
        consents_(consents),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids),
        codes_(codes) {}
  CouponIssuer(const CouponIssuer&) = delete;
  CouponIssuer& operator=(const CouponIssuer&) = delete;

  // INVALID_ARGUMENT naming the field (`customers[2]`, `marketing_channel`,
  // ...); NOT_FOUND for an unknown reward; FAILED_PRECONDITION
  // (RESOURCE_STATE_CONFLICT, field `reward`) when it is no longer
  // available or its stock cannot cover the coupons.
  absl::StatusOr<v1::IssueCouponsResponse> IssueCoupons(
      const crm::common::RequestContext& context,
      const v1::IssueCouponsRequest& request);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  RewardRepository& rewards_;
  AccountRepository& accounts_;
  ConsentRepository& consents_;
  crm::common::IdempotencyRepository& idempotency_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
  const CouponCodeGenerator& codes_;
};

}  // namespace crm::loyalty

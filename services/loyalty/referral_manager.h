// Referral codes and referrals over the storage seam: a member's code
// (created on first read, unguessable, unique), recording who referred whom
// (validated under the referred customer's account lock, so it cannot race
// that customer's first order), and the referral graph a page at a time.
// Rewards are given by the order feed (referral_reward.h); merges and
// erasures move or re-key referrals (member_lifecycle.h).
//
//   ReferralManager manager(unit_of_work, referrals, accounts, idempotency,
//                           clock, ids, CsprngCouponCodes::Instance());
//   absl::StatusOr<v1::ReferralCode> code = manager.GetReferralCode(
//       context, request);
//
// Lock order: the referred customer's account, then the referrals.
#pragma once

#include "absl/status/statusor.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "crm/loyalty/v1/referral.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/account_repository.h"
#include "services/loyalty/coupon_codes.h"
#include "services/loyalty/referral_repository.h"

namespace crm::loyalty {

class ReferralManager {
 public:
  // Every argument must outlive the manager. `codes` makes referral codes
  // (the coupon codes' generator: same alphabet and entropy).
  ReferralManager(crm::common::UnitOfWork& unit_of_work,
                  ReferralRepository& referrals, AccountRepository& accounts,
                  crm::common::IdempotencyRepository& idempotency,
                  const crm::common::Clock& clock,
                  const crm::common::IdGenerator& ids,
                  const CouponCodeGenerator& codes)
      : unit_of_work_(unit_of_work),
        referrals_(referrals),
        accounts_(accounts),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids),
        codes_(codes) {}
  ReferralManager(const ReferralManager&) = delete;
  ReferralManager& operator=(const ReferralManager&) = delete;

  // The code of the member named (a merged duplicate's survivor), created
  // with a fresh code on the first call and the same afterwards (a clash
  // with another member's code is retried with a new one; two first calls
  // at once return the same code). INVALID_ARGUMENT (`name`) unless
  // `customers/{customer}/referralCode`.
  absl::StatusOr<v1::ReferralCode> GetReferralCode(
      const crm::common::RequestContext& context,
      const v1::GetReferralCodeRequest& request);

  // See LoyaltyService.CreateReferral. The referred customer is the end of
  // its chain of merges; the referrer is the holder of the code.
  absl::StatusOr<v1::Referral> CreateReferral(
      const crm::common::RequestContext& context,
      const v1::CreateReferralRequest& request);

  // Referrals newest first (ties by id), keyset pages: page_size 0 -> 50,
  // at most 1000, negative INVALID_ARGUMENT; a page token is bound to the
  // filter (PAGE_TOKEN_INVALID otherwise); the filter as
  // ParseReferralFilter() (referral_filter.h).
  absl::StatusOr<v1::ListReferralsResponse> ListReferrals(
      const crm::common::RequestContext& context,
      const v1::ListReferralsRequest& request);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  ReferralRepository& referrals_;
  AccountRepository& accounts_;
  crm::common::IdempotencyRepository& idempotency_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
  const CouponCodeGenerator& codes_;
};

}  // namespace crm::loyalty

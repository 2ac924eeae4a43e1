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
// To a segment (`segment` instead of `customers`): synchronous and bounded.
// The members are read from segmentation first (ListSegmentMembers, pages
// of 1000, each call with a deadline of 2 s or the request's, whichever is
// sooner; more than 100,000 members: FAILED_PRECONDITION, nothing issued),
// then issued to in batches of 500 members, each batch one transaction
// under the reward's lock with the same consent rule and stock check (a
// short stock stops at that batch: FAILED_PRECONDITION, earlier batches
// stay issued). Every coupon carries a key derived from (request_id,
// member) (coupons.issue_key, unique per customer), so a repeat of the
// request — after an error, a passed deadline or a restock — issues only
// to members holding no coupon of it yet; the response counts coupons of
// the request issued now or before (`issued_count`). The request id is
// claimed first (`RunIdempotent`), so reusing it with another body is
// REQUEST_ID_REUSED. Without a segmentation client: UNAVAILABLE.
//
//   CouponIssuer issuer(unit_of_work, rewards, accounts, consents,
//                       idempotency, clock, ids,
//                       CsprngCouponCodes::Instance());
//   absl::StatusOr<v1::IssueCouponsResponse> issued =
//       issuer.IssueCoupons(context, request);
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/consents/consent_repository.h"
#include "services/loyalty/account_repository.h"
#include "services/loyalty/coupon_codes.h"
#include "services/loyalty/reward_repository.h"
#include "services/loyalty/segmentation_client.h"

namespace crm::loyalty {

// The most customers one IssueCoupons request may name.
inline constexpr int kMaxCouponRecipients = 1000;
// The most members of a segment one IssueCoupons request issues to.
inline constexpr int kMaxSegmentRecipients = 100000;
// Members issued to per transaction, for a segment.
inline constexpr int kSegmentIssueBatch = 500;
// The longest a page of segment members is waited for.
inline constexpr absl::Duration kSegmentPageTimeout = absl::Seconds(2);

class CouponIssuer {
 public:
  // Every argument must outlive the issuer.
  CouponIssuer(crm::common::UnitOfWork& unit_of_work, RewardRepository& rewards,
               AccountRepository& accounts,
               crm::consents::ConsentRepository& consents,
               crm::common::IdempotencyRepository& idempotency,
               const crm::common::Clock& clock,
               const crm::common::IdGenerator& ids,
               const CouponCodeGenerator& codes,
               SegmentationClient* segmentation = nullptr)
      : unit_of_work_(unit_of_work),
        rewards_(rewards),
        accounts_(accounts),
        consents_(consents),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids),
        codes_(codes),
        segmentation_(segmentation) {}
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
  // The segment path (above), after validation.
  absl::StatusOr<v1::IssueCouponsResponse> IssueToSegment(
      const crm::common::RequestContext& context,
      const v1::IssueCouponsRequest& request, const std::string& reward_id,
      const std::string& segment_id);
  // Every member of `segment_id` (ids), at most kMaxSegmentRecipients.
  absl::StatusOr<std::vector<std::string>> SegmentMembers(
      const crm::common::RequestContext& context,
      const std::string& segment_id);

  crm::common::UnitOfWork& unit_of_work_;
  RewardRepository& rewards_;
  AccountRepository& accounts_;
  crm::consents::ConsentRepository& consents_;
  crm::common::IdempotencyRepository& idempotency_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
  const CouponCodeGenerator& codes_;
  SegmentationClient* const segmentation_;
};

}  // namespace crm::loyalty

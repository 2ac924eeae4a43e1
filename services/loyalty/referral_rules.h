// The rules of referrals (referral.proto) as pure functions: resource
// names, the code's shape, the ledger sources of a reward, the protos, and
// what a merge or an erasure does to the referrals it touches.
//
//   CRM_ASSIGN_OR_RETURN(std::string customer_id,
//                        ParseReferralCodeName(request.name(), "name"));
//   std::vector<ReferralRecord> changed = ReferralsAfterMerge(
//       rows, survivor_id, duplicate_id, survivor_has_ordered, now);
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/referral.pb.h"
#include "services/loyalty/referral_repository.h"

namespace crm::loyalty {

inline constexpr char kReferralsCollection[] = "referrals";

// `referrals/{id}`.
std::string ReferralName(absl::string_view id);

// `customers/{customer_id}/referralCode`.
std::string ReferralCodeName(absl::string_view customer_id);

// The customer id of `customers/{customer}/referralCode`; INVALID_ARGUMENT
// (FIELD_INVALID, naming `field`) otherwise.
absl::StatusOr<std::string> ParseReferralCodeName(absl::string_view name,
                                                  absl::string_view field);

// `code` in upper case when it has a referral code's shape (that of coupon
// codes, coupon_codes.h); INVALID_ARGUMENT (FIELD_INVALID, naming `field`,
// never echoing the code) otherwise.
absl::StatusOr<std::string> NormalizeReferralCode(absl::string_view code,
                                                  absl::string_view field);

// The ledger sources (idempotency keys) of a referral's reward on each
// side: `referral:{id}:referrer` and `referral:{id}:referred`.
std::string ReferrerRewardSource(absl::string_view referral_id);
std::string ReferredRewardSource(absl::string_view referral_id);

v1::Referral ToReferralProto(const ReferralRecord& referral);
v1::ReferralCode ToReferralCodeProto(const ReferralCodeRecord& code);

// The referrals of `rows` (every referral naming the survivor or the
// duplicate, any order) changed by merging `duplicate_id` into
// `survivor_id` at `now`, as they must be stored:
// - the duplicate's side becomes the survivor's;
// - a referral between the two is CANCELLED (one person cannot refer
//   itself; points credited before stay);
// - of the referrals left that name the survivor as referred and are not
//   cancelled: when one is REWARDED, or the survivor has ordered
//   (`survivor_has_ordered`, after the duplicate's orders moved), every
//   PENDING one is CANCELLED; otherwise the oldest PENDING one (create
//   time, then id) stays and the others are CANCELLED.
std::vector<ReferralRecord> ReferralsAfterMerge(
    const std::vector<ReferralRecord>& rows, absl::string_view survivor_id,
    absl::string_view duplicate_id, bool survivor_has_ordered, absl::Time now);

// The referrals of `rows` (every referral naming `customer_id`) as they
// must be stored after its erasure: its side re-keyed to `tombstone_id`,
// PENDING ones CANCELLED at `now` (an erased customer is never rewarded,
// nor rewards anyone). Every row changes.
std::vector<ReferralRecord> ReferralsAfterErasure(
    const std::vector<ReferralRecord>& rows, absl::string_view customer_id,
    absl::string_view tombstone_id, absl::Time now);

}  // namespace crm::loyalty

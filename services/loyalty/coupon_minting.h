// A new coupon of a reward, stored: the one way loyalty creates a coupon
// (a redemption of the reward, or a bulk issue).
//
//   CRM_ASSIGN_OR_RETURN(CouponRecord coupon,
//                        InsertNewCoupon(tx, rewards, ids, codes,
//                                        customer_id, *reward, now));
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/id_generator.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/coupon_codes.h"
#include "services/loyalty/reward_repository.h"

namespace crm::loyalty {

// Inserts an ISSUED coupon of `reward` held by `customer_id`, issued `now`
// and expiring `reward.coupon_validity_days` later, with a new id and a new
// code (a code that clashes with a stored one is drawn again, a few times).
// Neither checks nor changes the reward's stock: the caller does. A
// non-empty `issue_key` is stored with it (ALREADY_EXISTS if the customer
// holds a coupon with that key).
absl::StatusOr<CouponRecord> InsertNewCoupon(
    crm::common::Transaction& tx, RewardRepository& rewards,
    const crm::common::IdGenerator& ids, const CouponCodeGenerator& codes,
    absl::string_view customer_id, const RewardRecord& reward, absl::Time now,
    absl::string_view issue_key = "");

}  // namespace crm::loyalty

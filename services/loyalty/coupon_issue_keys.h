// The keys coupons are issued under (coupons.issue_key, unique per
// customer), so an issue that must happen at most once per customer and
// cause finds the coupon it issued before: a coupon to a segment's member
// per request (coupon_issue.h) and a compensation per ticket
// (account_manager.h). SHA-256 in hex, so the table holds no request id,
// ticket or customer id in the clear; an erasure clears the key anyway.
//
//   const std::string key = SegmentCouponIssueKey(request_id, customer_id);
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace crm::loyalty {

// The key of the coupon request `request_id` issues to `customer_id`.
std::string SegmentCouponIssueKey(absl::string_view request_id,
                                  absl::string_view customer_id);

// The key of the coupon compensating ticket `ticket`.
std::string CompensationCouponIssueKey(absl::string_view ticket);

}  // namespace crm::loyalty

// The filter language's schema (services/common/filter) of coupons for
// ListCoupons: `customer` and `reward` (=, != a resource name, rewritten to
// the ids storage keeps), `state` (=, != a Coupon.State name; EXPIRED and
// ISSUED are read-time states, below) and `issue_time`, `expire_time` (=,
// !=, <, <=, >, >=).
//
//   CRM_ASSIGN_OR_RETURN(Filter filter,
//       ParseCouponFilter(request.filter()));  // names rewritten to ids
//
// `state` means what a read shows at the listing's `now`
// (ToCouponProto): EXPIRED is a stored ISSUED coupon whose expire_time is
// at or before `now`; ISSUED is a stored ISSUED coupon not yet expired;
// REDEEMED and CANCELLED are the stored states.
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/filter/filter_schema.h"

namespace crm::loyalty {

const crm::common::filter::FilterSchema& CouponFilterSchema();

// `text` parsed against CouponFilterSchema(), with the values of `customer`
// (`customers/{id}`) and `reward` (`rewards/{id}`) replaced by the ids.
// INVALID_ARGUMENT (FILTER_INVALID, field `filter`) for a filter that does
// not parse or a value that is not such a name.
absl::StatusOr<crm::common::filter::Filter> ParseCouponFilter(
    absl::string_view text);

}  // namespace crm::loyalty

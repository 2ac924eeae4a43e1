// The filter language's schema (services/common/filter) of referrals for
// ListReferrals: `referrer` and `referred` (=, != a customer's resource
// name, rewritten to the ids storage keeps), `state` (=, != a
// Referral.State name) and `create_time` (=, !=, <, <=, >, >=).
//
//   CRM_ASSIGN_OR_RETURN(Filter filter,
//       ParseReferralFilter(request.filter()));  // names rewritten to ids
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/filter/filter_schema.h"

namespace crm::loyalty {

const crm::common::filter::FilterSchema& ReferralFilterSchema();

// `text` parsed against ReferralFilterSchema(), with the values of
// `referrer` and `referred` (`customers/{id}`) replaced by the ids.
// INVALID_ARGUMENT (FILTER_INVALID, field `filter`) for a filter that does
// not parse or a value that is not such a name.
absl::StatusOr<crm::common::filter::Filter> ParseReferralFilter(
    absl::string_view text);

}  // namespace crm::loyalty

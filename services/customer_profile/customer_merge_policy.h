// The merge policy of customer records: how the fields of one customer fold
// into another's when two records of one person become one (MergeCustomers)
// or when a resolving write lands on an existing customer. Pure functions:
// no database, no keys, no clock.
//
//   // `duplicate` was updated after `survivor`: its non-empty values win.
//   CRM_ASSIGN_OR_RETURN(std::vector<std::string> taken,
//       FoldInto(duplicate, /*other_newer=*/true, /*pinned=*/{"email"},
//                &survivor));
//
// Precedence, field by field:
// - scalars (ScalarPaths() of customer_validation.h): a non-empty value of
//   the newer record wins; an empty value never overwrites a non-empty one;
//   the older record's value only fills an empty field;
// - pinned paths keep the base's value whatever the other holds;
// - tags: the sorted union;
// - attributes: the union, the newer record winning per key;
// - consents: one per purpose, the answer with the later update_time
//   (ties go to the incoming record);
// - external identities: the union (never pinned away: a merge must not lose
//   an identity).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crm/customerprofile/v1/customer.pb.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

// Folds `other` into `*base` by the precedence above; `other_newer` says
// whether `other` is the more recently updated record. Returns the scalar
// paths whose value was taken from `other`, in ScalarPaths() order.
// INVALID_ARGUMENT (FIELD_INVALID on customer.tags or customer.attributes)
// when the union would exceed the record's limits, and on
// customer.customer_type when the result would break
// CheckCustomerTypeFields (customer_validation.h: e.g. an INDIVIDUAL newer
// record folded with a BUSINESS one keeps the company; pinning
// customer_type, or company_name and tax_id, decides); `*base` is then
// unspecified.
absl::StatusOr<std::vector<std::string>> FoldInto(
    const v1::Customer& other, bool other_newer,
    const std::set<std::string>& pinned, v1::Customer* base);

}  // namespace crm::customer_profile

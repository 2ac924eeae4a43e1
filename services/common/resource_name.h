// Resource names of the form `<collection>/<id>` (AIP-122) and the ids in
// them.
//
//   CRM_ASSIGN_OR_RETURN(std::string id,
//                        ParseResourceName(request.name(), "customers",
//                        "name"));
//   customer.set_name(FormatResourceName("customers", id));
//
// Ids are 1 to 64 characters of `[A-Za-z0-9._~-]` (URL-safe without
// escaping, and safe to quote in filters).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crm::common {

inline constexpr int kMaxResourceIdLength = 64;

// OK if `id` is a valid resource id; otherwise INVALID_ARGUMENT whose message
// starts with `field`.
absl::Status ValidateResourceId(absl::string_view id, absl::string_view field);

// The id of `name` if it is exactly `<collection>/<id>` with a valid id;
// otherwise INVALID_ARGUMENT whose message starts with `field` and shows the
// expected form. The rejected value is not echoed.
absl::StatusOr<std::string> ParseResourceName(absl::string_view name,
                                              absl::string_view collection,
                                              absl::string_view field);

// `<collection>/<id>`.
std::string FormatResourceName(absl::string_view collection,
                               absl::string_view id);

// `customers/<customer_id>`: a customer's name, as every service writes it.
std::string CustomerResourceName(absl::string_view customer_id);

}  // namespace crm::common

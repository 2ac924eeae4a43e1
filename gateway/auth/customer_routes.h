// The customer's own routes, /v1/me/...: aliases of staff routes with the
// customer of the caller's token in place of the id.
//
//   std::optional<std::string> staff = CustomerRoutePath("/v1/me/orders",
//   "c1");
//   // "/v1/customers/c1/orders"
//
//   GET /v1/me                  GET /v1/customers/{me}            profile
//   GET /v1/me:export           GET /v1/customers/{me}:export     all my data
//   GET /v1/me/orders           GET /v1/customers/{me}/orders     my orders
//   GET /v1/me/account          GET /v1/accounts/{me}             points, tier
//   GET /v1/me/ledgerEntries    GET /v1/accounts/{me}/ledgerEntries
//   GET /v1/me/coupons          GET /v1/customers/{me}/coupons     my coupons
//   GET /v1/me/surveyResponses  GET /v1/customers/{me}/surveyResponses
//   GET /v1/me/referralCode     GET /v1/customers/{me}/referralCode
// (coupons and surveyResponses set the customer filter themselves and refuse a
// caller's: customer_lists_routes.h) The staff route's access rule still
// applies (customer_own), so an alias never reaches more than the staff route
// would with the same token.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace crm::gateway::auth {

// True for /v1/me and every path under it (/v1/me/..., /v1/me:verb).
bool IsCustomerRoutePath(absl::string_view path);

// The staff path `path` stands for with customer `customer_id`, or nullopt
// when it is no alias.
std::optional<std::string> CustomerRoutePath(absl::string_view path,
                                             absl::string_view customer_id);

// The aliases' paths, for documentation and tests.
std::vector<std::string> CustomerRoutePaths();

}  // namespace crm::gateway::auth

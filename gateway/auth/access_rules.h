// Who may call which method: the one table of access rules (access_rules.cc),
// one rule per RPC served under /v1, never scattered over the routes.
//
//   const AccessRule* rule = FindAccessRule(
//       "crm.customerprofile.v1.CustomerProfileService.EraseCustomer");
//   bool allowed = rule != nullptr && rule->Allows(Role::kAgent);
//
// Roles (of the API key a staff or machine client sends in X-API-Key):
//   admin    every method;
//   agent    customer service: read and write customers, orders, events,
//            feedback and tickets; loyalty reads and compensations; never
//            points balances, program tiers, erasure or the change feed;
//   analyst  reads of aggregates, segments, scores and surveys, segment and
//            survey writes; customer records with personal data masked
//            (personal_data_mask.h); no writes to customers or loyalty;
//   service  machine clients: exactly the methods named in its key's scope
//            (api_keys.h), whatever the table says for the staff roles.
// Customer tokens (customer_token.h) reach a method only where its rule has
// `customer_own`: the request's resource (the route's first path variable)
// must be the token's own customer (`customers/{id}` or `accounts/{id}`),
// and anything else answers 404 as if it did not exist.
// A rule with `any_caller` (only crm.gateway.v1.WhoAmI, GET /v1/whoami,
// which tells callers about themselves) lets every authenticated caller in:
// every role, every service key whatever its scope, every customer token.
// A method without a rule may be called by admin keys only; a unit test
// proves every routed method has one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace crm::gateway::auth {

enum class Role : uint8_t { kAdmin, kAgent, kAnalyst, kService };

// "admin", "agent", "analyst", "service".
absl::string_view RoleName(Role role);
// false when `name` is no role.
bool ParseRole(absl::string_view name, Role* role);

struct AccessRule {
  // The RPC's full name, "crm.loyalty.v1.LoyaltyService.AdjustPoints", or a
  // gateway route's own name ("crm.gateway.CustomerView").
  const char* method;
  bool agent;
  bool analyst;
  // Customer tokens may call it for their own customer (see above).
  bool customer_own;
  // Every authenticated caller may call it (see above).
  bool any_caller = false;

  // Admin always; agent and analyst as declared; never service or customer
  // (their checks are the key's scope and customer_own).
  bool Allows(Role role) const;
};

// The rule of `method` (full name), or null if it has none.
const AccessRule* FindAccessRule(absl::string_view method);

// Every rule, in declaration order.
const std::vector<AccessRule>& AllAccessRules();

}  // namespace crm::gateway::auth

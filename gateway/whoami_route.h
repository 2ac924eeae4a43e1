// GET /v1/whoami — who the gateway takes the caller for (hand-written):
//
//   AddWhoAmIRoute(router);
//
// Answer (200):
//   {"role": "admin" | "agent" | "analyst" | "service" | "customer",
//    "keyId": "<the API key's configured id>",   ("" for customer tokens)
//    "customer": "customers/{id}",               (customer tokens only)
//    "scopes": ["<full method name>", ...]}      (service keys only, sorted)
// Never the key, its digest or the token. Like every /v1 route it needs
// credentials (401 without); its access rule crm.gateway.v1.WhoAmI lets
// every authenticated caller in (auth/access_rules.h: `any_caller`), since
// it tells callers only about themselves. Query parameters are refused.
#pragma once

#include "gateway/router.h"

namespace crm::gateway {

inline constexpr char kWhoAmIRoute[] = "/v1/whoami";
inline constexpr char kWhoAmIMethod[] = "crm.gateway.v1.WhoAmI";

void AddWhoAmIRoute(Router& router);

}  // namespace crm::gateway

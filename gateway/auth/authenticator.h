// Who is calling, and may they call this method: the gateway's one place
// for authentication and authorisation of /v1 requests.
//
//   Authenticator auth(api_keys);
//   absl::StatusOr<Principal> who = auth.Authenticate(http_request);
//   if (!who.ok()) return ErrorResponse(who.status());         // 401
//   absl::Status allowed = Authorize(*who, rpc_full_name, resource);
//   if (!allowed.ok()) return ErrorResponse(allowed);          // 403 / 404
//
// Credentials: a staff or machine API key in `X-API-Key` (api_keys.h), or a
// customer token in `Authorization: Bearer <jwt>` (customer_token.h). None
// of them is 401 UNAUTHENTICATED; an unknown key or an invalid token is 401
// too (never saying which part failed beyond "invalid" / "expired"); both
// headers at once is 401 (one caller, one identity).
#pragma once

#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/auth/access_rules.h"
#include "gateway/auth/api_keys.h"
#include "gateway/auth/customer_token.h"
#include "services/common/http_server.h"

namespace crm::gateway::auth {

inline constexpr char kApiKeyHeader[] = "x-api-key";
inline constexpr char kAuthorizationHeader[] = "authorization";

struct Principal {
  enum class Kind { kApiKey, kCustomer };
  Kind kind = Kind::kApiKey;
  // The API key's id (from configuration), for logs and rate limits.
  std::string key_id;
  Role role = Role::kAdmin;
  // Service keys: the methods they may call (owned by the key store).
  const std::set<std::string, std::less<>>* methods = nullptr;
  // Customer tokens: the customer's id ("c1" of customers/c1).
  std::string customer_id;

  // Analysts see customers' personal data masked (personal_data_mask.h).
  bool masks_personal_data() const {
    return kind == Kind::kApiKey && role == Role::kAnalyst;
  }
  // "key:<id>" or "customer" (never the customer's id: logs hold no PII).
  std::string LogLabel() const;
  // The caller's rate-limit bucket: "key:<id>" or "customer:<id>".
  std::string RateLimitKey() const;
};

class Authenticator {
 public:
  // `tokens` may be null: customer tokens are then refused.
  Authenticator(ApiKeyStore keys,
                std::unique_ptr<CustomerTokenVerifier> tokens = nullptr);

  absl::StatusOr<Principal> Authenticate(
      const common::HttpRequest& request) const;

  const ApiKeyStore& keys() const { return keys_; }

 private:
  ApiKeyStore keys_;
  std::unique_ptr<CustomerTokenVerifier> tokens_;
};

// May `principal` call `method` (full name) on `resource` (the request's
// first path variable, "customers/c1", or "" when the route has none)?
// - A method whose rule has `any_caller` (GET /v1/whoami): yes, for every
//   caller.
// - API keys: the method's rule (access_rules.h) or, for service keys, the
//   key's scope; otherwise 403 PERMISSION_DENIED. A method without a rule:
//   admin keys only.
// - Customer tokens: only methods whose rule has customer_own, and only on
//   their own customer (customers/{id} or accounts/{id}, also as a parent
//   of the resource); any other resource is 404 NOT_FOUND, as if it did not
//   exist; a method without customer_own is 403.
absl::Status Authorize(const Principal& principal, absl::string_view method,
                       absl::string_view resource);

// A caller whose personal-data view is masked (analysts) may not filter
// customers on personal data either, or the filter would tell whether a
// value exists: ListCustomers' `filter` naming `email`, `phone`,
// `external_identities` or `external_identity` is 403 PERMISSION_DENIED.
absl::Status AuthorizeFilter(const Principal& principal,
                             absl::string_view method,
                             const common::HttpRequest& request);

// UNAUTHENTICATED (401) errors; `why` is shown to the caller.
absl::Status CredentialsMissingError();
absl::Status CredentialsInvalidError(absl::string_view why);
absl::Status CredentialsExpiredError();
// PERMISSION_DENIED (403) naming the method.
absl::Status AccessDeniedError(absl::string_view method);

}  // namespace crm::gateway::auth

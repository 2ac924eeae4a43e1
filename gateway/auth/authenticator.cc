#include "gateway/auth/authenticator.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/http_errors.h"
#include "services/common/error_details.h"

namespace crm::gateway::auth {
namespace {

constexpr char kCustomersPrefix[] = "customers/";
constexpr char kAccountsPrefix[] = "accounts/";

// True if `resource` is `<collection>/<id>` or lies under it.
bool IsUnder(absl::string_view resource, absl::string_view collection,
             absl::string_view id) {
  if (!absl::ConsumePrefix(&resource, collection) ||
      !absl::ConsumePrefix(&resource, id)) {
    return false;
  }
  return resource.empty() || resource.front() == '/';
}

}  // namespace

std::string Principal::LogLabel() const {
  return kind == Kind::kCustomer ? "customer" : absl::StrCat("key:", key_id);
}

std::string Principal::RateLimitKey() const {
  return kind == Kind::kCustomer ? absl::StrCat("customer:", customer_id)
                                 : absl::StrCat("key:", key_id);
}

Authenticator::Authenticator(ApiKeyStore keys,
                             std::unique_ptr<CustomerTokenVerifier> tokens)
    : keys_(std::move(keys)), tokens_(std::move(tokens)) {}

absl::StatusOr<Principal> Authenticator::Authenticate(
    const common::HttpRequest& request) const {
  auto key = request.headers.find(kApiKeyHeader);
  auto authorization = request.headers.find(kAuthorizationHeader);
  const bool has_key = key != request.headers.end();
  const bool has_token = authorization != request.headers.end();
  if (!has_key && !has_token) return CredentialsMissingError();
  if (has_key && has_token) {
    return CredentialsInvalidError(
        "send either X-API-Key or Authorization, not both");
  }
  Principal principal;
  if (has_key) {
    const ApiKey* found = keys_.Find(key->second);
    if (found == nullptr) return CredentialsInvalidError("unknown API key");
    principal.kind = Principal::Kind::kApiKey;
    principal.key_id = found->id;
    principal.role = found->role;
    principal.methods = &found->methods;
    return principal;
  }
  absl::string_view value = authorization->second;
  absl::string_view scheme = value.substr(0, value.find(' '));
  if (!absl::EqualsIgnoreCase(scheme, "Bearer") ||
      scheme.size() == value.size()) {
    return CredentialsInvalidError("Authorization must be \"Bearer <token>\"");
  }
  if (tokens_ == nullptr) {
    return CredentialsInvalidError("customer tokens are not accepted here");
  }
  absl::StatusOr<std::string> customer = tokens_->Verify(
      absl::StripAsciiWhitespace(value.substr(scheme.size() + 1)));
  if (!customer.ok()) return customer.status();
  principal.kind = Principal::Kind::kCustomer;
  principal.customer_id = *std::move(customer);
  return principal;
}

absl::Status Authorize(const Principal& principal, absl::string_view method,
                       absl::string_view resource) {
  const AccessRule* rule = FindAccessRule(method);
  if (rule != nullptr && rule->any_caller) return absl::OkStatus();
  if (principal.kind == Principal::Kind::kCustomer) {
    if (rule == nullptr || !rule->customer_own) {
      return AccessDeniedError(method);
    }
    if (!IsUnder(resource, kCustomersPrefix, principal.customer_id) &&
        !IsUnder(resource, kAccountsPrefix, principal.customer_id)) {
      // As if it did not exist: a customer learns nothing of others.
      return common::NotFoundError(resource.empty() ? "resource" : resource);
    }
    return absl::OkStatus();
  }
  if (principal.role == Role::kService) {
    if (principal.methods != nullptr && principal.methods->count(method) > 0) {
      return absl::OkStatus();
    }
    return AccessDeniedError(method);
  }
  if (principal.role == Role::kAdmin) return absl::OkStatus();
  if (rule == nullptr || !rule->Allows(principal.role)) {
    return AccessDeniedError(method);
  }
  return absl::OkStatus();
}

absl::Status AuthorizeFilter(const Principal& principal,
                             absl::string_view method,
                             const common::HttpRequest& request) {
  if (!principal.masks_personal_data() ||
      method != "crm.customerprofile.v1.CustomerProfileService.ListCustomers") {
    return absl::OkStatus();
  }
  auto filter = request.query.find("filter");
  if (filter == request.query.end()) return absl::OkStatus();
  // Every identifier-like word, also inside quotes (refusing too much is
  // safe; the field names are what matters).
  for (absl::string_view word :
       absl::StrSplit(filter->second, absl::ByAnyChar(" \t\r\n()=!<>:\"',*-"),
                      absl::SkipEmpty())) {
    for (absl::string_view personal :
         {"email", "phone", "external_identities", "external_identity"}) {
      if (absl::EqualsIgnoreCase(word, personal)) {
        return WithReasonNamed(
            absl::PermissionDeniedError(
                "this caller may not filter customers by email, phone or "
                "external identity"),
            "ACCESS_DENIED");
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CredentialsMissingError() {
  return WithReasonNamed(
      absl::UnauthenticatedError(
          "credentials required: an API key in X-API-Key or a customer "
          "token in Authorization: Bearer"),
      "CREDENTIALS_MISSING");
}

absl::Status CredentialsInvalidError(absl::string_view why) {
  return WithReasonNamed(absl::UnauthenticatedError(why),
                         "CREDENTIALS_INVALID");
}

absl::Status CredentialsExpiredError() {
  return WithReasonNamed(
      absl::UnauthenticatedError("the customer token has expired or is not "
                                 "valid yet"),
      "CREDENTIALS_EXPIRED");
}

absl::Status AccessDeniedError(absl::string_view method) {
  absl::string_view short_name = method.substr(method.rfind('.') + 1);
  return WithReasonNamed(absl::PermissionDeniedError(absl::StrCat(
                             "this caller may not call ", short_name)),
                         "ACCESS_DENIED");
}

}  // namespace crm::gateway::auth

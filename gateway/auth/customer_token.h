// Customer tokens: JSON Web Tokens (RFC 7519) signed with HMAC-SHA256
// (HS256, through OpenSSL) by the customer-facing login service that holds
// the same secret; they give a customer access to their own data only.
//
//   CustomerTokenVerifier verifier({.secret = secret,
//                                   .issuer = "https://login.example.com",
//                                   .audience = "crm-gateway"});
//   absl::StatusOr<std::string> customer = verifier.Verify(jwt);  // "c1"
//
// A token is accepted only if all of these hold (else UNAUTHENTICATED):
// - three base64url parts without padding, at most 4096 bytes;
// - header {"alg":"HS256"} exactly: the algorithm is pinned, so "none",
//   "HS512", "RS256" (and a header with `crit`) are refused, whatever the
//   signature; `typ`, if present, is "JWT";
// - the signature is the HMAC-SHA256 of `<header>.<payload>` under the
//   secret (compared in constant time);
// - `iss` equals the issuer and `aud` the audience (a string, or an array
//   holding it);
// - `exp` (required) is after now - clock_skew; `nbf` and `iat`, when
//   present, are before now + clock_skew (clock_skew at most 5 minutes);
// - `sub` is the customer's resource name, `customers/{id}`, with an id of
//   1-128 of [A-Za-z0-9_-].
// An expired (or not yet valid) token is CredentialsExpiredError, every
// other failure CredentialsInvalidError; messages never echo the token.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crm::gateway::auth {

struct CustomerTokenOptions {
  std::string secret;  // At least 32 bytes.
  std::string issuer;
  std::string audience;
  absl::Duration clock_skew = absl::Seconds(60);
  // The current time (tests inject one).
  std::function<absl::Time()> now;
};

class CustomerTokenVerifier {
 public:
  // INVALID_ARGUMENT when the secret is shorter than 32 bytes, the issuer
  // or audience is empty, or the skew is negative or above 5 minutes.
  static absl::StatusOr<CustomerTokenVerifier> Create(
      CustomerTokenOptions options);

  // The customer's id of a valid token.
  absl::StatusOr<std::string> Verify(absl::string_view token) const;

 private:
  explicit CustomerTokenVerifier(CustomerTokenOptions options)
      : options_(std::move(options)) {}

  CustomerTokenOptions options_;
};

// A signed HS256 token over `payload_json` (tests, and the development
// token tool): `<b64url header>.<b64url payload>.<b64url signature>`.
std::string SignCustomerToken(
    absl::string_view payload_json, absl::string_view secret,
    absl::string_view header_json = R"({"alg":"HS256","typ":"JWT"})");

}  // namespace crm::gateway::auth

#include "gateway/auth/customer_token.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gateway/auth/authenticator.h"

namespace crm::gateway::auth {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

constexpr size_t kMaxTokenBytes = 4096;
constexpr size_t kMinSecretBytes = 32;
constexpr absl::Duration kMaxClockSkew = absl::Minutes(5);
constexpr char kCustomerPrefix[] = "customers/";

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
       &size);
  return std::string(reinterpret_cast<const char*>(mac), size);
}

// Strict base64url without padding.
bool DecodePart(absl::string_view part, std::string* out) {
  if (part.empty()) return false;
  for (char c : part) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return absl::WebSafeBase64Unescape(part, out);
}

bool ParseJsonObject(const std::string& json, Struct* out) {
  return google::protobuf::util::JsonStringToMessage(json, out).ok();
}

// A NumericDate claim (seconds since the epoch).
bool NumericDate(const Struct& claims, const char* name, absl::Time* out) {
  auto it = claims.fields().find(name);
  if (it == claims.fields().end()) return false;
  if (it->second.kind_case() != Value::kNumberValue) return false;
  const double seconds = it->second.number_value();
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e11) return false;
  *out = absl::FromUnixSeconds(static_cast<int64_t>(seconds));
  return true;
}

bool HasStringClaim(const Struct& claims, const char* name,
                    absl::string_view expected) {
  auto it = claims.fields().find(name);
  return it != claims.fields().end() &&
         it->second.kind_case() == Value::kStringValue &&
         it->second.string_value() == expected;
}

bool AudienceMatches(const Struct& claims, absl::string_view audience) {
  auto it = claims.fields().find("aud");
  if (it == claims.fields().end()) return false;
  if (it->second.kind_case() == Value::kStringValue) {
    return it->second.string_value() == audience;
  }
  if (it->second.kind_case() != Value::kListValue) return false;
  for (const Value& one : it->second.list_value().values()) {
    if (one.kind_case() == Value::kStringValue &&
        one.string_value() == audience) {
      return true;
    }
  }
  return false;
}

bool IsValidCustomerId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<CustomerTokenVerifier> CustomerTokenVerifier::Create(
    CustomerTokenOptions options) {
  if (options.secret.size() < kMinSecretBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the customer token secret needs at least ",
                     kMinSecretBytes, " bytes"));
  }
  if (options.issuer.empty() || options.audience.empty()) {
    return absl::InvalidArgumentError(
        "customer tokens need an issuer and an audience");
  }
  if (options.clock_skew < absl::ZeroDuration() ||
      options.clock_skew > kMaxClockSkew) {
    return absl::InvalidArgumentError(
        "the customer token clock skew must be in 0s..5m");
  }
  if (!options.now) options.now = [] { return absl::Now(); };
  return CustomerTokenVerifier(std::move(options));
}

absl::StatusOr<std::string> CustomerTokenVerifier::Verify(
    absl::string_view token) const {
  if (token.size() > kMaxTokenBytes) {
    return CredentialsInvalidError("the customer token is too long");
  }
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return CredentialsInvalidError("the customer token is malformed");
  }
  std::string header_json, payload_json, signature;
  if (!DecodePart(parts[0], &header_json) ||
      !DecodePart(parts[1], &payload_json) ||
      !DecodePart(parts[2], &signature)) {
    return CredentialsInvalidError("the customer token is malformed");
  }
  Struct header;
  if (!ParseJsonObject(header_json, &header)) {
    return CredentialsInvalidError("the customer token is malformed");
  }
  // The algorithm is pinned: nothing in the token chooses how it is checked.
  if (!HasStringClaim(header, "alg", "HS256") ||
      header.fields().count("crit") > 0 ||
      (header.fields().count("typ") > 0 &&
       !HasStringClaim(header, "typ", "JWT"))) {
    return CredentialsInvalidError(
        "the customer token must be signed with HS256");
  }
  const std::string expected = HmacSha256(
      options_.secret,
      absl::string_view(token.data(), parts[0].size() + 1 + parts[1].size()));
  if (signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    return CredentialsInvalidError("the customer token's signature is invalid");
  }
  Struct claims;
  if (!ParseJsonObject(payload_json, &claims)) {
    return CredentialsInvalidError("the customer token is malformed");
  }
  if (!HasStringClaim(claims, "iss", options_.issuer)) {
    return CredentialsInvalidError(
        "the customer token's issuer is not trusted");
  }
  if (!AudienceMatches(claims, options_.audience)) {
    return CredentialsInvalidError(
        "the customer token is for another audience");
  }
  const absl::Time now = options_.now();
  absl::Time expires;
  if (!NumericDate(claims, "exp", &expires)) {
    return CredentialsInvalidError("the customer token has no valid exp");
  }
  if (now - options_.clock_skew >= expires) return CredentialsExpiredError();
  for (const char* claim : {"nbf", "iat"}) {
    if (claims.fields().count(claim) == 0) continue;
    absl::Time at;
    if (!NumericDate(claims, claim, &at)) {
      return CredentialsInvalidError(
          absl::StrCat("the customer token has an invalid ", claim));
    }
    if (at > now + options_.clock_skew) return CredentialsExpiredError();
  }
  auto subject = claims.fields().find("sub");
  if (subject == claims.fields().end() ||
      subject->second.kind_case() != Value::kStringValue) {
    return CredentialsInvalidError("the customer token has no subject");
  }
  absl::string_view id = subject->second.string_value();
  if (!absl::ConsumePrefix(&id, kCustomerPrefix) || !IsValidCustomerId(id)) {
    return CredentialsInvalidError(
        "the customer token's subject is not customers/{id}");
  }
  return std::string(id);
}

std::string SignCustomerToken(absl::string_view payload_json,
                              absl::string_view secret,
                              absl::string_view header_json) {
  std::string signed_part =
      absl::StrCat(absl::WebSafeBase64Escape(header_json), ".",
                   absl::WebSafeBase64Escape(payload_json));
  return absl::StrCat(
      signed_part, ".",
      absl::WebSafeBase64Escape(HmacSha256(secret, signed_part)));
}

}  // namespace crm::gateway::auth

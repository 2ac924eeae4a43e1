#include "services/loyalty/webhook_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace crm::loyalty {

std::string SignWebhook(absl::string_view secret, int64_t timestamp_seconds,
                        absl::string_view body) {
  const std::string signed_text = absl::StrCat(timestamp_seconds, ".", body);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_text.data()),
       signed_text.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

absl::Status VerifyWebhookSignature(absl::string_view secret,
                                    absl::string_view timestamp_header,
                                    absl::string_view body,
                                    absl::string_view signature_header,
                                    absl::Time now, absl::Duration tolerance) {
  int64_t timestamp = 0;
  if (timestamp_header.empty() || timestamp_header.size() > 18 ||
      !absl::c_all_of(timestamp_header, absl::ascii_isdigit) ||
      !absl::SimpleAtoi(timestamp_header, &timestamp)) {
    return absl::InvalidArgumentError(
        absl::StrCat(kWebhookTimestampHeader, " must be unix seconds"));
  }
  if (absl::AbsDuration(now - absl::FromUnixSeconds(timestamp)) > tolerance) {
    return absl::UnauthenticatedError(
        absl::StrCat(kWebhookTimestampHeader, " is out of tolerance"));
  }
  const std::string expected = SignWebhook(secret, timestamp, body);
  if (signature_header.size() != expected.size() ||
      CRYPTO_memcmp(signature_header.data(), expected.data(),
                    expected.size()) != 0) {
    return absl::UnauthenticatedError(
        absl::StrCat(kWebhookSignatureHeader, " does not match"));
  }
  return absl::OkStatus();
}

}  // namespace crm::loyalty

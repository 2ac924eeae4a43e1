#include "services/loyalty/coupon_issue_keys.h"

#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace crm::loyalty {
namespace {

// 64 lowercase hex characters.
std::string Sha256Hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

}  // namespace

std::string SegmentCouponIssueKey(absl::string_view request_id,
                                  absl::string_view customer_id) {
  return Sha256Hex(
      absl::StrCat("segment-coupon\n", request_id, "\n", customer_id));
}

std::string CompensationCouponIssueKey(absl::string_view ticket) {
  return Sha256Hex(absl::StrCat("compensation\n", ticket));
}

}  // namespace crm::loyalty

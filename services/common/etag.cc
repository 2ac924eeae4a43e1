#include "services/common/etag.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/error_details.h"

namespace crm::common {
namespace {

constexpr absl::string_view kEtagPrefix = "crm-v";

}  // namespace

std::string EncodeEtag(int64_t version) {
  return absl::WebSafeBase64Escape(absl::StrCat(kEtagPrefix, version));
}

absl::StatusOr<int64_t> DecodeEtag(absl::string_view etag) {
  std::string decoded;
  int64_t version = 0;
  absl::string_view rest;
  if (!absl::WebSafeBase64Unescape(etag, &decoded)) {
    return InvalidFieldError("etag", "is malformed");
  }
  rest = decoded;
  if (!absl::ConsumePrefix(&rest, kEtagPrefix) ||
      !absl::SimpleAtoi(rest, &version) || version < 0) {
    return InvalidFieldError("etag", "is malformed");
  }
  return version;
}

}  // namespace crm::common

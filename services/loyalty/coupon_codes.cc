#include "services/loyalty/coupon_codes.h"

#include <openssl/rand.h>

#include <array>
#include <cstdint>

#include "absl/strings/ascii.h"

namespace crm::loyalty {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

}  // namespace

const CsprngCouponCodes& CsprngCouponCodes::Instance() {
  static const CsprngCouponCodes* const instance = new CsprngCouponCodes();
  return *instance;
}

absl::StatusOr<std::string> CsprngCouponCodes::NewCode() const {
  // 20 symbols × 5 bits = 100 bits, taken from 13 random bytes.
  std::array<unsigned char, 13> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return absl::InternalError("the random source failed");
  }
  std::string code;
  code.reserve(kCouponCodeLength);
  uint32_t buffer = 0;
  int bits = 0;
  size_t next = 0;
  while (static_cast<int>(code.size()) < kCouponCodeLength) {
    if (bits < 5) {
      buffer = (buffer << 8) | bytes[next++];
      bits += 8;
    }
    code.push_back(kAlphabet[(buffer >> (bits - 5)) & 0x1f]);
    bits -= 5;
  }
  return code;
}

bool IsCouponCodeShape(absl::string_view code) {
  if (static_cast<int>(code.size()) != kCouponCodeLength) return false;
  const absl::string_view alphabet(kAlphabet);
  for (char c : code) {
    if (alphabet.find(absl::ascii_toupper(static_cast<unsigned char>(c))) ==
        absl::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace crm::loyalty

// Coupon codes: 20 characters of the Crockford base32 alphabet (no I, L,
// O, U) carrying 100 bits from OpenSSL's CSPRNG (RAND_bytes), so a code
// cannot be guessed: with a million live coupons the chance that a random
// guess hits one is below 1e-24. Injectable so tests can force clashes.
//
//   const CouponCodeGenerator& codes = CsprngCouponCodes::Instance();
//   CRM_ASSIGN_OR_RETURN(std::string code, codes.NewCode());
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crm::loyalty {

inline constexpr int kCouponCodeLength = 20;

class CouponCodeGenerator {
 public:
  virtual ~CouponCodeGenerator() = default;
  // A fresh code; INTERNAL if the random source failed.
  virtual absl::StatusOr<std::string> NewCode() const = 0;
};

class CsprngCouponCodes final : public CouponCodeGenerator {
 public:
  static const CsprngCouponCodes& Instance();
  absl::StatusOr<std::string> NewCode() const override;
};

// True when `code` has the shape of a coupon code (length and alphabet);
// codes are compared upper-case, so clients may send lower case.
bool IsCouponCodeShape(absl::string_view code);

}  // namespace crm::loyalty

// Coupon codes: shape, alphabet and no repeats across many draws.
#include "services/loyalty/coupon_codes.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/ascii.h"

namespace crm::loyalty {
namespace {

TEST(CouponCodesTest, CodesHaveTheShapeAndDoNotRepeat) {
  std::set<std::string> seen;
  std::set<char> symbols;
  for (int i = 0; i < 10000; ++i) {
    absl::StatusOr<std::string> code = CsprngCouponCodes::Instance().NewCode();
    ASSERT_TRUE(code.ok());
    ASSERT_EQ(code->size(), 20u);
    EXPECT_TRUE(IsCouponCodeShape(*code)) << *code;
    EXPECT_TRUE(seen.insert(*code).second) << *code;
    symbols.insert(code->begin(), code->end());
  }
  // All 32 symbols appear (100 bits per code, uniformly spread).
  EXPECT_EQ(symbols.size(), 32u);
  EXPECT_EQ(symbols.count('I') + symbols.count('L') + symbols.count('O') +
                symbols.count('U'),
            0u);
}

TEST(CouponCodesTest, ShapeAcceptsLowerCaseAndRejectsOthers) {
  EXPECT_TRUE(IsCouponCodeShape("0123456789abcdefghjk"));
  EXPECT_FALSE(IsCouponCodeShape("0123456789ABCDEFGHJ"));    // 19
  EXPECT_FALSE(IsCouponCodeShape("0123456789ABCDEFGHJKM"));  // 21
  EXPECT_FALSE(IsCouponCodeShape("0123456789ABCDEFGHIL"));   // I, L
  EXPECT_FALSE(IsCouponCodeShape("0123456789ABCDEFGH-K"));
}

}  // namespace
}  // namespace crm::loyalty

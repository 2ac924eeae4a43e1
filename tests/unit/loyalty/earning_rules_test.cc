// Earning arithmetic: rates per currency, rounding, multipliers, clawback
// proportions and lot expiry across month ends and leap days.
#include "services/loyalty/earning_rules.h"

#include <optional>

#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace crm::loyalty {
namespace {

crm::type::v1::Money Money(const char* currency, int64_t minor) {
  crm::type::v1::Money money;
  money.set_currency_code(currency);
  money.set_amount_minor(minor);
  return money;
}

v1::Program CnyProgram(v1::Program::Rounding rounding) {
  v1::Program program;
  v1::EarnRate* rate = program.add_earn_rates();
  rate->set_currency_code("CNY");
  rate->set_points(1);
  rate->set_per_amount_minor(100);  // 1 point per 1 CNY.
  program.set_rounding(rounding);
  return program;
}

absl::Time Utc(int y, int m, int d, int hh = 0, int mm = 0, int ss = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss),
                         absl::UTCTimeZone());
}

TEST(PointsForAmountTest, ConvertsByTheCurrencysRateAndRoundsOnce) {
  const v1::Program floor = CnyProgram(v1::Program::FLOOR);
  EXPECT_EQ(PointsForAmount(floor, Money("CNY", 12345), 100), 123);
  EXPECT_EQ(PointsForAmount(floor, Money("CNY", 99), 100), 0);
  // 123.45 × 1.5 = 185.175 -> 185: rounded after the multiplier.
  EXPECT_EQ(PointsForAmount(floor, Money("CNY", 12345), 150), 185);
  EXPECT_EQ(PointsForAmount(CnyProgram(v1::Program::HALF_UP),
                            Money("CNY", 12350), 100),
            124);
  EXPECT_EQ(PointsForAmount(CnyProgram(v1::Program::HALF_UP),
                            Money("CNY", 12349), 100),
            123);
  EXPECT_EQ(PointsForAmount(CnyProgram(v1::Program::CEILING),
                            Money("CNY", 12301), 100),
            124);
  EXPECT_EQ(PointsForAmount(CnyProgram(v1::Program::ROUNDING_UNSPECIFIED),
                            Money("CNY", 12399), 100),
            123);
}

TEST(PointsForAmountTest, EarnsNothingWithoutARateOrAPositiveAmount) {
  const v1::Program program = CnyProgram(v1::Program::FLOOR);
  EXPECT_EQ(PointsForAmount(program, Money("USD", 10000), 100), 0);
  EXPECT_EQ(PointsForAmount(program, Money("CNY", 0), 100), 0);
  EXPECT_EQ(PointsForAmount(program, Money("CNY", -500), 100), 0);
  EXPECT_EQ(PointsForAmount(v1::Program(), Money("CNY", 10000), 100), 0);
}

TEST(PointsForAmountTest, LargeAmountsDoNotOverflow) {
  v1::Program program = CnyProgram(v1::Program::FLOOR);
  program.mutable_earn_rates(0)->set_points(1'000'000);
  program.mutable_earn_rates(0)->set_per_amount_minor(1);
  EXPECT_EQ(PointsForAmount(program, Money("CNY", INT64_MAX), 1000),
            1'000'000'000'000);
}

TEST(ClawbackTargetTest, IsProportionalAndAFullRefundTakesExactlyTheEarning) {
  EXPECT_EQ(ClawbackTarget(100, 10000, 0), 0);
  EXPECT_EQ(ClawbackTarget(100, 10000, 3333), 33);
  EXPECT_EQ(ClawbackTarget(100, 10000, 6666), 66);
  EXPECT_EQ(ClawbackTarget(100, 10000, 10000), 100);
  EXPECT_EQ(ClawbackTarget(100, 10000, 20000), 100);  // Clamped.
  EXPECT_EQ(ClawbackTarget(0, 10000, 10000), 0);
  EXPECT_EQ(ClawbackTarget(100, 0, 10), 0);
  // Three partial refunds of a third: the cumulative target never exceeds
  // the earning and ends exactly on it.
  int64_t clawed = 0;
  for (int64_t refunded : {3333, 6666, 9999, 10000}) {
    const int64_t target = ClawbackTarget(7, 10000, refunded);
    EXPECT_GE(target, clawed);
    clawed = target;
  }
  EXPECT_EQ(clawed, 7);
}

TEST(LotExpireTimeTest, NeverExpiresByDefault) {
  EXPECT_EQ(LotExpireTime(v1::ExpiryPolicy(), Utc(2026, 1, 1)), std::nullopt);
  v1::ExpiryPolicy never;
  never.set_mode(v1::ExpiryPolicy::NEVER);
  EXPECT_EQ(LotExpireTime(never, Utc(2026, 1, 1)), std::nullopt);
}

TEST(LotExpireTimeTest, MonthsAfterEarnClampsToTheMonthsLastDay) {
  v1::ExpiryPolicy policy;
  policy.set_mode(v1::ExpiryPolicy::MONTHS_AFTER_EARN);
  policy.set_months(1);
  EXPECT_EQ(LotExpireTime(policy, Utc(2026, 1, 15, 10, 30)),
            Utc(2026, 2, 15, 10, 30));
  EXPECT_EQ(LotExpireTime(policy, Utc(2026, 1, 31, 23, 59, 59)),
            Utc(2026, 2, 28, 23, 59, 59));
  // Leap year: 31 January 2028 + 1 month is 29 February.
  EXPECT_EQ(LotExpireTime(policy, Utc(2028, 1, 31, 8)), Utc(2028, 2, 29, 8));
  // Earned on a leap day, 12 months later there is no 29 February.
  policy.set_months(12);
  EXPECT_EQ(LotExpireTime(policy, Utc(2028, 2, 29, 12)), Utc(2029, 2, 28, 12));
  policy.set_months(48);
  EXPECT_EQ(LotExpireTime(policy, Utc(2028, 2, 29, 12)), Utc(2032, 2, 29, 12));
  // Across a year end, keeping sub-second precision.
  policy.set_months(2);
  EXPECT_EQ(LotExpireTime(policy, Utc(2026, 12, 31) + absl::Microseconds(7)),
            Utc(2027, 2, 28) + absl::Microseconds(7));
}

TEST(LotExpireTimeTest, EndOfMonthAfterMonths) {
  v1::ExpiryPolicy policy;
  policy.set_mode(v1::ExpiryPolicy::END_OF_MONTH_AFTER_MONTHS);
  policy.set_months(0);
  EXPECT_EQ(LotExpireTime(policy, Utc(2026, 1, 15)), Utc(2026, 2, 1));
  policy.set_months(1);
  // Earned 31 January 2028: expires at the end of February (29 days).
  EXPECT_EQ(LotExpireTime(policy, Utc(2028, 1, 31, 23)), Utc(2028, 3, 1));
  policy.set_months(12);
  EXPECT_EQ(LotExpireTime(policy, Utc(2026, 12, 31, 23, 59, 59)),
            Utc(2028, 1, 1));
}

}  // namespace
}  // namespace crm::loyalty

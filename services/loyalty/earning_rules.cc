#include "services/loyalty/earning_rules.h"

#include <algorithm>

#include "absl/time/civil_time.h"

namespace crm::loyalty {
namespace {

constexpr int64_t kMaxEarnedPoints = 1'000'000'000'000;

// numerator / denominator (both > 0 for the denominator) rounded by
// `rounding`.
__int128 Divide(__int128 numerator, __int128 denominator,
                v1::Program::Rounding rounding) {
  const __int128 quotient = numerator / denominator;
  const __int128 remainder = numerator % denominator;
  switch (rounding) {
    case v1::Program::CEILING:
      return remainder > 0 ? quotient + 1 : quotient;
    case v1::Program::HALF_UP:
      return remainder * 2 >= denominator ? quotient + 1 : quotient;
    default:
      return quotient;
  }
}

}  // namespace

int64_t PointsForAmount(const v1::Program& program,
                        const crm::type::v1::Money& amount,
                        int multiplier_percent) {
  if (amount.amount_minor() <= 0) return 0;
  for (const v1::EarnRate& rate : program.earn_rates()) {
    if (rate.currency_code() != amount.currency_code()) continue;
    if (rate.per_amount_minor() <= 0 || rate.points() <= 0) return 0;
    const int multiplier = multiplier_percent <= 0 ? 100 : multiplier_percent;
    const __int128 numerator = static_cast<__int128>(amount.amount_minor()) *
                               rate.points() * multiplier;
    const __int128 denominator =
        static_cast<__int128>(rate.per_amount_minor()) * 100;
    const __int128 points = Divide(numerator, denominator, program.rounding());
    return static_cast<int64_t>(
        std::min<__int128>(points, static_cast<__int128>(kMaxEarnedPoints)));
  }
  return 0;
}

std::optional<absl::Time> LotExpireTime(const v1::ExpiryPolicy& policy,
                                        absl::Time earn_time) {
  const absl::CivilSecond earned =
      absl::ToCivilSecond(earn_time, absl::UTCTimeZone());
  const absl::Duration subsecond =
      earn_time - absl::FromCivil(earned, absl::UTCTimeZone());
  switch (policy.mode()) {
    case v1::ExpiryPolicy::MONTHS_AFTER_EARN: {
      const absl::CivilMonth target =
          absl::CivilMonth(earned) + policy.months();
      const absl::CivilDay last_day =
          absl::CivilDay(absl::CivilMonth(target + 1)) - 1;
      const int day = std::min(earned.day(), last_day.day());
      const absl::CivilSecond expiry(target.year(), target.month(), day,
                                     earned.hour(), earned.minute(),
                                     earned.second());
      return absl::FromCivil(expiry, absl::UTCTimeZone()) + subsecond;
    }
    case v1::ExpiryPolicy::END_OF_MONTH_AFTER_MONTHS: {
      const absl::CivilMonth next =
          absl::CivilMonth(earned) + policy.months() + 1;
      return absl::FromCivil(next, absl::UTCTimeZone());
    }
    default:
      return std::nullopt;
  }
}

int64_t ClawbackTarget(int64_t points_earned, int64_t amount_minor,
                       int64_t refunded_minor) {
  if (amount_minor <= 0 || points_earned <= 0) return 0;
  const int64_t refunded = std::clamp<int64_t>(refunded_minor, 0, amount_minor);
  return static_cast<int64_t>(static_cast<__int128>(points_earned) * refunded /
                              amount_minor);
}

}  // namespace crm::loyalty

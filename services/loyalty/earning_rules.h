// The arithmetic of earning, clawing back and expiring points, as pure
// functions over the programme's settings (program.proto).
//
//   int64_t points = PointsForAmount(program, order.amount(),
//                                    TierMultiplierPercent(program, tier));
//   std::optional<absl::Time> expiry =
//       LotExpireTime(program.expiry_policy(), now);
//   int64_t claw = ClawbackTarget(earned, amount, refunded) - already_clawed;
#pragma once

#include <cstdint>
#include <optional>

#include "absl/time/time.h"
#include "crm/loyalty/v1/program.pb.h"
#include "crm/type/v1/money.pb.h"

namespace crm::loyalty {

// Points an amount earns: amount_minor × rate.points / rate.per_amount_minor
// × multiplier_percent / 100, rounded once at the end by the programme's
// rounding (FLOOR when unspecified). 0 when the programme has no rate for
// the currency or the amount is not positive. Exact (128-bit intermediate);
// saturates at 1e12 points.
int64_t PointsForAmount(const v1::Program& program,
                        const crm::type::v1::Money& amount,
                        int multiplier_percent);

// When points earned at `earn_time` expire under `policy` (nullopt: never):
// MONTHS_AFTER_EARN adds `months` calendar months in UTC, clamping the day
// to the target month's last day (31 Jan + 1 month = 28 or 29 Feb, same
// time of day); END_OF_MONTH_AFTER_MONTHS is 00:00 UTC of the first day of
// the month after the month `months` months after the earning month.
std::optional<absl::Time> LotExpireTime(const v1::ExpiryPolicy& policy,
                                        absl::Time earn_time);

// The points an order that earned `points_earned` for `amount_minor` has
// lost in total once `refunded_minor` of it is refunded:
// floor(points_earned × refunded / amount), with refunded clamped to
// 0..amount, so a full refund claws back exactly what was earned and
// partial refunds add up to no more than that. 0 for a non-positive amount.
int64_t ClawbackTarget(int64_t points_earned, int64_t amount_minor,
                       int64_t refunded_minor);

}  // namespace crm::loyalty

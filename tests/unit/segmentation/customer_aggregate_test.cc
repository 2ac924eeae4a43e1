// AggregateOrders: counts, distinct UTC purchase days, first/last times and
// per-currency totals net of refunds, independent of the orders' order.
#include "services/segmentation/customer_aggregate.h"

#include <algorithm>
#include <random>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace crm::segmentation {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kMidnight = absl::FromUnixSeconds(1767225600);  // 2026-01-01

OrderFact Order(const std::string& id, absl::Time time, int64_t amount,
                const std::string& currency = "CNY", int64_t refunded = 0) {
  return OrderFact{.customer_id = "c",
                   .order_id = id,
                   .order_time = time,
                   .currency_code = currency,
                   .amount_minor = amount,
                   .refunded_minor = refunded};
}

TEST(AggregateOrdersTest, NoOrdersIsAnEmptyAggregate) {
  CustomerAggregate aggregate = AggregateOrders("c", {});
  EXPECT_EQ(aggregate.customer_id, "c");
  EXPECT_EQ(aggregate.order_count, 0);
  EXPECT_EQ(aggregate.purchase_days, 0);
  EXPECT_FALSE(aggregate.first_order_time.has_value());
  EXPECT_THAT(aggregate.spend, IsEmpty());
}

TEST(AggregateOrdersTest, PurchaseDaysAreDistinctUtcDates) {
  // 23:59:59 and 00:00:00 the next day are two days; two orders on one day
  // are one.
  CustomerAggregate aggregate =
      AggregateOrders("c", {Order("a", kMidnight - absl::Seconds(1), 100),
                            Order("b", kMidnight, 100),
                            Order("c", kMidnight + absl::Hours(23), 100)});
  EXPECT_EQ(aggregate.order_count, 3);
  EXPECT_EQ(aggregate.purchase_days, 2);
  EXPECT_EQ(aggregate.first_order_time, kMidnight - absl::Seconds(1));
  EXPECT_EQ(aggregate.last_order_time, kMidnight + absl::Hours(23));
  EXPECT_EQ(aggregate.previous_purchase_time, kMidnight - absl::Seconds(1));
}

TEST(AggregateOrdersTest, OneDayHasNoPreviousPurchase) {
  CustomerAggregate aggregate =
      AggregateOrders("c", {Order("a", kMidnight, 100),
                            Order("b", kMidnight + absl::Hours(2), 100)});
  EXPECT_EQ(aggregate.purchase_days, 1);
  EXPECT_FALSE(aggregate.previous_purchase_time.has_value());
}

TEST(AggregateOrdersTest, SpendIsPerCurrencyNetOfRefunds) {
  std::vector<OrderFact> orders = {
      Order("a", kMidnight, 1000, "USD"),
      Order("b", kMidnight, 999, "CNY", /*refunded=*/99),
      Order("c", kMidnight + absl::Hours(48), 401, "CNY"),
      Order("d", kMidnight + absl::Hours(72), 500, "CNY", /*refunded=*/500)};
  CustomerAggregate aggregate = AggregateOrders("c", orders);
  EXPECT_THAT(aggregate.spend,
              ElementsAre(CurrencySpend{"CNY", 3, 1301, 433},
                          CurrencySpend{"USD", 1, 1000, 1000}));
  std::reverse(orders.begin(), orders.end());
  EXPECT_EQ(AggregateOrders("c", orders), aggregate);
}

TEST(UtcDayNumberTest, CountsDaysSinceTheEpoch) {
  EXPECT_EQ(UtcDayNumber(absl::UnixEpoch()), 0);
  EXPECT_EQ(UtcDayNumber(absl::UnixEpoch() - absl::Seconds(1)), -1);
  EXPECT_EQ(UtcDayNumber(kMidnight), 20454);
}

TEST(UtcDayNumberTest, EqualsTheCivilDayInUtc) {
  // Both sides of the epoch, day edges (a microsecond before and at
  // midnight) and random instants over ±300 years.
  std::mt19937_64 random(11);
  std::vector<absl::Time> times = {absl::UnixEpoch() - absl::Microseconds(1),
                                   absl::UnixEpoch(),
                                   kMidnight - absl::Microseconds(1),
                                   kMidnight,
                                   absl::FromUnixSeconds(-86400),
                                   absl::FromUnixSeconds(-86401)};
  for (int i = 0; i < 2000; ++i) {
    const int64_t micros =
        static_cast<int64_t>(random() % 19000000000000000) - 9500000000000000;
    times.push_back(absl::FromUnixMicros(micros));
  }
  for (absl::Time t : times) {
    EXPECT_EQ(UtcDayNumber(t), absl::ToCivilDay(t, absl::UTCTimeZone()) -
                                   absl::CivilDay(1970, 1, 1))
        << absl::FormatTime(t);
  }
}

}  // namespace
}  // namespace crm::segmentation

#include "services/segmentation/customer_aggregate.h"

#include <map>
#include <set>
#include <string>

#include "absl/time/civil_time.h"

namespace crm::segmentation {

int64_t UtcDayNumber(absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) {
    return absl::ToCivilDay(t, absl::UTCTimeZone()) -
           absl::CivilDay(1970, 1, 1);
  }
  // A UTC day is 86,400 Unix seconds (Unix time has no leap seconds), so
  // the civil conversion reduces to a floor division.
  const int64_t seconds = absl::ToUnixSeconds(t);  // Rounded down.
  constexpr int64_t kSecondsPerDay = 86400;
  return seconds / kSecondsPerDay - (seconds % kSecondsPerDay < 0 ? 1 : 0);
}

CustomerAggregate AggregateOrders(absl::string_view customer_id,
                                  const std::vector<OrderFact>& orders) {
  CustomerAggregate aggregate;
  aggregate.customer_id = std::string(customer_id);
  std::set<int64_t> days;
  std::map<std::string, CurrencySpend> by_currency;
  for (const OrderFact& order : orders) {
    ++aggregate.order_count;
    days.insert(UtcDayNumber(order.order_time));
    const absl::Weekday weekday = absl::GetWeekday(
        absl::ToCivilDay(order.order_time, absl::UTCTimeZone()));
    if (weekday == absl::Weekday::saturday ||
        weekday == absl::Weekday::sunday) {
      ++aggregate.weekend_order_count;
    }
    if (!aggregate.first_order_time.has_value() ||
        order.order_time < *aggregate.first_order_time) {
      aggregate.first_order_time = order.order_time;
    }
    if (!aggregate.last_order_time.has_value() ||
        order.order_time > *aggregate.last_order_time) {
      aggregate.last_order_time = order.order_time;
    }
    CurrencySpend& spend = by_currency[order.currency_code];
    spend.currency_code = order.currency_code;
    ++spend.order_count;
    spend.net_total_minor += order.amount_minor - order.refunded_minor;
  }
  aggregate.purchase_days = static_cast<int64_t>(days.size());
  if (aggregate.last_order_time.has_value()) {
    const int64_t last_day = UtcDayNumber(*aggregate.last_order_time);
    for (const OrderFact& order : orders) {
      if (UtcDayNumber(order.order_time) < last_day &&
          (!aggregate.previous_purchase_time.has_value() ||
           order.order_time > *aggregate.previous_purchase_time)) {
        aggregate.previous_purchase_time = order.order_time;
      }
    }
  }
  for (auto& [code, spend] : by_currency) {
    spend.average_minor = spend.net_total_minor / spend.order_count;
    aggregate.spend.push_back(spend);
  }
  return aggregate;
}

}  // namespace crm::segmentation

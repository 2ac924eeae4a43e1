#include "services/customer_profile/order_rules.h"

#include <algorithm>

#include "absl/status/status.h"
#include "services/common/error_details.h"

namespace crm::customer_profile {

absl::StatusOr<int64_t> RefundAmount(
    const OrderRecord& order, const std::optional<crm::type::v1::Money>& asked,
    absl::string_view order_name) {
  if (asked.has_value() && asked->currency_code() != order.currency_code) {
    return crm::common::InvalidFieldError("amount.currency_code",
                                          "must be the order's currency");
  }
  const int64_t remaining = order.amount_minor - order.refunded_minor;
  const int64_t amount = asked.has_value() ? asked->amount_minor() : remaining;
  if (remaining <= 0 || amount > remaining) {
    return crm::common::ErrorWithReason(
        absl::FailedPreconditionError(
            remaining <= 0 ? "amount: the order is already fully refunded"
                           : "amount: exceeds the unrefunded amount of the "
                             "order"),
        crm::type::v1::INSUFFICIENT_BALANCE,
        {{"field", "amount"}, {"resource", order_name}});
  }
  return amount;
}

PurchaseSummaryDelta PurchaseSummaryDeltaOfOrder(const OrderRecord& order) {
  PurchaseSummaryDelta delta;
  delta.customer_id = order.customer_id;
  delta.currency_code = order.currency_code;
  delta.order_count = 1;
  delta.total_spent_minor = order.amount_minor;
  delta.first_order_time = order.order_time;
  delta.last_order_time = order.order_time;
  return delta;
}

PurchaseSummaryDelta PurchaseSummaryDeltaOfRefund(const OrderRecord& order,
                                                  int64_t amount_minor) {
  PurchaseSummaryDelta delta = PurchaseSummaryDeltaOfOrder(order);
  delta.order_count = 0;
  delta.total_spent_minor = -amount_minor;
  return delta;
}

PurchaseSummaryRecord ApplyPurchaseSummaryDelta(
    const std::optional<PurchaseSummaryRecord>& summary,
    const PurchaseSummaryDelta& delta) {
  PurchaseSummaryRecord result;
  result.customer_id = delta.customer_id;
  result.currency_code = delta.currency_code;
  result.order_count = delta.order_count;
  result.total_spent_minor = delta.total_spent_minor;
  result.first_order_time = delta.first_order_time;
  result.last_order_time = delta.last_order_time;
  if (summary.has_value()) {
    result.order_count += summary->order_count;
    result.total_spent_minor += summary->total_spent_minor;
    result.first_order_time =
        std::min(result.first_order_time, summary->first_order_time);
    result.last_order_time =
        std::max(result.last_order_time, summary->last_order_time);
  }
  return result;
}

}  // namespace crm::customer_profile

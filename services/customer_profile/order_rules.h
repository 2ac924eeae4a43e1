// The arithmetic of orders, as pure functions: how much a refund takes, and
// how orders and refunds change a customer's purchase summary.
//
//   CRM_ASSIGN_OR_RETURN(int64_t amount,
//                        RefundAmount(order, spec.amount, order_name));
//   CRM_RETURN_IF_ERROR(orders.AddToPurchaseSummary(
//       tx, PurchaseSummaryDeltaOfRefund(order, amount)));
#pragma once

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/type/v1/money.pb.h"
#include "services/customer_profile/order_repository.h"

namespace crm::customer_profile {

// The amount (minor units of the order's currency) a refund of `asked` takes
// from `order`; `asked` nullopt means all that is left unrefunded.
// Refunds never take more than is left: a refund beyond it (or of an order
// with nothing left) is FAILED_PRECONDITION with reason INSUFFICIENT_BALANCE
// (metadata field "amount", resource `order_name`). `asked` in another
// currency is INVALID_ARGUMENT on field "amount.currency_code". `asked`
// must be positive (validated before).
absl::StatusOr<int64_t> RefundAmount(
    const OrderRecord& order, const std::optional<crm::type::v1::Money>& asked,
    absl::string_view order_name);

// What recording `order` adds to its customer's summary in its currency:
// one order, its amount, its order time.
PurchaseSummaryDelta PurchaseSummaryDeltaOfOrder(const OrderRecord& order);

// What refunding `amount_minor` of `order` changes in the summary: the total
// spent goes down by the amount; the count and times stay.
PurchaseSummaryDelta PurchaseSummaryDeltaOfRefund(const OrderRecord& order,
                                                  int64_t amount_minor);

// `summary` after `delta` (same customer and currency): counts and totals
// added, time range widened. The arithmetic every repository applies.
PurchaseSummaryRecord ApplyPurchaseSummaryDelta(
    const std::optional<PurchaseSummaryRecord>& summary,
    const PurchaseSummaryDelta& delta);

}  // namespace crm::customer_profile

// The rules orders, refunds and interaction events must satisfy, as pure
// functions (no database), following the field comments of
// crm/customerprofile/v1/order.proto and customer_profile_service.proto.
//
//   CRM_ASSIGN_OR_RETURN(v1::Order order,
//                        NormalizeOrderForRecord(request.order(), now));
//   CRM_ASSIGN_OR_RETURN(RefundSpec refund, NormalizeRefundRequest(request));
//   CRM_ASSIGN_OR_RETURN(auto events, NormalizeEvents(request, now));
//
// The callers check first that every REQUIRED field is set
// (CheckRequiredFields of services/common/field_behavior.h, from the
// google.api.field_behavior annotations: order_time, amount, a line item's
// quantity, an event's type and event_time, a non-empty events batch, ...);
// these functions check formats, lengths and ranges, and treat a required
// text that is only whitespace as unset (FIELD_REQUIRED).
//
// Errors are INVALID_ARGUMENT (reason FIELD_REQUIRED or FIELD_INVALID, with a
// BadRequest field violation) whose message starts with the field path
// ("order.amount.currency_code", "events[3].event_time") and never echoes the
// rejected value.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

// A refund as asked for, validated.
struct RefundSpec {
  std::string customer_id;  // From the order's resource name.
  std::string order_id;
  // Amount in the order's currency; nullopt = all that is left.
  std::optional<crm::type::v1::Money> amount;
  std::string refund_id;  // 1..64 characters, unique per order.
  std::string reason;     // At most 500 characters.
};

inline constexpr size_t kMaxLineItems = 500;
inline constexpr int kMaxEventsPerBatch = 1000;
inline constexpr size_t kMaxEventProperties = 50;
// How far ahead of now an order or event time may lie (clock skew).
inline constexpr absl::Duration kMaxFutureSkew = absl::Hours(24);

// The order as it is to be stored: `customer` checked as `customers/{id}`,
// channel, channel_order_id, store_id trimmed and checked, currency codes
// standardised (upper case, active ISO 4217), line item prices defaulting to
// the order's currency; output-only fields (name, refunded_amount,
// create_time) cleared. Fields are named `order.<field>`.
absl::StatusOr<v1::Order> NormalizeOrderForRecord(const v1::Order& input,
                                                  absl::Time now);

// The refund asked for: order name parsed, amount's currency standardised
// (amount positive when set), refund_id and reason checked.
absl::StatusOr<RefundSpec> NormalizeRefundRequest(
    const v1::RefundOrderRequest& request);

// The customer id of `parent` (`customers/{customer}`), field `parent`.
absl::StatusOr<std::string> ParseOrdersParent(absl::string_view parent);

// The events as they are to be stored (at most 1000; name cleared). The whole
// batch is checked; the first invalid event's error names
// `events[i].<field>`.
absl::StatusOr<std::vector<v1::InteractionEvent>> NormalizeEvents(
    const v1::RecordEventsRequest& request, absl::Time now);

// The customer id in an order or event's `customer` field.
absl::StatusOr<std::string> CustomerIdOf(absl::string_view customer_name,
                                         absl::string_view field);

}  // namespace crm::customer_profile

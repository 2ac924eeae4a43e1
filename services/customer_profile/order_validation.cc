#include "services/customer_profile/order_validation.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/error_details.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/text_validation.h"
#include "services/common/timestamps.h"
#include "services/customer_profile/core/standardizer.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::Presence;
using ::crm::common::ValidateText;

// INVALID_ARGUMENT naming `field` (reason FIELD_REQUIRED for "is required",
// FIELD_INVALID otherwise) with a field violation.
absl::Status OrderFieldError(absl::string_view field,
                             absl::string_view reason) {
  if (reason == "is required") return crm::common::RequiredFieldError(field);
  return crm::common::InvalidFieldError(field, reason);
}

// 1..max_length characters of the allowed ASCII set. Empty (after trimming)
// is FIELD_REQUIRED: a REQUIRED code sent as only whitespace counts as unset,
// and custom_type is required when the type is CUSTOM.
absl::Status ValidateCode(absl::string_view value, absl::string_view field,
                          size_t max_length, absl::string_view extra_chars) {
  if (value.empty()) return OrderFieldError(field, "is required");
  if (value.size() > max_length) {
    return OrderFieldError(
        field, absl::StrCat("must be at most ", max_length, " characters"));
  }
  for (char c : value) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || extra_chars.find(c) != absl::string_view::npos;
    if (!ok) {
      return OrderFieldError(
          field, absl::StrCat("must consist of [a-z0-9_", extra_chars, "]"));
    }
  }
  return absl::OkStatus();
}

// A timestamp that is well-formed, after 1970 and at most a day ahead (that
// it is set is checked from the annotations).
absl::StatusOr<absl::Time> ValidateTime(
    const google::protobuf::Timestamp& timestamp, absl::string_view field,
    absl::Time now) {
  if (timestamp.nanos() < 0 || timestamp.nanos() > 999999999) {
    return OrderFieldError(field, "nanos out of range");
  }
  if (timestamp.seconds() < 0) {
    return OrderFieldError(field, "must not be before 1970");
  }
  const absl::Time t = crm::common::FromProtoTimestamp(timestamp);
  if (t > now + kMaxFutureSkew) {
    return OrderFieldError(field, "must not be more than a day in the future");
  }
  return crm::common::TruncateToMicros(t);
}

// Standardised currency of `money`; INVALID_ARGUMENT naming
// `<field>.currency_code` if missing or unknown.
absl::StatusOr<std::string> MoneyCurrency(const crm::type::v1::Money& money,
                                          absl::string_view field) {
  const std::string currency_field = absl::StrCat(field, ".currency_code");
  absl::StatusOr<std::string> standardized =
      StandardizeCurrencyCode(money.currency_code(), currency_field);
  if (!standardized.ok()) {
    return OrderFieldError(currency_field,
                           "must be an active ISO 4217 currency code");
  }
  const std::string& code = *standardized;
  if (code.empty()) return OrderFieldError(currency_field, "is required");
  return code;
}

std::string Trimmed(absl::string_view text) {
  return std::string(absl::StripAsciiWhitespace(text));
}

}  // namespace

absl::StatusOr<std::string> CustomerIdOf(absl::string_view customer_name,
                                         absl::string_view field) {
  return crm::common::ParseResourceName(customer_name, "customers", field);
}

absl::StatusOr<v1::Order> NormalizeOrderForRecord(const v1::Order& input,
                                                  absl::Time now) {
  v1::Order order;
  CRM_ASSIGN_OR_RETURN(std::string customer_id,
                       CustomerIdOf(input.customer(), "order.customer"));
  order.set_customer(crm::common::FormatResourceName("customers", customer_id));

  const std::string channel = Trimmed(input.channel());
  CRM_RETURN_IF_ERROR(ValidateCode(channel, "order.channel", 32, ""));
  order.set_channel(channel);

  const std::string channel_order_id = Trimmed(input.channel_order_id());
  CRM_RETURN_IF_ERROR(ValidateText(channel_order_id, "order.channel_order_id",
                                   64, Presence::kRequired));
  order.set_channel_order_id(channel_order_id);

  CRM_ASSIGN_OR_RETURN(std::string currency,
                       MoneyCurrency(input.amount(), "order.amount"));
  if (input.amount().amount_minor() < 0) {
    return OrderFieldError("order.amount.amount_minor", "must not be negative");
  }
  order.mutable_amount()->set_currency_code(currency);
  order.mutable_amount()->set_amount_minor(input.amount().amount_minor());

  if (static_cast<size_t>(input.line_items_size()) > kMaxLineItems) {
    return OrderFieldError("order.line_items",
                           absl::StrCat("at most ", kMaxLineItems, " items"));
  }
  for (int i = 0; i < input.line_items_size(); ++i) {
    const v1::OrderLineItem& in = input.line_items(i);
    const std::string prefix = absl::StrCat("order.line_items[", i, "]");
    v1::OrderLineItem* out = order.add_line_items();
    out->set_sku(Trimmed(in.sku()));
    CRM_RETURN_IF_ERROR(ValidateText(out->sku(), absl::StrCat(prefix, ".sku"),
                                     64, Presence::kRequired));
    out->set_product_name(crm::common::CollapseWhitespace(in.product_name()));
    CRM_RETURN_IF_ERROR(ValidateText(out->product_name(),
                                     absl::StrCat(prefix, ".product_name"), 200,
                                     Presence::kOptional));
    if (in.quantity() < 1 || in.quantity() > 1000000) {
      return OrderFieldError(absl::StrCat(prefix, ".quantity"),
                             "must be between 1 and 1000000");
    }
    out->set_quantity(in.quantity());
    if (in.has_unit_price()) {
      std::string price_currency = currency;
      if (!in.unit_price().currency_code().empty()) {
        CRM_ASSIGN_OR_RETURN(
            price_currency, MoneyCurrency(in.unit_price(),
                                          absl::StrCat(prefix, ".unit_price")));
      }
      if (price_currency != currency) {
        return OrderFieldError(
            absl::StrCat(prefix, ".unit_price.currency_code"),
            "must be the order's currency");
      }
      if (in.unit_price().amount_minor() < 0) {
        return OrderFieldError(absl::StrCat(prefix, ".unit_price.amount_minor"),
                               "must not be negative");
      }
      out->mutable_unit_price()->set_currency_code(currency);
      out->mutable_unit_price()->set_amount_minor(
          in.unit_price().amount_minor());
    }
    out->set_category(Trimmed(in.category()));
    CRM_RETURN_IF_ERROR(ValidateText(out->category(),
                                     absl::StrCat(prefix, ".category"), 64,
                                     Presence::kOptional));
  }

  const std::string store_id = Trimmed(input.store_id());
  CRM_RETURN_IF_ERROR(
      ValidateText(store_id, "order.store_id", 64, Presence::kOptional));
  order.set_store_id(store_id);

  CRM_ASSIGN_OR_RETURN(
      absl::Time order_time,
      ValidateTime(input.order_time(), "order.order_time", now));
  *order.mutable_order_time() = crm::common::ToProtoTimestamp(order_time);
  return order;
}

absl::StatusOr<RefundSpec> NormalizeRefundRequest(
    const v1::RefundOrderRequest& request) {
  RefundSpec spec;
  const std::vector<absl::string_view> parts =
      absl::StrSplit(request.name(), '/');
  if (parts.size() != 4 || parts[0] != "customers" || parts[2] != "orders") {
    return OrderFieldError(
        "name", "must have the form customers/{customer}/orders/{order}");
  }
  CRM_RETURN_IF_ERROR(crm::common::ValidateResourceId(parts[1], "name"));
  CRM_RETURN_IF_ERROR(crm::common::ValidateResourceId(parts[3], "name"));
  spec.customer_id = std::string(parts[1]);
  spec.order_id = std::string(parts[3]);

  if (request.has_amount()) {
    CRM_ASSIGN_OR_RETURN(std::string currency,
                         MoneyCurrency(request.amount(), "amount"));
    if (request.amount().amount_minor() <= 0) {
      return OrderFieldError("amount.amount_minor", "must be positive");
    }
    crm::type::v1::Money amount;
    amount.set_currency_code(currency);
    amount.set_amount_minor(request.amount().amount_minor());
    spec.amount = amount;
  }
  spec.refund_id = Trimmed(request.refund_id());
  CRM_RETURN_IF_ERROR(
      ValidateText(spec.refund_id, "refund_id", 64, Presence::kRequired));
  spec.reason = crm::common::CollapseWhitespace(request.reason());
  CRM_RETURN_IF_ERROR(
      ValidateText(spec.reason, "reason", 500, Presence::kOptional));
  return spec;
}

absl::StatusOr<std::string> ParseOrdersParent(absl::string_view parent) {
  return crm::common::ParseResourceName(parent, "customers", "parent");
}

absl::StatusOr<std::vector<v1::InteractionEvent>> NormalizeEvents(
    const v1::RecordEventsRequest& request, absl::Time now) {
  if (request.events_size() > kMaxEventsPerBatch) {
    return OrderFieldError(
        "events",
        absl::StrCat("must hold at most ", kMaxEventsPerBatch, " events"));
  }
  std::vector<v1::InteractionEvent> events;
  events.reserve(request.events_size());
  for (int i = 0; i < request.events_size(); ++i) {
    const v1::InteractionEvent& in = request.events(i);
    const std::string prefix = absl::StrCat("events[", i, "]");
    v1::InteractionEvent out;
    CRM_ASSIGN_OR_RETURN(
        std::string customer_id,
        CustomerIdOf(in.customer(), absl::StrCat(prefix, ".customer")));
    out.set_customer(crm::common::FormatResourceName("customers", customer_id));
    out.set_event_id(Trimmed(in.event_id()));
    CRM_RETURN_IF_ERROR(ValidateText(out.event_id(),
                                     absl::StrCat(prefix, ".event_id"), 64,
                                     Presence::kRequired));
    if (!v1::InteractionEvent::Type_IsValid(in.type())) {
      return OrderFieldError(absl::StrCat(prefix, ".type"),
                             "must be a known event type");
    }
    out.set_type(in.type());
    const std::string custom_type = Trimmed(in.custom_type());
    if (in.type() == v1::InteractionEvent::CUSTOM) {
      CRM_RETURN_IF_ERROR(ValidateCode(
          custom_type, absl::StrCat(prefix, ".custom_type"), 64, "."));
    } else if (!custom_type.empty()) {
      return OrderFieldError(absl::StrCat(prefix, ".custom_type"),
                             "must be empty unless type is CUSTOM");
    }
    out.set_custom_type(custom_type);
    const std::string channel = Trimmed(in.channel());
    CRM_RETURN_IF_ERROR(
        ValidateCode(channel, absl::StrCat(prefix, ".channel"), 32, ""));
    out.set_channel(channel);
    CRM_ASSIGN_OR_RETURN(
        absl::Time event_time,
        ValidateTime(in.event_time(), absl::StrCat(prefix, ".event_time"),
                     now));
    *out.mutable_event_time() = crm::common::ToProtoTimestamp(event_time);
    if (static_cast<size_t>(in.properties_size()) > kMaxEventProperties) {
      return OrderFieldError(
          absl::StrCat(prefix, ".properties"),
          absl::StrCat("at most ", kMaxEventProperties, " entries"));
    }
    for (const auto& [key, value] : in.properties()) {
      // Keys are not echoed: they are caller data.
      CRM_RETURN_IF_ERROR(ValidateText(key,
                                       absl::StrCat(prefix, ".properties key"),
                                       100, Presence::kRequired));
      CRM_RETURN_IF_ERROR(
          ValidateText(value, absl::StrCat(prefix, ".properties value"), 1000,
                       Presence::kOptional));
      (*out.mutable_properties())[key] = value;
    }
    events.push_back(std::move(out));
  }
  return events;
}

}  // namespace crm::customer_profile

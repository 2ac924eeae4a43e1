#include "services/loyalty/webhook_rules.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/error_details.h"
#include "services/common/resource_name.h"
#include "services/common/timestamps.h"

namespace crm::loyalty {
namespace {

using ::crm::common::InvalidFieldError;
using ::crm::common::RequiredFieldError;

constexpr size_t kMaxIdempotencyKeyLength = 200;
constexpr size_t kMaxCustomerIdLength = 64;

bool IsEventTypeCharacter(char c) {
  return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '.' ||
         c == '_' || c == '-';
}

v1::WebhookDelivery::State ToProtoState(DeliveryState state) {
  switch (state) {
    case DeliveryState::kPending:
      return v1::WebhookDelivery::PENDING;
    case DeliveryState::kDelivered:
      return v1::WebhookDelivery::DELIVERED;
    case DeliveryState::kDead:
      return v1::WebhookDelivery::DEAD;
  }
  return v1::WebhookDelivery::STATE_UNSPECIFIED;
}

}  // namespace

bool IsValidEventType(absl::string_view event_type) {
  return !event_type.empty() && event_type.size() <= 100 &&
         std::all_of(event_type.begin(), event_type.end(),
                     IsEventTypeCharacter);
}

absl::Status ValidateWebhookUrl(absl::string_view url,
                                absl::string_view field) {
  if (url.empty()) return RequiredFieldError(field);
  if (url.size() > kMaxWebhookUrlLength) {
    return InvalidFieldError(
        field,
        absl::StrCat("must be at most ", kMaxWebhookUrlLength, " characters"));
  }
  for (char c : url) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return InvalidFieldError(
          field, "must be printable ASCII without spaces (percent-encode)");
    }
  }
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "https://") &&
      !absl::ConsumePrefix(&rest, "http://")) {
    return InvalidFieldError(field, "must start with http:// or https://");
  }
  if (absl::StrContains(url, '#')) {
    return InvalidFieldError(field, "must not have a fragment");
  }
  const absl::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  const size_t at = authority.rfind('@');
  if (at != absl::string_view::npos) {
    return InvalidFieldError(field, "must not carry credentials");
  }
  if (authority.empty() || authority.front() == ':') {
    return InvalidFieldError(field, "must name a host");
  }
  return absl::OkStatus();
}

absl::StatusOr<WebhookEndpointRecord> ValidateNewWebhookEndpoint(
    const v1::WebhookEndpoint& endpoint) {
  if (absl::Status url =
          ValidateWebhookUrl(endpoint.url(), "webhook_endpoint.url");
      !url.ok()) {
    return url;
  }
  constexpr char kEventTypesField[] = "webhook_endpoint.event_types";
  if (endpoint.event_types().empty()) {
    return RequiredFieldError(kEventTypesField);
  }
  if (endpoint.event_types_size() > kMaxWebhookEventTypes) {
    return InvalidFieldError(
        kEventTypesField,
        absl::StrCat("must have at most ", kMaxWebhookEventTypes, " values"));
  }
  std::set<std::string> event_types;
  for (const std::string& event_type : endpoint.event_types()) {
    if (!IsValidEventType(event_type)) {
      return InvalidFieldError(
          kEventTypesField,
          "each must be 1 to 100 characters of lowercase letters, digits "
          "and \"._-\"");
    }
    event_types.insert(event_type);
  }
  WebhookEndpointRecord record;
  record.url = endpoint.url();
  record.event_types.assign(event_types.begin(), event_types.end());
  record.enabled = endpoint.enabled();
  return record;
}

absl::Status ValidateOutboundMessage(const OutboundMessage& message) {
  if (!IsValidEventType(message.event_type)) {
    return InvalidFieldError("event_type",
                             "must be 1 to 100 characters of lowercase "
                             "letters, digits and \"._-\"");
  }
  if (message.idempotency_key.empty()) {
    return RequiredFieldError("idempotency_key");
  }
  if (message.idempotency_key.size() > kMaxIdempotencyKeyLength) {
    return InvalidFieldError(
        "idempotency_key",
        absl::StrCat("must be at most ", kMaxIdempotencyKeyLength,
                     " characters"));
  }
  for (char c : message.idempotency_key) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e) {
      return InvalidFieldError("idempotency_key",
                               "must be printable ASCII without spaces");
    }
  }
  if (message.customer_id.size() > kMaxCustomerIdLength) {
    return InvalidFieldError(
        "customer_id",
        absl::StrCat("must be at most ", kMaxCustomerIdLength, " characters"));
  }
  const absl::string_view payload =
      absl::StripAsciiWhitespace(message.payload_json);
  if (payload.size() < 2 || payload.front() != '{' || payload.back() != '}') {
    return InvalidFieldError("payload_json", "must be a JSON object");
  }
  return absl::OkStatus();
}

std::optional<absl::Duration> RetryDelay(const WebhookRetryPolicy& policy,
                                         int attempts_made,
                                         double jitter_fraction) {
  if (attempts_made >= policy.max_attempts) return std::nullopt;
  absl::Duration delay = policy.initial_backoff;
  for (int i = 1; i < attempts_made && delay < policy.max_backoff; ++i) {
    delay *= 2;
  }
  delay = std::min(delay, policy.max_backoff);
  const double fraction = std::clamp(jitter_fraction, 0.0, 1.0);
  const absl::Duration half = delay / 2;
  return half + (delay - half) * fraction;
}

std::string WebhookEndpointName(absl::string_view id) {
  return crm::common::FormatResourceName(kWebhookEndpointsCollection, id);
}

v1::WebhookEndpoint ToWebhookEndpointProto(const WebhookEndpointRecord& record,
                                           bool with_secret) {
  v1::WebhookEndpoint endpoint;
  endpoint.set_name(WebhookEndpointName(record.id));
  endpoint.set_url(record.url);
  for (const std::string& event_type : record.event_types) {
    endpoint.add_event_types(event_type);
  }
  endpoint.set_enabled(record.enabled);
  if (with_secret) endpoint.set_signing_secret(record.signing_secret);
  *endpoint.mutable_create_time() =
      crm::common::ToProtoTimestamp(record.create_time);
  return endpoint;
}

std::string WebhookDeliveryName(absl::string_view endpoint_id, int64_t id) {
  return absl::StrCat(WebhookEndpointName(endpoint_id), "/deliveries/", id);
}

v1::WebhookDelivery ToWebhookDeliveryProto(
    const WebhookDeliveryRecord& record) {
  v1::WebhookDelivery delivery;
  delivery.set_name(WebhookDeliveryName(record.endpoint_id, record.id));
  delivery.set_event_type(record.event_type);
  delivery.set_idempotency_key(record.idempotency_key);
  delivery.set_state(ToProtoState(record.state));
  delivery.set_attempt_count(record.attempts);
  delivery.set_last_response_code(record.last_response_code);
  delivery.set_last_error(record.last_error);
  if (record.last_attempt_time.has_value()) {
    *delivery.mutable_last_attempt_time() =
        crm::common::ToProtoTimestamp(*record.last_attempt_time);
  }
  if (record.state == DeliveryState::kPending) {
    *delivery.mutable_next_attempt_time() =
        crm::common::ToProtoTimestamp(record.next_attempt_time);
  }
  *delivery.mutable_create_time() =
      crm::common::ToProtoTimestamp(record.create_time);
  return delivery;
}

absl::StatusOr<std::pair<std::string, int64_t>> ParseWebhookDeliveryName(
    absl::string_view name, absl::string_view field) {
  const absl::Status malformed = InvalidFieldError(
      field,
      "must be of the form webhookEndpoints/{webhook_endpoint}/deliveries/"
      "{delivery}");
  absl::string_view rest = name;
  if (!absl::ConsumePrefix(&rest, "webhookEndpoints/")) return malformed;
  const size_t slash = rest.find('/');
  if (slash == absl::string_view::npos) return malformed;
  const absl::string_view endpoint_id = rest.substr(0, slash);
  absl::string_view delivery = rest.substr(slash);
  if (!absl::ConsumePrefix(&delivery, "/deliveries/")) return malformed;
  int64_t id = 0;
  if (!crm::common::ValidateResourceId(endpoint_id, field).ok() ||
      endpoint_id == "-" || delivery.empty() ||
      !std::all_of(delivery.begin(), delivery.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(delivery, &id) || id <= 0) {
    return malformed;
  }
  return std::make_pair(std::string(endpoint_id), id);
}

}  // namespace crm::loyalty

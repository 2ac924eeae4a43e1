// Pure rules of outbound webhooks: what a valid endpoint and message are,
// when a failed delivery is tried again, and the API forms of the records.
//
//   CRM_ASSIGN_OR_RETURN(WebhookEndpointRecord record,
//                        ValidateNewWebhookEndpoint(request.webhook_endpoint()));
//   std::optional<absl::Duration> delay =
//       RetryDelay(policy, attempts_made, jitter_fraction);  // nullopt: dead
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/webhook.pb.h"
#include "services/loyalty/outbound_message_repository.h"
#include "services/loyalty/webhook_delivery_repository.h"
#include "services/loyalty/webhook_endpoint_repository.h"

namespace crm::loyalty {

inline constexpr char kWebhookEndpointsCollection[] = "webhookEndpoints";
inline constexpr int kMaxWebhookEventTypes = 20;
inline constexpr size_t kMaxWebhookUrlLength = 2048;

// How failed deliveries are retried.
struct WebhookRetryPolicy {
  // Attempts in all (the first included) before a delivery is dead; >= 1.
  int max_attempts = 8;
  // The delay after the first failure; doubled after each further one.
  absl::Duration initial_backoff = absl::Seconds(10);
  // The largest delay.
  absl::Duration max_backoff = absl::Hours(1);
};

// 1..100 characters of [a-z0-9._-].
bool IsValidEventType(absl::string_view event_type);

// OK, or INVALID_ARGUMENT naming `url`: an absolute http:// or https:// URL
// with a non-empty host, at most 2048 characters, without whitespace,
// control characters or a fragment.
absl::Status ValidateWebhookUrl(absl::string_view url, absl::string_view field);

// The record of a new endpoint (id, secret and time unset; event types
// sorted and distinct). INVALID_ARGUMENT naming `webhook_endpoint.url` or
// `webhook_endpoint.event_types` (1..20 valid event types) otherwise.
absl::StatusOr<WebhookEndpointRecord> ValidateNewWebhookEndpoint(
    const v1::WebhookEndpoint& endpoint);

// OK, or INVALID_ARGUMENT naming the field: a valid event_type, an
// idempotency_key of 1..200 printable ASCII characters (it travels as a
// header), a customer_id of at most 64 characters and a payload_json that
// is a JSON object (starts with `{` and ends with `}` after whitespace; its
// inside is the caller's responsibility).
absl::Status ValidateOutboundMessage(const OutboundMessage& message);

// Whether an HTTP answer counts as delivered: 2xx.
inline bool IsDeliveredResponse(int response_code) {
  return response_code >= 200 && response_code <= 299;
}

// The delay before the next attempt after `attempts_made` attempts (>= 1)
// that all failed, or nullopt when none is left (the delivery is dead).
// The delay is min(max_backoff, initial_backoff * 2^(attempts_made - 1)),
// "equal jitter": its first half fixed, its second half scaled by
// `jitter_fraction` in [0, 1), so concurrent failures spread out.
std::optional<absl::Duration> RetryDelay(const WebhookRetryPolicy& policy,
                                         int attempts_made,
                                         double jitter_fraction);

// `webhookEndpoints/{id}`, and the API form of an endpoint; the signing
// secret only when `with_secret` (the answer to its create).
std::string WebhookEndpointName(absl::string_view id);
v1::WebhookEndpoint ToWebhookEndpointProto(const WebhookEndpointRecord& record,
                                           bool with_secret);

// `webhookEndpoints/{endpoint_id}/deliveries/{id}`, and the API form of a
// delivery.
std::string WebhookDeliveryName(absl::string_view endpoint_id, int64_t id);
v1::WebhookDelivery ToWebhookDeliveryProto(const WebhookDeliveryRecord& record);

// The endpoint id and delivery id of a delivery's name; INVALID_ARGUMENT
// naming `field` otherwise.
absl::StatusOr<std::pair<std::string, int64_t>> ParseWebhookDeliveryName(
    absl::string_view name, absl::string_view field);

}  // namespace crm::loyalty

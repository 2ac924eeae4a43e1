// How loyalty signs its outbound webhooks, and how a receiver checks them
// (services/loyalty/README.md, "Outbound webhooks"). Pure functions: the
// dispatcher (webhook_dispatcher.h) signs with them and receivers, including
// the tests' receiver, verify with them.
//
// A request carries `X-Crm-Timestamp: <unix seconds>` and
// `X-Crm-Signature: <hex>`, where <hex> is the lowercase hex
// HMAC-SHA256, keyed with the endpoint's signing secret (its bytes as
// returned on create), of "<timestamp>.<body>".
//
//   std::string signature = SignWebhook(secret, 1767225600, body);
//   absl::Status ok = VerifyWebhookSignature(secret, timestamp_header, body,
//                                            signature_header, absl::Now());
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crm::loyalty {

// The headers of every delivery.
inline constexpr char kWebhookTimestampHeader[] = "X-Crm-Timestamp";
inline constexpr char kWebhookSignatureHeader[] = "X-Crm-Signature";
// The message's idempotency key: the same on every attempt of a delivery.
inline constexpr char kWebhookIdempotencyKeyHeader[] = "Idempotency-Key";
inline constexpr char kWebhookEventTypeHeader[] = "X-Crm-Event-Type";

// How far a request's timestamp may be from the receiver's clock.
inline constexpr absl::Duration kWebhookTimestampTolerance = absl::Minutes(5);

// The lowercase hex HMAC-SHA256 of "<timestamp_seconds>.<body>" keyed with
// `secret`: 64 characters.
std::string SignWebhook(absl::string_view secret, int64_t timestamp_seconds,
                        absl::string_view body);

// OK when `signature_header` is SignWebhook(secret, timestamp, body) for the
// decimal `timestamp_header`, compared in constant time, and the timestamp
// is within `tolerance` of `now` (either way). INVALID_ARGUMENT for a
// timestamp that is not a decimal number of seconds; UNAUTHENTICATED for a
// timestamp out of tolerance or a signature that does not match.
absl::Status VerifyWebhookSignature(
    absl::string_view secret, absl::string_view timestamp_header,
    absl::string_view body, absl::string_view signature_header, absl::Time now,
    absl::Duration tolerance = kWebhookTimestampTolerance);

}  // namespace crm::loyalty

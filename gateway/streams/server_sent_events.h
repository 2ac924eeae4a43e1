// The server-sent events wire format (WHATWG HTML, "Server-sent events")
// as the gateway's live streams write it, and the resume position a client
// asks for.
//
//   std::string block = SseEvent("42", "alert", R"({"name":"alerts/a1"})");
//   // "id: 42\nevent: alert\ndata: {\"name\":\"alerts/a1\"}\n\n"
//   absl::StatusOr<int64_t> after = ResumePosition(http_request);
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/http_server.h"

namespace crm::gateway::streams {

// The comment a stream sends while it has nothing else to say, so that
// proxies and clients see a live connection.
inline constexpr char kSseHeartbeat[] = ": keep-alive\n\n";

// The header a reconnecting EventSource sends: the id of the last event it
// received.
inline constexpr char kLastEventIdHeader[] = "last-event-id";
// The query parameter a first connection may use instead.
inline constexpr char kSinceParameter[] = "since";

// One event block: `id:`, `event:` (when `type` is not empty) and `data:`
// lines and the blank line that dispatches it. `data` spanning several lines
// becomes one `data:` line each (a client joins them with "\n"); carriage
// returns are dropped, and so are line breaks in `id` and `type` (they would
// end the field).
std::string SseEvent(absl::string_view id, absl::string_view type,
                     absl::string_view data);

// `retry: <ms>`: how long a client waits before reconnecting.
std::string SseRetry(int64_t milliseconds);

// The position after which a stream starts: the Last-Event-ID header, else
// the `since` query parameter, else 0 (from the beginning). A value that is
// not a non-negative decimal integer is INVALID_ARGUMENT (FIELD_INVALID)
// naming the header or parameter. An empty Last-Event-ID (a client that
// received no event with an id) counts as absent.
absl::StatusOr<int64_t> ResumePosition(const common::HttpRequest& request);

}  // namespace crm::gateway::streams

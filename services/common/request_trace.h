// Request correlation: `x-request-id` and W3C `traceparent` carried from the
// gateway through every service. The server interceptor (server_runner.h)
// assigns a request id when the caller sent none and echoes it in the
// response's initial metadata.
//
//   RequestTrace trace = RequestTraceFrom(*server_context);
//   LogInfo("adjusted points", {}, trace.request_id);
//   auto ctx = NewOutboundContext(trace, absl::Seconds(2));
//   stub->GetSegment(ctx.get(), request, &response);
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crm::common {

inline constexpr char kRequestIdHeader[] = "x-request-id";
inline constexpr char kTraceparentHeader[] = "traceparent";

struct RequestTrace {
  std::string request_id;   // Empty if unknown.
  std::string traceparent;  // Empty if the caller sent none.
};

// A new random request id (32 lowercase hex characters).
std::string NewRequestId();

// Whether a caller's x-request-id may be used: 1 to 128 printable ASCII
// characters.
bool IsValidRequestId(absl::string_view id);

// Reads the trace headers of an incoming call. A request id that is longer
// than 128 characters or not printable ASCII is ignored (treated as absent).
RequestTrace RequestTraceFrom(const grpc::ServerContext& context);

// A client context for an outbound call with the trace headers set and a
// deadline `timeout` from now. Every outbound call must have a deadline.
std::unique_ptr<grpc::ClientContext> NewOutboundContext(
    const RequestTrace& trace, absl::Duration timeout);

}  // namespace crm::common

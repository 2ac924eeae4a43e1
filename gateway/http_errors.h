// HTTP statuses for gRPC codes (the google.rpc mapping) and the gateway's
// JSON error body:
//   {"error":{"code":404,"status":"NOT_FOUND","message":"..."}}
// `code` is the HTTP status; `status` the gRPC code name (or, for errors the
// HTTP layer produces itself, an HTTP-level name such as
// "PAYLOAD_TOO_LARGE").
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/common/http_server.h"

namespace crm::gateway {

// OK 200; INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE 400;
// UNAUTHENTICATED 401; PERMISSION_DENIED 403; NOT_FOUND 404; ABORTED,
// ALREADY_EXISTS 409; RESOURCE_EXHAUSTED 429; CANCELLED 499;
// UNIMPLEMENTED 501; UNAVAILABLE 503; DEADLINE_EXCEEDED 504; others 500.
int HttpStatusForGrpcCode(grpc::StatusCode code);

// "NOT_FOUND" etc.; "UNKNOWN" for values outside the canonical set.
absl::string_view GrpcCodeName(grpc::StatusCode code);

// A JSON error response.
common::HttpResponse ErrorResponse(int http_status,
                                   absl::string_view status_name,
                                   absl::string_view message);

// The error response for a failed call to `backend` ("customer-profile").
// Client errors (4xx) carry the backend's message. Server-side failures do
// not expose backend internals (addresses, stack details): UNAVAILABLE and
// DEADLINE_EXCEEDED name only the backend, and 500s say "internal error".
common::HttpResponse ErrorFromGrpc(const grpc::Status& status,
                                   absl::string_view backend);

// The error response for a gateway-side absl::Status (message kept).
common::HttpResponse ErrorFromStatus(const absl::Status& status);

}  // namespace crm::gateway

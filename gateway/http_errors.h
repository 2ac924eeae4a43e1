// The gateway's HTTP errors, all in Google's JSON error shape
// (services/common/http_json_error.h): `status` is the google.rpc.Code name
// and `details` carries a google.rpc.ErrorInfo whose `reason` clients branch
// on.
//
//   // A backend's error: its ErrorInfo (reason, domain "customer-profile",
//   // metadata) and BadRequest pass through unchanged.
//   if (!status.ok()) return ErrorFromGrpc(status, kCustomerProfileBackend);
//   // An error the gateway makes itself (domain "gateway").
//   return ErrorResponse(RouteNotFoundError(request.method, request.path));
//
// Reasons of the errors the gateway makes itself (crm.type.v1.ErrorReason):
//   ROUTE_NOT_FOUND            404 NOT_FOUND        no route for the path
//   METHOD_NOT_ALLOWED         405 UNIMPLEMENTED    the path, another method
//   BODY_MALFORMED             400 INVALID_ARGUMENT body not JSON / not an
//                              (415 for a wrong     object / not UTF-8 /
//                              Content-Type)        missing / wrong media type
//   FIELD_INVALID              400 INVALID_ARGUMENT a body field, query
//                                                   parameter or path segment
//                                                   is invalid (metadata
//                                                   `field` names it)
//   REQUEST_TOO_LARGE          413 RESOURCE_EXHAUSTED  body over the limit
//   BACKEND_UNAVAILABLE        503 UNAVAILABLE      a backend cannot be reached
//   REQUEST_DEADLINE_EXCEEDED  504 DEADLINE_EXCEEDED a backend did not answer
//                                                   within the deadline
//   REQUEST_CANCELLED          499 CANCELLED        the backend call was
//                                                   cancelled
//   INTERNAL_ERROR             500 INTERNAL         a failure in the gateway
//   CREDENTIALS_MISSING        401 UNAUTHENTICATED  no X-API-Key / Bearer
//   CREDENTIALS_INVALID        401 UNAUTHENTICATED  unknown key, bad token
//   CREDENTIALS_EXPIRED        401 UNAUTHENTICATED  token expired / not yet
//   ACCESS_DENIED              403 PERMISSION_DENIED role or scope refuses
//   RATE_LIMITED               429 RESOURCE_EXHAUSTED too many requests or
//                                                   streams (Retry-After)
// Their ErrorInfo domain is the process's error domain, which main.cc sets
// to kGatewayErrorDomain.
#pragma once

#include <grpcpp/support/status.h>

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/common/http_server.h"

namespace crm::gateway {

// The ErrorInfo domain of errors the gateway makes itself.
inline constexpr char kGatewayErrorDomain[] = "gateway";

// --- Errors the gateway makes itself ---

// NOT_FOUND, reason ROUTE_NOT_FOUND: no route matches the path (nothing was
// looked up). The message names the method and, if valid UTF-8, the path.
absl::Status RouteNotFoundError(absl::string_view method,
                                absl::string_view path);
// UNIMPLEMENTED, reason METHOD_NOT_ALLOWED, metadata {allowed}: answered
// with HTTP 405 (see HttpStatusFor).
absl::Status MethodNotAllowedError(absl::string_view method,
                                   const std::vector<std::string>& allowed);
// INVALID_ARGUMENT, reason BODY_MALFORMED, metadata {field: "body"}.
absl::Status BodyMalformedError(absl::string_view description);
// INVALID_ARGUMENT, reason BODY_MALFORMED, metadata {field: "Content-Type",
// expected}; answer it with HTTP 415.
absl::Status UnsupportedMediaTypeError(absl::string_view expected);
// RESOURCE_EXHAUSTED, reason REQUEST_TOO_LARGE, metadata {limit_bytes}:
// answered with HTTP 413 (see HttpStatusFor).
absl::Status RequestTooLargeError(size_t limit_bytes);
// INTERNAL, reason INTERNAL_ERROR, message "internal error".
absl::Status GatewayInternalError();
// `status` with the crm.type.v1.ErrorReason named `reason` ("ACCESS_DENIED"),
// or the default reason of its code where the enum lacks that name.
absl::Status WithReasonNamed(absl::Status status, absl::string_view reason);
// RESOURCE_EXHAUSTED (429), reason RATE_LIMITED: `what` ("requests from
// this key") is over its limit; answer it with a Retry-After header.
absl::Status RateLimitedError(absl::string_view what);

// The error for a failed call to `backend` ("customer-profile"):
// - A status with error details (every status a crm service sends) keeps
//   its code, ErrorInfo and BadRequest. Client errors keep the backend's
//   message; server-side failures do not expose backend internals:
//   UNAVAILABLE and DEADLINE_EXCEEDED name only the backend, other 5xx say
//   "internal error".
// - A status without details was made by gRPC on the gateway's side (no
//   connection, the gateway's deadline passed, ...): UNAVAILABLE becomes
//   BACKEND_UNAVAILABLE, DEADLINE_EXCEEDED REQUEST_DEADLINE_EXCEEDED and
//   CANCELLED REQUEST_CANCELLED (metadata {backend}), anything else the
//   default reason of its code; the domain is the gateway's.
absl::Status BackendError(const grpc::Status& status,
                          absl::string_view backend);
// The same for a backend call's outcome already converted with
// common::FromGrpcStatus() (its details are payloads).
absl::Status BackendError(absl::Status status, absl::string_view backend);

// The HTTP status of `status`: HttpStatusForCode() of its code, except for
// the gateway reasons with a more precise HTTP status: METHOD_NOT_ALLOWED
// 405, REQUEST_TOO_LARGE 413.
int HttpStatusFor(const absl::Status& status);

// The JSON error response of a non-OK `status`, answered with
// HttpStatusFor(status) or with `http_status`; a 503 carries
// `Retry-After: 1` (a backend restarting or out of reach).
common::HttpResponse ErrorResponse(const absl::Status& status);
common::HttpResponse ErrorResponse(int http_status, const absl::Status& status);

// ErrorResponse(BackendError(status, backend)).
common::HttpResponse ErrorFromGrpc(const grpc::Status& status,
                                   absl::string_view backend);

}  // namespace crm::gateway

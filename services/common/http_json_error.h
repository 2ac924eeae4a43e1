// Google's JSON error shape for HTTP APIs (AIP-193): the one body of every
// HTTP error in the suite, from the gateway's API and from every admin port.
//
//   {"error": {"code": 404,
//              "message": "customers/x not found",
//              "status": "NOT_FOUND",
//              "details": [{"@type":
//              "type.googleapis.com/google.rpc.ErrorInfo",
//                           "reason": "RESOURCE_NOT_FOUND",
//                           "domain": "customer-profile",
//                           "metadata": {"resource": "customers/x"}}]}}
//
//   return JsonErrorResponse(NotFoundError("customers/x"));  // 404
//   return JsonErrorResponse(
//       413, ErrorWithReason(absl::ResourceExhaustedError("..."),
//                            crm::type::v1::REQUEST_TOO_LARGE));
//
// `code` is the HTTP status; `status` is always the google.rpc.Code name of
// the status's canonical code (never an HTTP-level name); `details` holds the
// google.rpc.ErrorInfo (always present: ToRpcStatus() in error_details.h
// fills in the default reason of the code and the process's error domain)
// and, when the status carries field violations, a google.rpc.BadRequest,
// each printed in the proto3 JSON mapping with its "@type".
#pragma once

#include <string>

#include "absl/status/status.h"
#include "services/common/http_server.h"

namespace crm::common {

// The HTTP status of a canonical code (google.rpc.Code's HTTP mapping):
// OK 200; INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE 400;
// UNAUTHENTICATED 401; PERMISSION_DENIED 403; NOT_FOUND 404; ABORTED,
// ALREADY_EXISTS 409; RESOURCE_EXHAUSTED 429; CANCELLED 499; UNIMPLEMENTED
// 501; UNAVAILABLE 503; DEADLINE_EXCEEDED 504; anything else 500.
int HttpStatusForCode(absl::StatusCode code);

// The JSON error body of a non-OK `status` answered with `http_status`. An
// OK status or a code outside the canonical set is reported as UNKNOWN.
std::string JsonErrorBody(int http_status, const absl::Status& status);

// An application/json response with JsonErrorBody(); the HTTP status is
// HttpStatusForCode(status.code()) unless given.
HttpResponse JsonErrorResponse(const absl::Status& status);
HttpResponse JsonErrorResponse(int http_status, const absl::Status& status);

}  // namespace crm::common

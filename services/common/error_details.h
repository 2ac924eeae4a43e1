// Errors that clients can branch on: every non-OK status leaving a service
// carries a google.rpc.ErrorInfo whose `reason` is a crm.type.v1.ErrorReason
// name and whose `domain` is the service, and validation errors also carry a
// google.rpc.BadRequest field violation.
//
//   if (name.empty()) return RequiredFieldError("customer.display_name");
//   if (!row) return NotFoundError("customers/" + id);
//   if (etag != stored) return EtagMismatchError("customers/" + id);
//   return ErrorWithReason(absl::FailedPreconditionError("points: ..."),
//                          v1t::INSUFFICIENT_BALANCE, {{"field", "points"}});
//
// The details travel inside the absl::Status as payloads (type URLs of
// google.rpc.ErrorInfo and google.rpc.BadRequest), so code below the gRPC
// adapter stays free of gRPC types; grpc_status.h turns them into
// `grpc-status-details-bin` and back, and the gateway into the `details`
// array of Google's JSON error shape. A status without an ErrorInfo gets the
// default reason of its code (DefaultReasonFor) when it leaves the service.
// Messages name the offending field and never echo the offending value.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "crm/type/v1/error_reason.pb.h"
#include "google/rpc/status.pb.h"

namespace crm::common {

using ErrorReason = ::crm::type::v1::ErrorReason;
using ErrorMetadata =
    std::initializer_list<std::pair<absl::string_view, absl::string_view>>;

// Returns `status` with its ErrorInfo set to `reason` and `metadata` (any
// earlier ErrorInfo is replaced). An OK status is returned unchanged.
absl::Status ErrorWithReason(absl::Status status, ErrorReason reason,
                             ErrorMetadata metadata = {});

// Adds a google.rpc.BadRequest field violation to a non-OK status.
absl::Status WithFieldViolation(absl::Status status, absl::string_view field,
                                absl::string_view description);

// The reason carried by `status`; ERROR_REASON_UNSPECIFIED if none (and for
// OK).
ErrorReason ReasonOf(const absl::Status& status);
// The ErrorInfo metadata carried by `status` (empty if none).
std::map<std::string, std::string> ErrorMetadataOf(const absl::Status& status);
// (field, description) of each BadRequest field violation, in order.
std::vector<std::pair<std::string, std::string>> FieldViolationsOf(
    const absl::Status& status);

// The reason a status of `code` gets when none was attached: INVALID_ARGUMENT
// -> FIELD_INVALID, NOT_FOUND -> RESOURCE_NOT_FOUND, ALREADY_EXISTS ->
// RESOURCE_ALREADY_EXISTS, ABORTED -> CONCURRENCY_CONFLICT,
// FAILED_PRECONDITION -> RESOURCE_STATE_CONFLICT, UNAVAILABLE ->
// DATABASE_UNAVAILABLE, DEADLINE_EXCEEDED -> REQUEST_DEADLINE_EXCEEDED,
// CANCELLED -> REQUEST_CANCELLED, anything else -> INTERNAL_ERROR.
ErrorReason DefaultReasonFor(absl::StatusCode code);

// --- Constructors for the common cases ---

// INVALID_ARGUMENT "<field>: <description>", reason FIELD_INVALID, metadata
// {field}, and a field violation. `description` must not contain the value.
absl::Status InvalidFieldError(absl::string_view field,
                               absl::string_view description);
// INVALID_ARGUMENT "<field>: required", reason FIELD_REQUIRED, metadata
// {field}, and a field violation.
absl::Status RequiredFieldError(absl::string_view field);
// INVALID_ARGUMENT "<field>: <description>", reason FIELD_IMMUTABLE.
absl::Status ImmutableFieldError(absl::string_view field,
                                 absl::string_view description);
// NOT_FOUND "<resource> not found", reason RESOURCE_NOT_FOUND, metadata
// {resource}. `resource` is a resource name such as "customers/123".
absl::Status NotFoundError(absl::string_view resource);
// ALREADY_EXISTS `message`, reason RESOURCE_ALREADY_EXISTS, metadata
// {resource}.
absl::Status AlreadyExistsError(absl::string_view resource,
                                absl::string_view message);
// ABORTED "<resource>: etag does not match the stored resource; re-read it",
// reason ETAG_MISMATCH, metadata {resource}, and a violation on "etag".
absl::Status EtagMismatchError(absl::string_view resource);
// FAILED_PRECONDITION `message` with `reason` (defaults to
// RESOURCE_STATE_CONFLICT) and metadata {resource}.
absl::Status StateConflictError(
    absl::string_view resource, absl::string_view message,
    ErrorReason reason = ::crm::type::v1::RESOURCE_STATE_CONFLICT);

// --- Wire forms ---

// Sets the domain (the service's name, for example "customer-profile") that
// ToRpcStatus() puts into every ErrorInfo without one. Call once at start-up,
// before serving; RunServiceMain does it.
void SetErrorDomain(absl::string_view domain);
absl::string_view ErrorDomain();

// The google.rpc.Status of a non-OK status: code, message and details
// (ErrorInfo always, with the default reason and the process's domain filled
// in where missing; BadRequest when there are violations).
google::rpc::Status ToRpcStatus(const absl::Status& status);
// The inverse: an absl::Status whose payloads carry the details again.
absl::Status FromRpcStatus(const google::rpc::Status& rpc_status);

// Codes 1..16 are the canonical ones gRPC and google.rpc share.
inline constexpr int kMaxCanonicalCode = 16;
// `status` unchanged when its code is canonical and not OK; otherwise
// UNKNOWN with the same message and payloads.
absl::Status CanonicalStatus(const absl::Status& status);

}  // namespace crm::common

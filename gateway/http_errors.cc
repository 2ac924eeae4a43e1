#include "gateway/http_errors.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crm/type/v1/error_reason.pb.h"
#include "gateway/route_support.h"
#include "services/common/error_details.h"
#include "services/common/grpc_status.h"
#include "services/common/http_json_error.h"

namespace crm::gateway {
namespace {

namespace v1t = ::crm::type::v1;

// `status` with another message and the same code and payloads.
absl::Status WithMessage(const absl::Status& status,
                         absl::string_view message) {
  absl::Status result(status.code(), message);
  status.ForEachPayload(
      [&](absl::string_view type_url, const absl::Cord& payload) {
        result.SetPayload(type_url, payload);
      });
  return result;
}

}  // namespace

absl::Status RouteNotFoundError(absl::string_view method,
                                absl::string_view path) {
  std::string message = absl::StrCat("no route for ", method);
  if (IsValidUtf8(path)) absl::StrAppend(&message, " ", path);
  return common::ErrorWithReason(absl::NotFoundError(message),
                                 v1t::ROUTE_NOT_FOUND);
}

absl::Status MethodNotAllowedError(absl::string_view method,
                                   const std::vector<std::string>& allowed) {
  std::string allow = absl::StrJoin(allowed, ", ");
  return common::ErrorWithReason(
      absl::UnimplementedError(absl::StrCat(
          "method ", method, " is not allowed here; allowed: ", allow)),
      v1t::METHOD_NOT_ALLOWED, {{"allowed", allow}});
}

absl::Status BodyMalformedError(absl::string_view description) {
  return common::ErrorWithReason(absl::InvalidArgumentError(description),
                                 v1t::BODY_MALFORMED, {{"field", "body"}});
}

absl::Status UnsupportedMediaTypeError(absl::string_view expected) {
  return common::ErrorWithReason(
      absl::InvalidArgumentError(
          absl::StrCat("Content-Type must be ", expected)),
      v1t::BODY_MALFORMED, {{"field", "Content-Type"}, {"expected", expected}});
}

absl::Status RequestTooLargeError(size_t limit_bytes) {
  return common::ErrorWithReason(
      absl::ResourceExhaustedError(
          absl::StrCat("request body exceeds ", limit_bytes, " bytes")),
      v1t::REQUEST_TOO_LARGE, {{"limit_bytes", std::to_string(limit_bytes)}});
}

absl::Status GatewayInternalError() {
  return common::ErrorWithReason(absl::InternalError("internal error"),
                                 v1t::INTERNAL_ERROR);
}

absl::Status BackendError(const grpc::Status& status,
                          absl::string_view backend) {
  return BackendError(common::FromGrpcStatus(status), backend);
}

absl::Status BackendError(absl::Status status, absl::string_view backend) {
  if (status.ok()) {
    // A backend must not fail with OK; treat it as an internal failure.
    return GatewayInternalError();
  }
  const bool has_details =
      common::ReasonOf(status) != v1t::ERROR_REASON_UNSPECIFIED;
  const int http_status = common::HttpStatusForCode(status.code());
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
      status = WithMessage(status, absl::StrCat(backend, " is unavailable"));
      if (!has_details) {
        status =
            common::ErrorWithReason(std::move(status), v1t::BACKEND_UNAVAILABLE,
                                    {{"backend", backend}});
      }
      return status;
    case absl::StatusCode::kDeadlineExceeded:
      status =
          WithMessage(status, absl::StrCat(backend, " did not answer in time"));
      if (!has_details) {
        status = common::ErrorWithReason(std::move(status),
                                         v1t::REQUEST_DEADLINE_EXCEEDED,
                                         {{"backend", backend}});
      }
      return status;
    case absl::StatusCode::kCancelled:
      if (!has_details) {
        status = common::ErrorWithReason(
            std::move(status), v1t::REQUEST_CANCELLED, {{"backend", backend}});
      }
      return status;
    default:
      break;
  }
  if (http_status >= 500 && status.code() != absl::StatusCode::kUnimplemented) {
    status = WithMessage(status, "internal error");
  }
  return status;
}

int HttpStatusFor(const absl::Status& status) {
  switch (common::ReasonOf(status)) {
    case v1t::METHOD_NOT_ALLOWED:
      return 405;
    case v1t::REQUEST_TOO_LARGE:
      if (status.code() == absl::StatusCode::kResourceExhausted) return 413;
      break;
    default:
      break;
  }
  return common::HttpStatusForCode(status.code());
}

common::HttpResponse ErrorResponse(const absl::Status& status) {
  return ErrorResponse(HttpStatusFor(status), status);
}

common::HttpResponse ErrorResponse(int http_status,
                                   const absl::Status& status) {
  common::HttpResponse response =
      common::JsonErrorResponse(http_status, status);
  if (http_status == 503) response.headers.emplace_back("Retry-After", "1");
  return response;
}

common::HttpResponse ErrorFromGrpc(const grpc::Status& status,
                                   absl::string_view backend) {
  return ErrorResponse(BackendError(status, backend));
}

absl::Status WithReasonNamed(absl::Status status, absl::string_view reason) {
  common::ErrorReason value;
  if (!crm::type::v1::ErrorReason_Parse(std::string(reason), &value)) {
    value = common::DefaultReasonFor(status.code());
  }
  return common::ErrorWithReason(std::move(status), value);
}

absl::Status RateLimitedError(absl::string_view what) {
  return WithReasonNamed(
      absl::ResourceExhaustedError(absl::StrCat("too many ", what)),
      "RATE_LIMITED");
}

}  // namespace crm::gateway

#include "gateway/http_errors.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/logging.h"

namespace crm::gateway {

int HttpStatusForGrpcCode(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::ALREADY_EXISTS:
      return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    default:
      return 500;
  }
}

absl::string_view GrpcCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

common::HttpResponse ErrorResponse(int http_status,
                                   absl::string_view status_name,
                                   absl::string_view message) {
  common::HttpResponse response;
  response.status = http_status;
  response.body = absl::StrCat(
      "{\"error\":{\"code\":", http_status, ",\"status\":\"", status_name,
      "\",\"message\":\"", common::JsonEscape(message), "\"}}");
  return response;
}

common::HttpResponse ErrorFromGrpc(const grpc::Status& status,
                                   absl::string_view backend) {
  grpc::StatusCode code = status.error_code();
  int http_status = HttpStatusForGrpcCode(code);
  std::string message;
  if (code == grpc::StatusCode::UNAVAILABLE) {
    message = absl::StrCat(backend, " is unavailable");
  } else if (code == grpc::StatusCode::DEADLINE_EXCEEDED) {
    message = absl::StrCat(backend, " did not answer in time");
  } else if (http_status >= 500 && code != grpc::StatusCode::UNIMPLEMENTED) {
    message = "internal error";
  } else {
    message = status.error_message();
  }
  return ErrorResponse(http_status, GrpcCodeName(code), message);
}

common::HttpResponse ErrorFromStatus(const absl::Status& status) {
  auto code = static_cast<grpc::StatusCode>(status.code());
  return ErrorResponse(HttpStatusForGrpcCode(code), GrpcCodeName(code),
                       status.message());
}

}  // namespace crm::gateway

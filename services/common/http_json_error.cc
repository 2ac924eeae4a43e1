#include "services/common/http_json_error.h"

#include <google/protobuf/any.pb.h>
#include <google/protobuf/util/json_util.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "google/rpc/status.pb.h"
#include "services/common/error_details.h"
#include "services/common/logging.h"

namespace crm::common {
int HttpStatusForCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kAlreadyExists:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

std::string JsonErrorBody(int http_status, const absl::Status& status) {
  const absl::Status canonical = CanonicalStatus(status);
  const google::rpc::Status rpc_status = ToRpcStatus(canonical);
  std::string details;
  for (const google::protobuf::Any& detail : rpc_status.details()) {
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(detail, &json).ok()) {
      LogError("cannot print an error detail as JSON",
               {{"type_url", detail.type_url()}});
      continue;
    }
    absl::StrAppend(&details, details.empty() ? "" : ",", json);
  }
  return absl::StrCat("{\"error\":{\"code\":", http_status, ",\"message\":\"",
                      JsonEscape(canonical.message()), "\",\"status\":\"",
                      absl::StatusCodeToString(canonical.code()),
                      "\",\"details\":[", details, "]}}");
}

HttpResponse JsonErrorResponse(const absl::Status& status) {
  return JsonErrorResponse(HttpStatusForCode(CanonicalStatus(status).code()),
                           status);
}

HttpResponse JsonErrorResponse(int http_status, const absl::Status& status) {
  HttpResponse response;
  response.status = http_status;
  response.content_type = "application/json";
  response.body = JsonErrorBody(http_status, status);
  return response;
}

}  // namespace crm::common

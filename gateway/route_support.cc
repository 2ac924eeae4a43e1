#include "gateway/route_support.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/http_errors.h"
#include "gateway/json_codec.h"
#include "services/common/error_details.h"
#include "services/common/logging.h"

namespace crm::gateway {

RouteHandler WithStatus(StatusRouteHandler handler) {
  return [handler = std::move(handler)](const RouteRequest& request) {
    absl::StatusOr<common::HttpResponse> response = handler(request);
    if (!response.ok()) return ErrorResponse(response.status());
    return *std::move(response);
  };
}

absl::Status CheckQueryParams(
    const common::HttpRequest& request,
    std::initializer_list<absl::string_view> allowed) {
  std::vector<std::string> unknown;
  for (const auto& [name, value] : request.query) {
    bool known = false;
    for (absl::string_view a : allowed) known = known || name == a;
    if (!known) {
      unknown.push_back(IsValidUtf8(name) ? name : "<invalid UTF-8>");
    }
  }
  if (unknown.empty()) return absl::OkStatus();
  std::string message =
      absl::StrCat("unknown query parameter", unknown.size() > 1 ? "s" : "",
                   ": ", absl::StrJoin(unknown, ", "));
  if (allowed.size() > 0) {
    absl::StrAppend(&message, " (allowed: ", absl::StrJoin(allowed, ", "), ")");
  } else {
    absl::StrAppend(&message, " (this route takes none)");
  }
  absl::Status status = common::ErrorWithReason(
      absl::InvalidArgumentError(message), crm::type::v1::FIELD_INVALID,
      {{"field", unknown.front()}});
  for (const std::string& name : unknown) {
    status = common::WithFieldViolation(std::move(status), name,
                                        "unknown query parameter");
  }
  return status;
}

absl::StatusOr<std::string> QueryString(const common::HttpRequest& request,
                                        absl::string_view name) {
  auto it = request.query.find(std::string(name));
  if (it == request.query.end()) return std::string();
  if (!IsValidUtf8(it->second)) {
    return common::InvalidFieldError(name,
                                     "query parameter is not valid UTF-8");
  }
  return it->second;
}

absl::StatusOr<int32_t> QueryInt32(const common::HttpRequest& request,
                                   absl::string_view name) {
  auto it = request.query.find(std::string(name));
  if (it == request.query.end() || it->second.empty()) return 0;
  int32_t value = 0;
  if (!absl::SimpleAtoi(it->second, &value)) {
    return common::InvalidFieldError(
        name, "query parameter must be a 32-bit integer");
  }
  return value;
}

absl::StatusOr<bool> QueryBool(const common::HttpRequest& request,
                               absl::string_view name) {
  auto it = request.query.find(std::string(name));
  if (it == request.query.end() || it->second.empty()) return false;
  if (it->second == "true" || it->second == "1") return true;
  if (it->second == "false" || it->second == "0") return false;
  return common::InvalidFieldError(name,
                                   "query parameter must be true or false");
}

absl::StatusOr<std::string> PathVar(const RouteRequest& request,
                                    absl::string_view name) {
  auto it = request.vars.find(std::string(name));
  if (it == request.vars.end() || it->second.empty()) {
    return common::RequiredFieldError(name);
  }
  if (!IsValidUtf8(it->second)) {
    return common::InvalidFieldError(name, "path segment is not valid UTF-8");
  }
  return it->second;
}

common::HttpResponse BackendReply(const grpc::Status& status,
                                  const google::protobuf::Message& response,
                                  absl::string_view backend,
                                  const common::RequestTrace& trace) {
  if (!status.ok()) {
    common::HttpResponse error = ErrorFromGrpc(status, backend);
    if (error.status >= 500) {
      common::LogWarning("backend call failed",
                         {{"backend", std::string(backend)},
                          {"code", std::to_string(status.error_code())},
                          {"error", status.error_message()}},
                         trace.request_id);
    }
    return error;
  }
  absl::StatusOr<std::string> json = MessageToJson(response);
  if (!json.ok()) {
    common::LogError("cannot encode backend response",
                     {{"backend", std::string(backend)},
                      {"error", std::string(json.status().message())}},
                     trace.request_id);
    return ErrorResponse(GatewayInternalError());
  }
  common::HttpResponse reply;
  reply.body = *std::move(json);
  return reply;
}

}  // namespace crm::gateway

// Helpers shared by the gateway's routes (the transcoder and the hand-written
// ones): query parameters, path variables, and a backend outcome as a response.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/router.h"
#include "services/common/http_server.h"
#include "services/common/request_trace.h"
#include "services/common/text_validation.h"

namespace crm::gateway {

// A handler that may fail with an absl::Status, answered with
// ErrorResponse() (http_errors.h): its code decides the HTTP status and its
// ErrorInfo the reason (FIELD_INVALID by default for INVALID_ARGUMENT).
using StatusRouteHandler =
    std::function<absl::StatusOr<common::HttpResponse>(const RouteRequest&)>;

// Adapts a StatusRouteHandler to a RouteHandler.
RouteHandler WithStatus(StatusRouteHandler handler);

// True if `text` is well-formed UTF-8 (services/common/text_validation.h).
using common::IsValidUtf8;

// INVALID_ARGUMENT, reason FIELD_INVALID, naming the query parameters not in
// `allowed` (metadata `field` names the first, a field violation each).
absl::Status CheckQueryParams(const common::HttpRequest& request,
                              std::initializer_list<absl::string_view> allowed);

// The query parameter `name`: "" when absent; INVALID_ARGUMENT, reason
// FIELD_INVALID with metadata `field` = `name`, when it is not valid UTF-8.
absl::StatusOr<std::string> QueryString(const common::HttpRequest& request,
                                        absl::string_view name);

// The integer query parameter `name`: 0 when absent or empty;
// FIELD_INVALID naming it when it is not a 32-bit integer.
absl::StatusOr<int32_t> QueryInt32(const common::HttpRequest& request,
                                   absl::string_view name);

// The boolean query parameter `name`: false when absent or empty; "true",
// "1", "false", "0" accepted; FIELD_INVALID naming it otherwise.
absl::StatusOr<bool> QueryBool(const common::HttpRequest& request,
                               absl::string_view name);

// The path variable `name` (non-empty, without '/'); FIELD_INVALID naming it
// when it is not valid UTF-8.
absl::StatusOr<std::string> PathVar(const RouteRequest& request,
                                    absl::string_view name);

// The response for a backend call: 200 with the JSON of `response` when
// `status` is OK, else ErrorFromGrpc() (server-side failures are logged with
// the backend's message, which the client does not see).
common::HttpResponse BackendReply(const grpc::Status& status,
                                  const google::protobuf::Message& response,
                                  absl::string_view backend,
                                  const common::RequestTrace& trace);

// Calls the unary method `method` of `stub` with `request` and a prepared
// context, and turns the outcome into a response (see BackendReply).
template <typename Stub, typename Request, typename Response>
common::HttpResponse CallBackend(
    Stub& stub,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                 Response*),
    const Request& request, std::unique_ptr<grpc::ClientContext> context,
    absl::string_view backend, const common::RequestTrace& trace) {
  Response response;
  grpc::Status status = (stub.*method)(context.get(), request, &response);
  return BackendReply(status, response, backend, trace);
}

}  // namespace crm::gateway

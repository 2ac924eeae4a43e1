// Helpers shared by the per-service route files: query parameters, path
// variables, and turning a backend call's outcome into a response.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/router.h"
#include "services/common/http_server.h"
#include "services/common/request_trace.h"

namespace crm::gateway {

// A handler that may fail with an absl::Status (mapped like a gRPC code:
// INVALID_ARGUMENT -> 400, ...).
using StatusRouteHandler =
    std::function<absl::StatusOr<common::HttpResponse>(const RouteRequest&)>;

// Adapts a StatusRouteHandler to a RouteHandler.
RouteHandler WithStatus(StatusRouteHandler handler);

// True if `text` is well-formed UTF-8 (no overlong forms, surrogates or code
// points above U+10FFFF).
bool IsValidUtf8(absl::string_view text);

// INVALID_ARGUMENT naming the query parameters not in `allowed`.
absl::Status CheckQueryParams(const common::HttpRequest& request,
                              std::initializer_list<absl::string_view> allowed);

// The query parameter `name`: "" when absent; INVALID_ARGUMENT naming it when
// it is not valid UTF-8.
absl::StatusOr<std::string> QueryString(const common::HttpRequest& request,
                                        absl::string_view name);

// The integer query parameter `name`: 0 when absent or empty;
// INVALID_ARGUMENT naming it when it is not a 32-bit integer.
absl::StatusOr<int32_t> QueryInt32(const common::HttpRequest& request,
                                   absl::string_view name);

// The path variable `name` (non-empty, without '/'); INVALID_ARGUMENT naming
// it when it is not valid UTF-8.
absl::StatusOr<std::string> PathVar(const RouteRequest& request,
                                    absl::string_view name);

// The response for a backend call: 200 with the JSON of `response` when
// `status` is OK, else the mapped error (server-side failures are logged
// with the backend's details, which the client does not see).
common::HttpResponse BackendReply(const grpc::Status& status,
                                  const google::protobuf::Message& response,
                                  absl::string_view backend,
                                  const common::RequestTrace& trace);

}  // namespace crm::gateway

// HTTP/JSON transcoding of gRPC methods from their google.api.http
// annotations: the gateway's /v1 API without a line of per-RPC code.
//
//   absl::StatusOr<std::unique_ptr<Transcoder>> transcoder =
//       Transcoder::Create(CrmServiceBindings(clients), clients);
//   Transcoder::Match match = (*transcoder)->Find("GET", "/v1/customers/c1");
//   if (match.result == Transcoder::Match::kFound) {
//     return (*transcoder)->Handle(*match.route, match.values, route_request);
//   }
//
// At start-up every binding (the rule and its additional_bindings) of every
// unary RPC of the given services becomes a route: its path template
// (route_template.h), the request fields its variables set, its body
// mapping and a QueryMapping for every other field, all resolved once. A
// request then:
// 1. takes the body: `body: "*"` the whole request, `body: "<field>"` that
//    field, no body: the body must be empty (else BODY_MALFORMED);
// 2. takes every other field from the query string (query_mapping.h;
//    unknown parameters are FIELD_INVALID naming them);
// 3. takes the path variables (a body value that differs from the path is
//    FIELD_INVALID naming the field; a segment that is not UTF-8 is
//    FIELD_INVALID naming the segment as in the route's label);
// 4. takes an `Idempotency-Key` header as its top-level `request_id` field
//    (a different request_id in body or query is FIELD_INVALID naming
//    request_id) and an `If-Match` header as the `etag` of the body's
//    resource or of the request (a different etag is FIELD_INVALID `etag`);
// 5. is sent with the backend's deadline and trace metadata
//    (BackendClients::NewContext) on the handler's thread, serialized
//    straight from the message (no copy through a ByteBuffer);
// 6. is answered with the JSON of the response (or of its `response_body`
//    field) and, when that message has an `etag`, an `ETag` header; a
//    backend error passes through with its details (http_errors.h).
// Server-streaming RPCs (WatchChanges) are not transcoded: the HTTP server
// answers whole responses only, so they stay gRPC-only. Client-streaming
// RPCs have no binding (the CSV upload is a hand-written route).
// Two routes of one HTTP method whose templates can match the same path, a
// variable or body naming no suitable field, or a malformed template fail
// Create() with INVALID_ARGUMENT naming the RPC.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/channel.h>
#include <grpcpp/impl/rpc_method.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/backend_clients.h"
#include "gateway/router.h"
#include "gateway/transcoding/query_mapping.h"
#include "gateway/transcoding/route_template.h"
#include "services/common/http_server.h"

namespace crm::gateway::transcoding {

// A gRPC service whose annotated methods are served, and its backend.
struct ServiceBinding {
  const google::protobuf::ServiceDescriptor* service = nullptr;
  std::string backend;  // "customer-profile": for errors and logs.
  std::shared_ptr<grpc::Channel> channel;
};

// The four crm services over the channels of `clients`.
std::vector<ServiceBinding> CrmServiceBindings(const BackendClients& clients);

class Transcoder {
 public:
  using FieldPath = std::vector<const google::protobuf::FieldDescriptor*>;

  struct Route {
    std::string http_method;  // "GET"
    RouteTemplate path;
    const google::protobuf::MethodDescriptor* rpc = nullptr;
    std::string rpc_path;  // "/crm.loyalty.v1.LoyaltyService/GetAccount"
    std::unique_ptr<grpc::internal::RpcMethod> rpc_method;
    std::shared_ptr<grpc::Channel> channel;
    std::string backend;
    const google::protobuf::Message* request_prototype = nullptr;
    const google::protobuf::Message* response_prototype = nullptr;
    // The request field each path variable sets.
    std::vector<FieldPath> variable_fields;
    enum class Body { kNone, kWhole, kField };
    Body body = Body::kNone;
    const google::protobuf::FieldDescriptor* body_field = nullptr;
    QueryMapping query;
    const google::protobuf::FieldDescriptor* request_id_field = nullptr;
    FieldPath if_match_field;  // Empty: If-Match is ignored.
    const google::protobuf::FieldDescriptor* response_body_field = nullptr;
    // The etag of the printed response message, or null.
    const google::protobuf::FieldDescriptor* response_etag_field = nullptr;
  };

  struct Match {
    enum Result { kFound, kNotFound, kMethodNotAllowed };
    Result result = kNotFound;
    const Route* route = nullptr;     // Set when kFound.
    std::vector<std::string> values;  // Per variable of route->path.
    // Methods the path accepts, sorted; set when kMethodNotAllowed.
    std::vector<std::string> allowed_methods;
  };

  // Builds the routes of every annotated unary method of `services`;
  // `clients` makes the call contexts and must outlive the transcoder.
  static absl::StatusOr<std::unique_ptr<Transcoder>> Create(
      const std::vector<ServiceBinding>& services,
      const BackendClients& clients);

  Transcoder(const Transcoder&) = delete;
  Transcoder& operator=(const Transcoder&) = delete;

  Match Find(absl::string_view method, absl::string_view path) const;

  // Transcodes one request to `route` (found with `values`) and its answer.
  common::HttpResponse Handle(const Route& route,
                              const std::vector<std::string>& values,
                              const RouteRequest& request) const;

  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }
  // The server-streaming methods with a binding that are not served.
  const std::vector<std::string>& untranscoded() const { return untranscoded_; }

 private:
  explicit Transcoder(const BackendClients& clients) : clients_(clients) {}

  absl::Status BuildRequest(const Route& route,
                            const std::vector<std::string>& values,
                            const RouteRequest& request,
                            google::protobuf::Message* message) const;

  const BackendClients& clients_;
  std::vector<std::unique_ptr<Route>> routes_;
  std::vector<std::string> untranscoded_;
};

}  // namespace crm::gateway::transcoding

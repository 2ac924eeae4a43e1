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
// 5. is sent asynchronously (no thread waits for the backend, so calls in
//    flight are not bounded by the HTTP threads) with the backend's deadline
//    and trace metadata (BackendClients::NewContext), the messages on a
//    per-call arena, serialized straight from the message;
// 6. is answered with the JSON of the response (or of its `response_body`
//    field, json_printer.h) and, when that message has an `etag`, an `ETag`
//    header; a backend error passes through with its details
//    (http_errors.h). The answers of unary calls come from one completion
//    queue drained by the transcoder's own thread, which prints the JSON and
//    hands the response to the HTTP server: one thread takes every backend
//    answer, instead of gRPC's callback threads taking turns.
// A server-streaming RPC (WatchChanges) is served as a stream: server-sent
// events (`data: <json>` blocks) when the Accept header names
// text/event-stream, else newline-delimited JSON (application/x-ndjson, one
// message a line). The headers (200) go out when the call starts; a
// request that cannot be built is an ordinary JSON error response, a
// backend error the stream's last event (`event: error` with the JSON error
// body, or a line
// {"error": ...}). Its deadline is the gateway's stream_timeout (or the
// caller's earlier X-Request-Timeout); the backend call is cancelled when the
// client disconnects. The next message is read from the backend only once the
// previous one is written. Client-streaming RPCs have no binding (the CSV
// upload is a hand-written route). Two routes of one HTTP method whose
// templates can match the same path, a variable or body naming no suitable
// field, or a malformed template fail Create() with INVALID_ARGUMENT naming the
// RPC.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/channel.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/impl/rpc_method.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/backend_clients.h"
#include "gateway/router.h"
#include "gateway/transcoding/query_mapping.h"
#include "gateway/transcoding/route_template.h"
#include "services/common/http_server.h"

namespace crm::gateway::transcoding {

struct BackendCall;

// A gRPC service whose annotated methods are served, and its backend.
struct ServiceBinding {
  const google::protobuf::ServiceDescriptor* service = nullptr;
  std::string backend;  // "customer-profile": for errors and logs.
  std::shared_ptr<grpc::Channel> channel;
};

// Bounds on what one request may ask for.
struct TranscoderLimits {
  // A request's top-level int32 `page_size` above this is lowered to it
  // (AIP-158: the caller gets smaller pages, never an error); 0: no cap.
  int max_page_size = 0;
  // Streams (server-streaming calls) open at once; one more is answered
  // 429 RATE_LIMITED with Retry-After: 1. 0: no bound.
  int max_streams = 0;
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
    bool server_streaming = false;
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
    // The request's int32 page_size, capped by max_page_size; or null.
    const google::protobuf::FieldDescriptor* page_size_field = nullptr;
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

  // Builds the routes of every annotated unary and server-streaming method
  // of `services`; `clients` makes the call contexts and must outlive the
  // transcoder, as must every call it started (see Handle).
  static absl::StatusOr<std::unique_ptr<Transcoder>> Create(
      const std::vector<ServiceBinding>& services,
      const BackendClients& clients,
      absl::Duration stream_timeout = absl::Hours(1),
      TranscoderLimits limits = {});

  Transcoder(const Transcoder&) = delete;
  Transcoder& operator=(const Transcoder&) = delete;
  // Waits (up to 15 s) for the calls in flight to finish: they use the
  // routes.
  ~Transcoder();

  Match Find(absl::string_view method, absl::string_view path) const;

  // Transcodes one request to `route` (found with `values`) and answers it
  // through `responder`: at once for a request that cannot be built, else
  // when the backend answers (on the completion-queue thread), or as a
  // stream. `request` is used only until Handle returns.
  void Handle(const Route& route, const std::vector<std::string>& values,
              const RouteRequest& request,
              std::shared_ptr<common::HttpResponder> responder) const;

  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

  // Streams open now.
  int open_streams() const;

 private:
  Transcoder(const BackendClients& clients, absl::Duration stream_timeout,
             TranscoderLimits limits);

  // Takes the answers of unary calls from cq_ until it shuts down.
  void DrainCompletions();

  absl::Status BuildRequest(const Route& route,
                            const std::vector<std::string>& values,
                            const RouteRequest& request,
                            google::protobuf::Message* message) const;

  friend struct BackendCall;

  const BackendClients& clients_;
  absl::Duration stream_timeout_;
  TranscoderLimits limits_;
  std::vector<std::unique_ptr<Route>> routes_;
  // Backend calls started and not yet answered.
  mutable absl::Mutex mu_;
  mutable int calls_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  mutable int open_streams_ ABSL_GUARDED_BY(mu_) = 0;
  // The unary calls' completions (tag: their BackendCall) and the thread
  // that takes them.
  std::unique_ptr<grpc::CompletionQueue> cq_;
  std::thread cq_thread_;
};

}  // namespace crm::gateway::transcoding

#include "gateway/transcoding/transcoder.h"

#include <google/api/annotations.pb.h>
#include <google/api/http.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/support/async_unary_call.h>
#include <grpcpp/support/client_callback.h>

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gateway/auth/personal_data_mask.h"
#include "gateway/http_errors.h"
#include "gateway/json_codec.h"
#include "gateway/json_printer.h"
#include "gateway/route_support.h"
#include "services/common/error_details.h"
#include "services/common/logging.h"
#include "services/common/status_macros.h"

namespace crm::gateway::transcoding {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MessageLite;
using google::protobuf::MethodDescriptor;

constexpr char kIdempotencyKeyHeader[] = "idempotency-key";
constexpr char kIfMatchHeader[] = "if-match";
constexpr char kAcceptHeader[] = "accept";
constexpr char kEventStreamType[] = "text/event-stream";
constexpr char kNdjsonType[] = "application/x-ndjson";
// The first block of a call's arena, allocated with the call: a
// GetCustomer's request and response fit in it.
constexpr size_t kInitialArenaBytes = 4096;

absl::Status BadBinding(const MethodDescriptor& rpc, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("google.api.http of ", rpc.full_name(), ": ", why));
}

// The field `path` ("customer.name") names in `message`: singular message
// fields down to a singular string leaf.
absl::StatusOr<Transcoder::FieldPath> ResolveStringField(
    const Descriptor& message, absl::string_view path,
    const MethodDescriptor& rpc) {
  Transcoder::FieldPath fields;
  const Descriptor* current = &message;
  for (absl::string_view name : absl::StrSplit(path, '.')) {
    if (current == nullptr) {
      return BadBinding(rpc, absl::StrCat(path, " is not a message path"));
    }
    const FieldDescriptor* field = current->FindFieldByName(std::string(name));
    if (field == nullptr || field->is_repeated()) {
      return BadBinding(rpc,
                        absl::StrCat(path, " is not a singular request field"));
    }
    fields.push_back(field);
    current = field->message_type();
  }
  if (fields.back()->cpp_type() != FieldDescriptor::CPPTYPE_STRING ||
      fields.back()->type() == FieldDescriptor::TYPE_BYTES) {
    return BadBinding(rpc, absl::StrCat(path, " is not a string field"));
  }
  return fields;
}

const FieldDescriptor* StringField(const Descriptor& message,
                                   const char* name) {
  const FieldDescriptor* field = message.FindFieldByName(name);
  if (field == nullptr || field->is_repeated() ||
      field->type() != FieldDescriptor::TYPE_STRING) {
    return nullptr;
  }
  return field;
}

const Message* Prototype(const Descriptor& type) {
  const Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(
          &type);
  if (prototype != nullptr) return prototype;
  static google::protobuf::DynamicMessageFactory* dynamic =
      new google::protobuf::DynamicMessageFactory();
  return dynamic->GetPrototype(&type);
}

absl::StatusOr<std::unique_ptr<Transcoder::Route>> CompileRoute(
    const google::api::HttpRule& rule, const MethodDescriptor& rpc,
    const ServiceBinding& service) {
  auto route = std::make_unique<Transcoder::Route>();
  std::string path;
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      route->http_method = "GET";
      path = rule.get();
      break;
    case google::api::HttpRule::kPut:
      route->http_method = "PUT";
      path = rule.put();
      break;
    case google::api::HttpRule::kPost:
      route->http_method = "POST";
      path = rule.post();
      break;
    case google::api::HttpRule::kDelete:
      route->http_method = "DELETE";
      path = rule.delete_();
      break;
    case google::api::HttpRule::kPatch:
      route->http_method = "PATCH";
      path = rule.patch();
      break;
    case google::api::HttpRule::kCustom:
      route->http_method = absl::AsciiStrToUpper(rule.custom().kind());
      path = rule.custom().path();
      break;
    default:
      return BadBinding(rpc, "no HTTP method and path");
  }
  absl::StatusOr<RouteTemplate> parsed = RouteTemplate::Parse(path);
  if (!parsed.ok()) return BadBinding(rpc, parsed.status().message());
  route->path = *std::move(parsed);
  route->rpc = &rpc;
  route->rpc_path =
      absl::StrCat("/", rpc.service()->full_name(), "/", rpc.name());
  route->channel = service.channel;
  route->backend = service.backend;
  route->server_streaming = rpc.server_streaming();
  route->rpc_method = std::make_unique<grpc::internal::RpcMethod>(
      route->rpc_path.c_str(),
      route->server_streaming ? grpc::internal::RpcMethod::SERVER_STREAMING
                              : grpc::internal::RpcMethod::NORMAL_RPC,
      route->channel);
  const Descriptor& request = *rpc.input_type();
  route->request_prototype = Prototype(request);
  route->response_prototype = Prototype(*rpc.output_type());

  std::set<std::string> bound;
  for (const RouteTemplate::Variable& variable : route->path.variables()) {
    CRM_ASSIGN_OR_RETURN(Transcoder::FieldPath fields,
                         ResolveStringField(request, variable.field_path, rpc));
    route->variable_fields.push_back(std::move(fields));
    bound.insert(variable.field_path);
  }

  const Descriptor* body_message = nullptr;
  if (rule.body() == "*") {
    route->body = Transcoder::Route::Body::kWhole;
    body_message = &request;
    for (int i = 0; i < request.field_count(); ++i) {
      bound.insert(request.field(i)->name());
    }
  } else if (!rule.body().empty()) {
    route->body = Transcoder::Route::Body::kField;
    route->body_field = request.FindFieldByName(rule.body());
    if (route->body_field == nullptr || route->body_field->is_repeated() ||
        route->body_field->message_type() == nullptr) {
      return BadBinding(rpc, absl::StrCat("body \"", rule.body(),
                                          "\" is not a singular message "
                                          "field of the request"));
    }
    body_message = route->body_field->message_type();
    bound.insert(rule.body());
  }
  route->query = QueryMapping::ForRequest(request, bound);
  route->request_id_field = StringField(request, "request_id");
  if (const FieldDescriptor* page_size = request.FindFieldByName("page_size");
      page_size != nullptr && !page_size->is_repeated() &&
      page_size->type() == FieldDescriptor::TYPE_INT32) {
    route->page_size_field = page_size;
  }
  if (body_message != nullptr && body_message != &request &&
      StringField(*body_message, "etag") != nullptr) {
    route->if_match_field = {route->body_field,
                             StringField(*body_message, "etag")};
  } else if (StringField(request, "etag") != nullptr) {
    route->if_match_field = {StringField(request, "etag")};
  }

  const Descriptor* printed = rpc.output_type();
  if (!rule.response_body().empty()) {
    route->response_body_field =
        rpc.output_type()->FindFieldByName(rule.response_body());
    if (route->response_body_field == nullptr ||
        route->response_body_field->is_repeated() ||
        route->response_body_field->message_type() == nullptr) {
      return BadBinding(rpc,
                        absl::StrCat("response_body \"", rule.response_body(),
                                     "\" is not a singular message "
                                     "field of the response"));
    }
    printed = route->response_body_field->message_type();
  }
  route->response_etag_field = StringField(*printed, "etag");
  return route;
}

// The etag of an If-Match header: `"abc"` or `W/"abc"` -> abc.
absl::StatusOr<std::string> IfMatchEtag(absl::string_view header) {
  absl::string_view value = absl::StripAsciiWhitespace(header);
  absl::ConsumePrefix(&value, "W/");
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  if (value.empty() || value == "*" || !IsValidUtf8(value)) {
    return common::InvalidFieldError("If-Match",
                                     "must be one etag as returned in ETag");
  }
  return std::string(value);
}

// Sets the string at `path` in `message` to `value`; FIELD_INVALID naming
// `field_name` when it already holds another non-empty value.
absl::Status SetUnlessConflicting(Message* message,
                                  const Transcoder::FieldPath& path,
                                  const std::string& value,
                                  absl::string_view field_name,
                                  absl::string_view conflict) {
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    message = message->GetReflection()->MutableMessage(message, path[i]);
  }
  const FieldDescriptor* leaf = path.back();
  const google::protobuf::Reflection& reflection = *message->GetReflection();
  std::string scratch;
  const std::string& current =
      reflection.GetStringReference(*message, leaf, &scratch);
  if (!current.empty() && current != value) {
    return common::InvalidFieldError(field_name, conflict);
  }
  reflection.SetString(message, leaf, value);
  return absl::OkStatus();
}

}  // namespace

// One backend call made for a request: its messages live on the call's
// arena (whose first block is allocated with the call).
struct BackendCall {
  BackendCall(const Transcoder& transcoder, const Transcoder::Route& route,
              common::RequestTrace trace,
              std::shared_ptr<common::HttpResponder> responder)
      : transcoder(transcoder),
        route(route),
        trace(std::move(trace)),
        responder(std::move(responder)),
        arena(ArenaOptions(initial_block, sizeof(initial_block))) {}

  static google::protobuf::ArenaOptions ArenaOptions(char* block, size_t size) {
    google::protobuf::ArenaOptions options;
    options.initial_block = block;
    options.initial_block_size = size;
    return options;
  }

  ~BackendCall() {
    absl::MutexLock lock(&transcoder.mu_);
    --transcoder.calls_in_flight_;
    if (counts_as_stream) --transcoder.open_streams_;
  }

  const Transcoder& transcoder;
  const Transcoder::Route& route;
  common::RequestTrace trace;
  std::shared_ptr<common::HttpResponder> responder;
  alignas(16) char initial_block[kInitialArenaBytes];
  google::protobuf::Arena arena;
  std::unique_ptr<grpc::ClientContext> context;
  // A unary call's reader (on the gRPC call's arena: destroyed before the
  // context, which releases the call) and status.
  std::unique_ptr<grpc::ClientAsyncResponseReader<Message>> reader;
  grpc::Status status;
  Message* response = nullptr;  // On the arena.
  // Mask customers' personal data in the answer (an analyst's call).
  bool mask_personal_data = false;
  // A stream counted in open_streams_ until the call ends.
  bool counts_as_stream = false;
};

namespace {

// The answer to a unary call: the JSON of the response (or of its
// response_body field) with its ETag, or the backend's error.
common::HttpResponse UnaryReply(const Transcoder::Route& route,
                                const grpc::Status& status,
                                const Message& response,
                                const common::RequestTrace& trace) {
  const Message& printed = status.ok() && route.response_body_field != nullptr
                               ? response.GetReflection()->GetMessage(
                                     response, route.response_body_field)
                               : response;
  common::HttpResponse reply =
      BackendReply(status, printed, route.backend, trace);
  if (status.ok() && reply.status == 200 &&
      route.response_etag_field != nullptr) {
    std::string scratch;
    const std::string& etag = printed.GetReflection()->GetStringReference(
        printed, route.response_etag_field, &scratch);
    if (!etag.empty()) {
      reply.headers.emplace_back("ETag", absl::StrCat("\"", etag, "\""));
    }
  }
  return reply;
}

// True when the Accept header asks for server-sent events.
bool WantsEventStream(const common::HttpRequest& http) {
  auto accept = http.headers.find(kAcceptHeader);
  return accept != http.headers.end() &&
         absl::StrContains(absl::AsciiStrToLower(accept->second),
                           kEventStreamType);
}

// A server-streaming call served as an HTTP stream (see transcoder.h).
// Deletes itself when the call is done.
class StreamCall final : public grpc::ClientReadReactor<Message> {
 public:
  enum class Format { kServerSentEvents, kNdjson };

  StreamCall(std::unique_ptr<BackendCall> call, Format format)
      : call_(std::move(call)),
        format_(format),
        cancellation_(std::make_shared<Cancellation>()) {}

  void Start(std::unique_ptr<grpc::ClientContext> context,
             const Message* request) {
    context_ = std::move(context);
    call_->response = call_->route.response_prototype->New(&call_->arena);
    {
      absl::MutexLock lock(&cancellation_->mu);
      cancellation_->context = context_;
    }
    // The headers go out at once: a client disconnecting from a quiet
    // stream is noticed, and EventSource clients see the stream open.
    StartHttpStream();
    grpc::internal::ClientCallbackReaderFactory<Message>::Create<Message>(
        call_->route.channel.get(), *call_->route.rpc_method, context_.get(),
        request, this);
    StartRead(call_->response);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // The stream ended: OnDone follows.
    if (call_->mask_personal_data) auth::MaskPersonalData(call_->response);
    std::string event;
    if (format_ == Format::kServerSentEvents) event.append("data: ");
    if (absl::Status printed = AppendMessageJson(*call_->response, &event);
        !printed.ok()) {
      common::LogError("cannot encode backend stream message",
                       {{"backend", call_->route.backend},
                        {"error", std::string(printed.message())}},
                       call_->trace.request_id);
      context_->TryCancel();
      return;
    }
    event.append(format_ == Format::kServerSentEvents ? "\n\n" : "\n");
    // The next message is read once this one is written; the hold keeps
    // OnDone from running before.
    AddHold();
    call_->responder->WriteChunk(std::move(event), [this](bool written) {
      if (written) {
        call_->response->Clear();
        StartRead(call_->response);
      } else {
        context_->TryCancel();
      }
      RemoveHold();
    });
  }

  void OnDone(const grpc::Status& status) override {
    {
      absl::MutexLock lock(&cancellation_->mu);
      cancellation_->context.reset();
    }
    if (!status.ok()) {
      common::HttpResponse error =
          UnaryReply(call_->route, status, *call_->response, call_->trace);
      call_->responder->WriteChunk(
          format_ == Format::kServerSentEvents
              ? absl::StrCat("event: error\ndata: ", error.body, "\n\n")
              : absl::StrCat(error.body, "\n"));
    }
    call_->responder->EndStream();
    delete this;
  }

 private:
  // What the HTTP server's disconnect notice reaches, also after the call
  // is done: the context (it keeps its finished call referenced, so a late
  // TryCancel is a no-op), cancelled outside the lock because gRPC may run
  // OnDone inline.
  struct Cancellation {
    absl::Mutex mu;
    std::shared_ptr<grpc::ClientContext> context ABSL_GUARDED_BY(mu);
  };

  // Sends the status line and headers.
  void StartHttpStream() {
    common::HttpResponse head;
    head.content_type =
        format_ == Format::kServerSentEvents ? kEventStreamType : kNdjsonType;
    head.headers.emplace_back("Cache-Control", "no-cache");
    call_->responder->StartStream(
        std::move(head), [cancellation = cancellation_] {
          std::shared_ptr<grpc::ClientContext> context;
          {
            absl::MutexLock lock(&cancellation->mu);
            context = cancellation->context;
          }
          if (context != nullptr) context->TryCancel();
        });
  }

  std::unique_ptr<BackendCall> call_;
  std::shared_ptr<grpc::ClientContext> context_;
  const Format format_;
  std::shared_ptr<Cancellation> cancellation_;
};

}  // namespace

std::vector<ServiceBinding> CrmServiceBindings(const BackendClients& clients) {
  const google::protobuf::DescriptorPool& pool =
      *google::protobuf::DescriptorPool::generated_pool();
  const std::vector<BackendChannel>& channels = clients.channels();
  return {
      {pool.FindServiceByName(
           customerprofile::v1::CustomerProfileService::service_full_name()),
       channels[0].name, channels[0].channel},
      {pool.FindServiceByName(
           segmentation::v1::SegmentationService::service_full_name()),
       channels[1].name, channels[1].channel},
      {pool.FindServiceByName(loyalty::v1::LoyaltyService::service_full_name()),
       channels[2].name, channels[2].channel},
      {pool.FindServiceByName(
           feedback::v1::FeedbackService::service_full_name()),
       channels[3].name, channels[3].channel},
  };
}

absl::StatusOr<std::unique_ptr<Transcoder>> Transcoder::Create(
    const std::vector<ServiceBinding>& services, const BackendClients& clients,
    absl::Duration stream_timeout, TranscoderLimits limits) {
  std::unique_ptr<Transcoder> transcoder(
      new Transcoder(clients, stream_timeout, limits));
  for (const ServiceBinding& service : services) {
    if (service.service == nullptr) {
      return absl::InvalidArgumentError("a service descriptor is missing");
    }
    for (int m = 0; m < service.service->method_count(); ++m) {
      const MethodDescriptor& rpc = *service.service->method(m);
      if (!rpc.options().HasExtension(google::api::http)) continue;
      const google::api::HttpRule& rule =
          rpc.options().GetExtension(google::api::http);
      if (rpc.client_streaming()) {
        return BadBinding(rpc, "client-streaming methods cannot be bound");
      }
      std::vector<const google::api::HttpRule*> rules = {&rule};
      for (const google::api::HttpRule& extra : rule.additional_bindings()) {
        if (!extra.additional_bindings().empty()) {
          return BadBinding(rpc, "nested additional_bindings");
        }
        rules.push_back(&extra);
      }
      for (const google::api::HttpRule* one : rules) {
        CRM_ASSIGN_OR_RETURN(std::unique_ptr<Route> route,
                             CompileRoute(*one, rpc, service));
        for (const std::unique_ptr<Route>& other : transcoder->routes_) {
          if (other->http_method == route->http_method &&
              other->path.Overlaps(route->path)) {
            return BadBinding(
                rpc, absl::StrCat(route->http_method, " ", route->path.text(),
                                  " is ambiguous with ", other->path.text(),
                                  " of ", other->rpc->full_name()));
          }
        }
        transcoder->routes_.push_back(std::move(route));
      }
    }
  }
  return transcoder;
}

Transcoder::Transcoder(const BackendClients& clients,
                       absl::Duration stream_timeout, TranscoderLimits limits)
    : clients_(clients),
      stream_timeout_(stream_timeout),
      limits_(limits),
      cq_(std::make_unique<grpc::CompletionQueue>()),
      cq_thread_([this] { DrainCompletions(); }) {}

Transcoder::~Transcoder() {
  {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(
        absl::Condition(
            +[](int* calls) { return *calls == 0; }, &calls_in_flight_),
        absl::Seconds(15));
  }
  cq_->Shutdown();
  cq_thread_.join();
}

void Transcoder::DrainCompletions() {
  void* tag = nullptr;
  bool ok = false;
  while (cq_->Next(&tag, &ok)) {
    // A unary call's Finish always completes with ok.
    std::unique_ptr<BackendCall> done(static_cast<BackendCall*>(tag));
    if (done->status.ok() && done->mask_personal_data) {
      auth::MaskPersonalData(done->response);
    }
    done->responder->Send(
        UnaryReply(done->route, done->status, *done->response, done->trace));
  }
}

int Transcoder::open_streams() const {
  absl::MutexLock lock(&mu_);
  return open_streams_;
}

Transcoder::Match Transcoder::Find(absl::string_view method,
                                   absl::string_view path) const {
  Match match;
  std::set<std::string> allowed;
  for (const std::unique_ptr<Route>& route : routes_) {
    if (route->http_method != method && allowed.count(route->http_method)) {
      continue;
    }
    if (!route->path.Match(path, &match.values)) continue;
    if (route->http_method == method) {
      match.result = Match::kFound;
      match.route = route.get();
      return match;
    }
    allowed.insert(route->http_method);
  }
  match.values.clear();
  if (!allowed.empty()) {
    match.result = Match::kMethodNotAllowed;
    match.allowed_methods.assign(allowed.begin(), allowed.end());
  }
  return match;
}

absl::Status Transcoder::BuildRequest(const Route& route,
                                      const std::vector<std::string>& values,
                                      const RouteRequest& request,
                                      Message* message) const {
  const common::HttpRequest& http = request.http;
  for (size_t i = 0; i < values.size(); ++i) {
    if (!IsValidUtf8(values[i])) {
      int segment = route.path.InvalidUtf8Segment(http.path);
      return common::InvalidFieldError(
          segment >= 0 ? route.path.SegmentName(segment)
                       : route.path.variables()[i].field_path,
          "path segment is not valid UTF-8");
    }
  }
  switch (route.body) {
    case Route::Body::kNone:
      if (!absl::StripAsciiWhitespace(http.body).empty()) {
        return BodyMalformedError("this route takes no request body");
      }
      break;
    case Route::Body::kWhole:
      CRM_RETURN_IF_ERROR(ParseJsonBody(http.body, message));
      break;
    case Route::Body::kField:
      CRM_RETURN_IF_ERROR(ParseJsonBody(
          http.body,
          message->GetReflection()->MutableMessage(message, route.body_field)));
      break;
  }
  if (http.target.find('?') != std::string::npos) {
    CRM_ASSIGN_OR_RETURN(QueryParams params, ParseQueryString(http.target));
    CRM_RETURN_IF_ERROR(route.query.Apply(params, message));
  }
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string& field = route.path.variables()[i].field_path;
    CRM_RETURN_IF_ERROR(
        SetUnlessConflicting(message, route.variable_fields[i], values[i],
                             field, "must be empty or match the path"));
  }
  if (route.page_size_field != nullptr && limits_.max_page_size > 0) {
    const google::protobuf::Reflection& reflection = *message->GetReflection();
    if (reflection.GetInt32(*message, route.page_size_field) >
        limits_.max_page_size) {
      reflection.SetInt32(message, route.page_size_field,
                          limits_.max_page_size);
    }
  }
  if (auto key = http.headers.find(kIdempotencyKeyHeader);
      key != http.headers.end() && route.request_id_field != nullptr) {
    if (key->second.empty() || !IsValidUtf8(key->second)) {
      return common::InvalidFieldError("Idempotency-Key",
                                       "must be a non-empty UTF-8 value");
    }
    CRM_RETURN_IF_ERROR(SetUnlessConflicting(
        message, {route.request_id_field}, key->second, "request_id",
        "differs from the Idempotency-Key header"));
  }
  if (auto header = http.headers.find(kIfMatchHeader);
      header != http.headers.end() && !route.if_match_field.empty()) {
    CRM_ASSIGN_OR_RETURN(std::string etag, IfMatchEtag(header->second));
    CRM_RETURN_IF_ERROR(SetUnlessConflicting(message, route.if_match_field,
                                             etag, "etag",
                                             "the body and If-Match disagree"));
  }
  return absl::OkStatus();
}

void Transcoder::Handle(
    const Route& route, const std::vector<std::string>& values,
    const RouteRequest& request,
    std::shared_ptr<common::HttpResponder> responder) const {
  {
    absl::MutexLock lock(&mu_);
    ++calls_in_flight_;
  }
  auto call = std::make_unique<BackendCall>(*this, route, request.trace,
                                            std::move(responder));
  call->mask_personal_data = request.mask_personal_data;
  Message* message = route.request_prototype->New(&call->arena);
  if (absl::Status built = BuildRequest(route, values, request, message);
      !built.ok()) {
    call->responder->Send(ErrorResponse(built));
    return;
  }
  if (route.server_streaming) {
    {
      absl::MutexLock lock(&mu_);
      call->counts_as_stream =
          limits_.max_streams <= 0 || open_streams_ < limits_.max_streams;
      if (call->counts_as_stream) ++open_streams_;
    }
    if (!call->counts_as_stream) {
      common::HttpResponse refused =
          ErrorResponse(RateLimitedError("open streams"));
      refused.headers.emplace_back("Retry-After", "1");
      call->responder->Send(std::move(refused));
      return;
    }
    const absl::Duration left =
        std::max(request.deadline - absl::Now(), absl::Milliseconds(1));
    auto stream = std::make_unique<StreamCall>(
        std::move(call), WantsEventStream(request.http)
                             ? StreamCall::Format::kServerSentEvents
                             : StreamCall::Format::kNdjson);
    stream->Start(
        clients_.NewContext(request.trace, std::min(stream_timeout_, left)),
        message);
    stream.release();  // Deletes itself in OnDone.
    return;
  }
  BackendCall* unary = call.release();
  unary->context = clients_.NewContext(request);
  unary->response = route.response_prototype->New(&unary->arena);
  unary->reader.reset(grpc::internal::ClientAsyncResponseReaderHelper::Create<
                      Message, Message, MessageLite, MessageLite>(
      route.channel.get(), cq_.get(), *route.rpc_method, unary->context.get(),
      *message));
  unary->reader->StartCall();
  // DrainCompletions() answers and deletes the call.
  unary->reader->Finish(unary->response, &unary->status, unary);
}

}  // namespace crm::gateway::transcoding

#include "services/common/server_interceptor.h"

#include <chrono>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "services/common/grpc_status.h"
#include "services/common/lame_duck.h"
#include "services/common/logging.h"
#include "services/common/request_trace.h"

namespace crm::common {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::InterceptorBatchMethods;
using grpc::experimental::ServerRpcInfo;

// Probes and tooling: counted in metrics, logged only at DEBUG.
bool IsInfrastructureMethod(absl::string_view method) {
  return absl::StartsWith(method, "/grpc.health.v1.") ||
         absl::StartsWith(method, "/grpc.reflection.");
}

LogLevel AccessLogLevel(grpc::StatusCode code, absl::string_view method) {
  if (IsInfrastructureMethod(method)) return LogLevel::kDebug;
  switch (code) {
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::DATA_LOSS:
      return LogLevel::kError;
    default:
      return LogLevel::kInfo;
  }
}

class TraceInterceptor final : public grpc::experimental::Interceptor {
 public:
  TraceInterceptor(ServerRpcInfo* info, Metrics& metrics)
      : info_(info),
        metrics_(metrics),
        method_(info->method() != nullptr ? info->method() : ""),
        start_(std::chrono::steady_clock::now()) {}

  // A call that ends without a status having been sent (the client went
  // away first) is recorded as CANCELLED. The ServerContext is being torn
  // down at this point, so it is not consulted.
  ~TraceInterceptor() override {
    if (!finished_)
      Finish(grpc::StatusCode::CANCELLED, /*context_alive=*/false);
  }

  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      ReadTrace(methods->GetRecvInitialMetadata());
      arrived_in_lame_duck_ =
          info_->type() == ServerRpcInfo::Type::UNARY && InLameDuck();
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      if (request_id_.empty()) request_id_ = NewRequestId();
      std::multimap<std::string, std::string>* metadata =
          methods->GetSendInitialMetadata();
      if (metadata != nullptr) metadata->emplace(kRequestIdHeader, request_id_);
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      // A unary call that arrived in the lame-duck phase is answered
      // UNAVAILABLE whatever its handler did: every write goes through a
      // unit of work, which refused it before any statement, so the caller
      // may retry it elsewhere.
      if (arrived_in_lame_duck_ && methods->GetSendStatus().error_code() !=
                                       grpc::StatusCode::UNAVAILABLE) {
        methods->ModifySendStatus(
            ToGrpcStatus(RefuseWhenLameDuck(/*context_has_caller=*/true)));
      }
      if (!finished_) {
        Finish(EffectiveCode(methods->GetSendStatus().error_code()),
               /*context_alive=*/true);
      }
    }
    methods->Proceed();
  }

 private:
  void ReadTrace(std::multimap<grpc::string_ref, grpc::string_ref>* metadata) {
    if (metadata == nullptr) {
      request_id_ = NewRequestId();
      return;
    }
    const grpc::string_ref request_id_key(kRequestIdHeader);
    auto range = metadata->equal_range(request_id_key);
    if (range.first != range.second) {
      absl::string_view sent(range.first->second.data(),
                             range.first->second.size());
      if (IsValidRequestId(sent)) request_id_ = std::string(sent);
    }
    if (request_id_.empty()) {
      // Replace whatever invalid value was sent with our own id so that
      // handlers see it through RequestTraceFrom(). The map holds views:
      // request_id_ lives as long as this interceptor, which the call's
      // ServerContext owns.
      metadata->erase(range.first, range.second);
      request_id_ = NewRequestId();
      metadata->emplace(request_id_key, grpc::string_ref(request_id_));
    }
    auto traceparent = metadata->find(grpc::string_ref(kTraceparentHeader));
    if (traceparent != metadata->end()) {
      traceparent_.assign(traceparent->second.data(),
                          traceparent->second.size());
      if (traceparent_.size() > 256) traceparent_.clear();
    }
  }

  // A handler may return OK after the call's deadline passed; record what the
  // caller saw instead. A caller's own cancellation of a call that completed
  // is recorded as OK: asking the call whether it was cancelled polls its
  // completion queue, which costs more than the rest of the bookkeeping on
  // every reply.
  grpc::StatusCode EffectiveCode(grpc::StatusCode sent) {
    grpc::ServerContextBase* context = info_->server_context();
    if (sent == grpc::StatusCode::OK && context != nullptr &&
        std::chrono::system_clock::now() >= context->deadline()) {
      return grpc::StatusCode::DEADLINE_EXCEEDED;
    }
    return sent;
  }

  void Finish(grpc::StatusCode code, bool context_alive) {
    finished_ = true;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
            .count();
    const std::string code_name(
        absl::StatusCodeToString(static_cast<absl::StatusCode>(code)));
    metrics_.IncrementCounter("crm_grpc_server_handled_total",
                              "gRPC calls completed, by method and code.",
                              {{"method", method_}, {"code", code_name}});
    metrics_.ObserveHistogram("crm_grpc_server_handling_seconds",
                              "gRPC call duration in seconds, by method.",
                              {{"method", method_}}, seconds);
    LogFields fields = {
        {"method", method_},
        {"code", code_name},
        {"duration_ms", absl::StrFormat("%.3f", seconds * 1000)},
    };
    if (context_alive && info_->server_context() != nullptr) {
      fields.emplace_back("peer", info_->server_context()->peer());
    }
    if (!traceparent_.empty()) fields.emplace_back("traceparent", traceparent_);
    Log(AccessLogLevel(code, method_), "rpc", fields, request_id_);
  }

  ServerRpcInfo* const info_;
  Metrics& metrics_;
  const std::string method_;
  const std::chrono::steady_clock::time_point start_;
  std::string request_id_;
  std::string traceparent_;
  bool finished_ = false;
  bool arrived_in_lame_duck_ = false;
};

class TraceInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit TraceInterceptorFactory(Metrics& metrics) : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      ServerRpcInfo* info) override {
    return new TraceInterceptor(info, metrics_);
  }

 private:
  Metrics& metrics_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewServerInterceptorFactory(Metrics& metrics) {
  return std::make_unique<TraceInterceptorFactory>(metrics);
}

}  // namespace crm::common

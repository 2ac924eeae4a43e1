#include "gateway/gateway.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gateway/http_errors.h"
#include "gateway/openapi/crm_api_services.h"
#include "gateway/openapi/openapi_document.h"
#include "gateway/readiness.h"
#include "gateway/route_support.h"
#include "gateway/routes.h"
#include "gateway/transcoding/transcoder.h"
#include "services/common/error_details.h"
#include "services/common/logging.h"

namespace crm::gateway {
namespace {

constexpr char kRequestsTotal[] = "crm_http_requests_total";
constexpr char kRequestDuration[] = "crm_http_request_duration_seconds";
constexpr char kUnmatchedRoute[] = "unmatched";
constexpr char kRequestTimeoutHeader[] = "x-request-timeout";
constexpr double kMaxRequestTimeoutSeconds = 86400;
constexpr char kMetricsContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

// Header values we accept and echo: 1..128 printable ASCII characters.
bool IsValidTraceValue(absl::string_view value) {
  if (value.empty() || value.size() > 128) return false;
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

common::RequestTrace TraceFrom(const common::HttpRequest& request) {
  common::RequestTrace trace;
  auto id = request.headers.find(common::kRequestIdHeader);
  if (id != request.headers.end() && IsValidTraceValue(id->second)) {
    trace.request_id = id->second;
  } else {
    trace.request_id = common::NewRequestId();
  }
  auto parent = request.headers.find(common::kTraceparentHeader);
  if (parent != request.headers.end() && IsValidTraceValue(parent->second)) {
    trace.traceparent = parent->second;
  }
  return trace;
}

// The caller's deadline from X-Request-Timeout (seconds, a positive decimal
// number, for example "2.5"); InfiniteFuture() without the header.
absl::StatusOr<absl::Time> CallerDeadline(const common::HttpRequest& request) {
  auto header = request.headers.find(kRequestTimeoutHeader);
  if (header == request.headers.end()) return absl::InfiniteFuture();
  double seconds = 0;
  if (!absl::SimpleAtod(header->second, &seconds) || !(seconds > 0) ||
      seconds > kMaxRequestTimeoutSeconds) {
    return common::InvalidFieldError(
        "X-Request-Timeout", absl::StrCat("must be a number of seconds in (0, ",
                                          kMaxRequestTimeoutSeconds, "]"));
  }
  return absl::Now() + absl::Seconds(seconds);
}

// Bounded label values for the method.
std::string MethodLabel(absl::string_view method) {
  for (absl::string_view known :
       {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
    if (method == known) return std::string(method);
  }
  return "OTHER";
}

// Collects the answer of a request for the synchronous Handle().
class CollectingResponder final : public common::HttpResponder {
 public:
  void Send(common::HttpResponse response) override {
    if (answered_.exchange(true)) return;
    response_ = std::move(response);
    done_.Notify();
  }
  void StartStream(common::HttpResponse head,
                   std::function<void()> /*on_client_gone*/) override {
    if (answered_.exchange(true)) return;
    absl::MutexLock lock(&mu_);
    response_ = std::move(head);
    response_.body.clear();
    streaming_ = true;
  }
  void WriteChunk(std::string data,
                  std::function<void(bool)> written) override {
    bool appended = false;
    {
      absl::MutexLock lock(&mu_);
      if (streaming_) response_.body.append(data);
      appended = streaming_;
    }
    if (written) written(appended);
  }
  void EndStream() override {
    {
      absl::MutexLock lock(&mu_);
      if (!streaming_) return;
      streaming_ = false;
    }
    done_.Notify();
  }

  common::HttpResponse Wait() {
    done_.WaitForNotification();
    absl::MutexLock lock(&mu_);
    return std::move(response_);
  }

 private:
  std::atomic<bool> answered_{false};
  absl::Notification done_;
  absl::Mutex mu_;
  common::HttpResponse response_;
  bool streaming_ = false;
};

}  // namespace

// Forwards a request's answer and records it: the x-request-id header,
// the request metrics and the access log line (for a stream, when its
// headers go out).
class Gateway::ObservedResponder final : public common::HttpResponder {
 public:
  ObservedResponder(common::Metrics& metrics,
                    std::shared_ptr<common::HttpResponder> next,
                    const common::HttpRequest& request)
      : metrics_(metrics),
        next_(std::move(next)),
        start_(absl::Now()),
        trace_(TraceFrom(request)),
        method_(MethodLabel(request.method)) {}

  const common::RequestTrace& trace() const { return trace_; }
  void set_route(std::string route) { route_ = std::move(route); }

  void Send(common::HttpResponse response) override {
    Observe(response);
    next_->Send(std::move(response));
  }
  void StartStream(common::HttpResponse head,
                   std::function<void()> on_client_gone) override {
    Observe(head);
    next_->StartStream(std::move(head), std::move(on_client_gone));
  }
  void WriteChunk(std::string data,
                  std::function<void(bool)> written) override {
    next_->WriteChunk(std::move(data), std::move(written));
  }
  void EndStream() override { next_->EndStream(); }

 private:
  void Observe(common::HttpResponse& response) {
    response.headers.emplace_back(common::kRequestIdHeader, trace_.request_id);
    const absl::Duration elapsed = absl::Now() - start_;
    const std::string status = std::to_string(response.status);
    metrics_.IncrementCounter(
        kRequestsTotal, "HTTP requests handled.",
        {{"route", route_}, {"method", method_}, {"status", status}});
    metrics_.ObserveHistogram(kRequestDuration, "HTTP request latency.",
                              {{"route", route_}},
                              absl::ToDoubleSeconds(elapsed));
    common::LogInfo(
        "http request",
        {{"method", method_},
         {"route", route_},
         {"status", status},
         {"duration_ms", absl::StrCat(absl::ToDoubleMilliseconds(elapsed))}},
        trace_.request_id);
  }

  common::Metrics& metrics_;
  std::shared_ptr<common::HttpResponder> next_;
  const absl::Time start_;
  const common::RequestTrace trace_;
  const std::string method_;
  std::string route_ = kUnmatchedRoute;
};

Gateway::Gateway(const GatewayConfig& config, common::Metrics& metrics)
    : config_(config), metrics_(metrics), clients_(config) {
  router_.Add("GET", "/healthz", [](const RouteRequest&) {
    common::HttpResponse response;
    response.body = "{\"status\":\"ok\"}";
    return response;
  });
  router_.Add("GET", "/readyz",
              [this](const RouteRequest& r) { return Readyz(r.trace); });
  router_.Add("GET", "/metrics", [this](const RouteRequest&) {
    common::HttpResponse response;
    response.content_type = kMetricsContentType;
    response.body = metrics_.Render();
    return response;
  });
  AddApiReferenceRoutes();
  AddCustomerImportRoute(router_, clients_, config_.import_timeout);
  // Every other /v1 route is transcoded from the protos' google.api.http
  // annotations; a binding that cannot be served stops the start-up.
  absl::StatusOr<std::unique_ptr<transcoding::Transcoder>> transcoder =
      transcoding::Transcoder::Create(transcoding::CrmServiceBindings(clients_),
                                      clients_, config_.stream_timeout);
  if (!transcoder.ok()) {
    std::fprintf(stderr, "cannot build the HTTP routes: %s\n",
                 std::string(transcoder.status().message()).c_str());
    std::abort();
  }
  transcoder_ = *std::move(transcoder);
}

void Gateway::AddApiReferenceRoutes() {
  openapi::OpenApiOptions options;
  options.descriptor_set_with_comments = openapi::CrmApiDescriptorSet();
  const std::string assets_dir = config_.docs_assets_dir.empty()
                                     ? openapi::DefaultDocsAssetsDir()
                                     : config_.docs_assets_dir;
  api_reference_ = std::make_unique<openapi::ApiReference>(
      openapi::BuildOpenApiDocument(openapi::CrmApiServices(), options),
      assets_dir);
  if (!api_reference_->assets_loaded()) {
    common::LogWarning("/docs disabled: swagger-ui-dist files not found",
                       {{"docs_assets_dir", assets_dir}});
  }
  router_.Add("GET", "/openapi.json", [this](const RouteRequest& r) {
    return api_reference_->Document(r.http);
  });
  router_.Add("GET", "/docs", [this](const RouteRequest& r) {
    return api_reference_->Page(r.http);
  });
  router_.Add("GET", "/docs/{asset}", [this](const RouteRequest& r) {
    return api_reference_->Asset(r.vars.at("asset"), r.http);
  });
}

common::HttpResponse Gateway::Readyz(const common::RequestTrace& trace) {
  ReadinessReport report =
      CheckReadiness(clients_.channels(), config_.readiness_timeout, trace);
  common::HttpResponse response;
  response.status = report.ready ? 200 : 503;
  response.body = ReadinessJson(report);
  return response;
}

void Gateway::Dispatch(const common::HttpRequest& request,
                       const common::RequestTrace& trace,
                       const std::shared_ptr<ObservedResponder>& responder) {
  Router::Match match = router_.Find(request.method, request.path);
  transcoding::Transcoder::Match transcoded;
  if (match.result != Router::Match::kFound) {
    transcoded = transcoder_->Find(request.method, request.path);
  }
  if (match.result != Router::Match::kFound &&
      transcoded.result != transcoding::Transcoder::Match::kFound) {
    std::set<std::string> allowed(match.allowed_methods.begin(),
                                  match.allowed_methods.end());
    allowed.insert(transcoded.allowed_methods.begin(),
                   transcoded.allowed_methods.end());
    if (allowed.empty()) {
      return responder->Send(ErrorResponse(
          RouteNotFoundError(MethodLabel(request.method), request.path)));
    }
    std::vector<std::string> methods(allowed.begin(), allowed.end());
    common::HttpResponse response = ErrorResponse(
        MethodNotAllowedError(MethodLabel(request.method), methods));
    response.headers.emplace_back("Allow", absl::StrJoin(methods, ", "));
    return responder->Send(std::move(response));
  }
  const bool is_transcoded = match.result != Router::Match::kFound;
  const std::string& route_label =
      is_transcoded ? transcoded.route->path.label() : match.route->pattern;
  responder->set_route(route_label);
  // The HTTP server admits bodies up to the larger import limit; every
  // other route keeps max_body_bytes.
  const size_t body_limit = route_label == kImportCustomersRoute
                                ? config_.max_import_body_bytes
                                : config_.max_body_bytes;
  if (request.body.size() > body_limit) {
    return responder->Send(ErrorResponse(RequestTooLargeError(body_limit)));
  }
  absl::StatusOr<absl::Time> deadline = CallerDeadline(request);
  if (!deadline.ok()) return responder->Send(ErrorResponse(deadline.status()));
  RouteRequest route_request{request, match.vars, trace, *deadline};
  try {
    if (is_transcoded) {
      return transcoder_->Handle(*transcoded.route, transcoded.values,
                                 route_request, responder);
    }
    return responder->Send(match.route->handler(route_request));
  } catch (const std::exception& e) {
    common::LogError("route handler threw",
                     {{"route", route_label}, {"error", e.what()}},
                     trace.request_id);
  } catch (...) {
    common::LogError("route handler threw", {{"route", route_label}},
                     trace.request_id);
  }
  responder->Send(ErrorResponse(GatewayInternalError()));
}

void Gateway::HandleAsync(const common::HttpRequest& request,
                          std::shared_ptr<common::HttpResponder> responder) {
  auto observed = std::make_shared<ObservedResponder>(
      metrics_, std::move(responder), request);
  Dispatch(request, observed->trace(), observed);
}

common::HttpResponse Gateway::Handle(const common::HttpRequest& request) {
  auto collecting = std::make_shared<CollectingResponder>();
  HandleAsync(request, collecting);
  return collecting->Wait();
}

}  // namespace crm::gateway

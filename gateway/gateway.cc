#include "gateway/gateway.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gateway/auth/customer_routes.h"
#include "gateway/customer_export_route.h"
#include "gateway/customer_lists_routes.h"
#include "gateway/customer_view_route.h"
#include "gateway/http_errors.h"
#include "gateway/openapi/crm_api_services.h"
#include "gateway/openapi/gateway_routes.h"
#include "gateway/openapi/openapi_document.h"
#include "gateway/readiness.h"
#include "gateway/route_support.h"
#include "gateway/routes.h"
#include "gateway/transcoding/transcoder.h"
#include "gateway/whoami_route.h"
#include "services/common/error_details.h"
#include "services/common/logging.h"

namespace crm::gateway {
namespace {

constexpr char kRequestsTotal[] = "crm_http_requests_total";
constexpr char kRequestDuration[] = "crm_http_request_duration_seconds";
constexpr char kUnmatchedRoute[] = "unmatched";
constexpr char kRateLimitedTotal[] = "crm_http_rate_limited_total";
// The batch route: its body may reach max_batch_body_bytes.
constexpr char kBatchRecordMethod[] =
    "crm.customerprofile.v1.CustomerProfileService.RecordEvents";
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

// A new request id: 32 hex digits from a per-thread generator seeded from
// the OS's entropy (ids must be unique, not secret; one is made for every
// request that brings none, so it costs no lock and no system call).
std::string NewRequestId() {
  thread_local absl::BitGen generator;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (size_t half = 0; half < 2; ++half) {
    uint64_t bits = absl::Uniform<uint64_t>(generator);
    for (size_t i = 0; i < 16; ++i, bits >>= 4) {
      id[16 * half + i] = kHex[bits & 0xF];
    }
  }
  return id;
}

common::RequestTrace TraceFrom(const common::HttpRequest& request) {
  common::RequestTrace trace;
  auto id = request.headers.find(common::kRequestIdHeader);
  if (id != request.headers.end() && IsValidTraceValue(id->second)) {
    trace.request_id = id->second;
  } else {
    trace.request_id = NewRequestId();
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

std::unique_ptr<auth::CustomerTokenVerifier> CustomerTokens(
    const GatewayConfig& config) {
  if (!config.customer_tokens.has_value()) return nullptr;
  absl::StatusOr<auth::CustomerTokenVerifier> verifier =
      auth::CustomerTokenVerifier::Create(*config.customer_tokens);
  if (!verifier.ok()) {
    // GatewayConfigFromConfig checked the same options.
    std::fprintf(stderr, "invalid customer token settings: %s\n",
                 std::string(verifier.status().message()).c_str());
    std::abort();
  }
  return std::make_unique<auth::CustomerTokenVerifier>(*std::move(verifier));
}

// The client's address without the port ("127.0.0.1", "[::1]").
std::string ClientAddress(const common::HttpRequest& request) {
  const std::string& address = request.remote_address;
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || address.back() == ']') return address;
  return address.substr(0, colon);
}

// True for the paths that need credentials: the API under /v1.
bool IsApiPath(absl::string_view path) {
  return path == "/v1" || absl::StartsWith(path, "/v1/");
}

// The 401 answer, with the schemes the caller may use.
common::HttpResponse UnauthenticatedResponse(const absl::Status& status) {
  common::HttpResponse response = ErrorResponse(status);
  response.headers.emplace_back("WWW-Authenticate",
                                "Bearer realm=\"crm\", ApiKey realm=\"crm\"");
  return response;
}

}  // namespace

// Forwards a request's answer and records it: the x-request-id header,
// the request metrics and the access log line (for a stream, when its
// headers go out).
class Gateway::ObservedResponder final : public common::HttpResponder {
 public:
  // `access_log`: the access log line is written (log level info or
  // debug).
  ObservedResponder(common::Metrics& metrics, bool access_log,
                    std::shared_ptr<common::HttpResponder> next,
                    const common::HttpRequest& request)
      : metrics_(metrics),
        access_log_(access_log),
        next_(std::move(next)),
        start_(absl::Now()),
        trace_(TraceFrom(request)),
        method_(MethodLabel(request.method)) {}

  const common::RequestTrace& trace() const { return trace_; }
  void set_route(std::string route) { route_ = std::move(route); }
  // A /v1 response: API security headers; `cors_origin` (allowed, or "").
  void set_api(std::string cors_origin) {
    api_ = true;
    cors_origin_ = std::move(cors_origin);
  }
  void set_caller(std::string caller) { caller_ = std::move(caller); }

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
    limits::AddSecurityHeaders(api_, response);
    limits::CorsPolicy::Decorate(cors_origin_, response);
    const absl::Duration elapsed = absl::Now() - start_;
    const std::string status = std::to_string(response.status);
    metrics_.IncrementCounter(
        kRequestsTotal, "HTTP requests handled.",
        {{"route", route_}, {"method", method_}, {"status", status}});
    metrics_.ObserveHistogram(kRequestDuration, "HTTP request latency.",
                              {{"route", route_}},
                              absl::ToDoubleSeconds(elapsed));
    if (!access_log_) return;
    common::LogInfo(
        "http request",
        {{"method", method_},
         {"route", route_},
         {"caller", caller_},
         {"status", status},
         {"duration_ms", absl::StrCat(absl::ToDoubleMilliseconds(elapsed))}},
        trace_.request_id);
  }

  common::Metrics& metrics_;
  const bool access_log_;
  std::shared_ptr<common::HttpResponder> next_;
  const absl::Time start_;
  const common::RequestTrace trace_;
  const std::string method_;
  std::string route_ = kUnmatchedRoute;
  std::string caller_ = "-";
  bool api_ = false;
  std::string cors_origin_;
};

Gateway::Gateway(const GatewayConfig& config, common::Metrics& metrics)
    : config_(config),
      metrics_(metrics),
      authenticator_(config.api_keys, CustomerTokens(config)),
      caller_limiter_({.rate_per_second = config.rate_limit_per_key,
                       .burst = config.rate_limit_key_burst}),
      address_limiter_({.rate_per_second = config.rate_limit_per_address,
                        .burst = config.rate_limit_address_burst}),
      cors_(config.cors_allowed_origins),
      clients_(config) {
  if (config_.api_keys.empty()) {
    common::LogWarning(
        "no API keys configured: every /v1 request without a customer token "
        "is refused (GATEWAY_API_KEYS, GATEWAY_API_KEYS_FILE)");
  }
  router_.Add("GET", "/healthz", [](const RouteRequest&) {
    common::HttpResponse response;
    response.body = "{\"status\":\"ok\"}";
    return response;
  });
  router_.Add("GET", "/readyz",
              [this](const RouteRequest& r) { return Readyz(r.trace); });
  router_.Add("GET", "/metrics", [this](const RouteRequest&) {
    // The transcoded streams (GET /v1/changeEvents:watch, /v1/alerts:watch)
    // next to the live streams' own gauges.
    metrics_.SetGauge(streams::kOpenStreamsMetric,
                      "Live and transcoded streams open.",
                      transcoder_->open_streams(), {{"route", "transcoded"}});
    common::HttpResponse response;
    response.content_type = kMetricsContentType;
    response.body = metrics_.Render();
    return response;
  });
  AddApiReferenceRoutes();
  AddDashboardRoutes();
  AddCustomerImportRoute(router_, clients_, config_.import_timeout);
  AddCustomerViewRoute(router_, clients_);
  AddCustomerExportRoute(router_, clients_);
  AddCustomerListsRoutes(router_, clients_);
  AddWhoAmIRoute(router_);
  // Every other /v1 route is transcoded from the protos' google.api.http
  // annotations; a binding that cannot be served stops the start-up.
  absl::StatusOr<std::unique_ptr<transcoding::Transcoder>> transcoder =
      transcoding::Transcoder::Create(transcoding::CrmServiceBindings(clients_),
                                      clients_, config_.stream_timeout,
                                      {.max_page_size = config_.max_page_size,
                                       .max_streams = config_.max_streams});
  if (!transcoder.ok()) {
    std::fprintf(stderr, "cannot build the HTTP routes: %s\n",
                 std::string(transcoder.status().message()).c_str());
    std::abort();
  }
  transcoder_ = *std::move(transcoder);
  live_streams_ = std::make_unique<streams::LiveStreams>(
      clients_, metrics_,
      streams::LiveStreamOptions{
          .heartbeat = config_.stream_heartbeat,
          .max_queued_events = config_.stream_queue_events,
          .timeout = config_.stream_timeout,
          .max_streams = config_.max_streams},
      [this] { return transcoder_->open_streams(); });
  route_threads_ = std::make_unique<RouteThreads>(config_.route_threads);
}

void Gateway::EndStreams() { live_streams_->EndAll(); }

void Gateway::AddApiReferenceRoutes() {
  openapi::OpenApiOptions options;
  options.descriptor_set_with_comments = openapi::CrmApiDescriptorSet();
  options.gateway_routes = openapi::CrmGatewayRoutes();
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

void Gateway::AddDashboardRoutes() {
  web_ = std::make_unique<StaticFiles>(
      config_.web_dir.empty() ? DefaultWebDir() : config_.web_dir);
  if (!web_->loaded()) {
    common::LogWarning("/ disabled: the dashboard's index.html not found",
                       {{"web_dir", web_->dir()}});
  }
  router_.Add("GET", "/",
              [this](const RouteRequest& r) { return web_->Index(r.http); });
  router_.Add("GET", "/assets/{file}", [this](const RouteRequest& r) {
    return web_->Asset(r.vars.at("file"), r.http);
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
  const bool is_api = IsApiPath(request.path);
  std::optional<auth::Principal> principal;
  if (is_api) {
    responder->set_api(cors_.AllowedOrigin(request));
    if (limits::CorsPolicy::IsPreflight(request)) {
      return responder->Send(cors_.Preflight(request));
    }
    // Per address before the credentials are checked: guessing keys or
    // tokens is limited too.
    if (RateLimited(address_limiter_, ClientAddress(request), "address",
                    responder)) {
      return;
    }
    absl::StatusOr<auth::Principal> caller =
        authenticator_.Authenticate(request);
    if (!caller.ok()) {
      return responder->Send(UnauthenticatedResponse(caller.status()));
    }
    principal = *std::move(caller);
    responder->set_caller(principal->LogLabel());
    if (RateLimited(caller_limiter_, principal->RateLimitKey(), "caller",
                    responder)) {
      return;
    }
    if (auth::IsCustomerRoutePath(request.path)) {
      return DispatchCustomerRoute(request, *principal, trace, responder);
    }
  }
  DispatchRoute(request, nullptr, principal, "", trace, responder);
}

bool Gateway::RateLimited(limits::RateLimiter& limiter, const std::string& key,
                          absl::string_view scope,
                          const std::shared_ptr<ObservedResponder>& responder) {
  limits::RateLimiter::Decision decision = limiter.Take(key, absl::Now());
  if (decision.allowed) return false;
  metrics_.IncrementCounter(kRateLimitedTotal,
                            "/v1 requests refused by a rate limit.",
                            {{"scope", std::string(scope)}});
  common::HttpResponse response = ErrorResponse(
      RateLimitedError(scope == "address" ? "requests from this address"
                                          : "requests with these credentials"));
  const int64_t seconds = std::max<int64_t>(
      1,
      absl::ToInt64Seconds(absl::Ceil(decision.retry_after, absl::Seconds(1))));
  response.headers.emplace_back("Retry-After", std::to_string(seconds));
  responder->Send(std::move(response));
  return true;
}

void Gateway::DispatchCustomerRoute(
    const common::HttpRequest& request, const auth::Principal& principal,
    const common::RequestTrace& trace,
    const std::shared_ptr<ObservedResponder>& responder) {
  if (principal.kind != auth::Principal::Kind::kCustomer) {
    return responder->Send(ErrorResponse(
        auth::AccessDeniedError("/v1/me (customer tokens only)")));
  }
  std::optional<std::string> staff_path =
      auth::CustomerRoutePath(request.path, principal.customer_id);
  if (!staff_path.has_value()) {
    return responder->Send(ErrorResponse(
        RouteNotFoundError(MethodLabel(request.method), request.path)));
  }
  auto aliased = std::make_shared<common::HttpRequest>(request);
  const size_t query = request.target.find('?');
  aliased->target =
      query == std::string::npos
          ? *staff_path
          : absl::StrCat(*staff_path, request.target.substr(query));
  aliased->path = *std::move(staff_path);
  DispatchRoute(*aliased, aliased, principal, request.path, trace, responder);
}

void Gateway::DispatchLiveStream(
    const streams::LiveRoute& route, const common::HttpRequest& request,
    const std::optional<auth::Principal>& principal,
    const common::RequestTrace& trace,
    const std::shared_ptr<ObservedResponder>& responder) {
  responder->set_route(route.path);
  if (request.method != "GET") {
    common::HttpResponse response = ErrorResponse(
        MethodNotAllowedError(MethodLabel(request.method), {"GET"}));
    response.headers.emplace_back("Allow", "GET");
    return responder->Send(std::move(response));
  }
  if (principal.has_value()) {
    if (absl::Status allowed =
            auth::Authorize(*principal, route.access_method, "");
        !allowed.ok()) {
      return responder->Send(ErrorResponse(allowed));
    }
  }
  if (!request.body.empty()) {
    return responder->Send(
        ErrorResponse(BodyMalformedError("a stream request takes no body")));
  }
  absl::StatusOr<absl::Time> deadline = CallerDeadline(request);
  if (!deadline.ok()) return responder->Send(ErrorResponse(deadline.status()));
  static const std::map<std::string, std::string>* const kNoVars =
      new std::map<std::string, std::string>();
  RouteRequest route_request{request, *kNoVars, trace, *deadline};
  route_request.mask_personal_data =
      principal.has_value() && principal->masks_personal_data();
  live_streams_->Serve(route, route_request, responder);
}

void Gateway::DispatchRoute(
    const common::HttpRequest& request,
    std::shared_ptr<const common::HttpRequest> owner,
    const std::optional<auth::Principal>& principal, absl::string_view label,
    const common::RequestTrace& trace,
    const std::shared_ptr<ObservedResponder>& responder) {
  if (const streams::LiveRoute* live = streams::LiveStreams::Find(request.path);
      live != nullptr && label.empty()) {
    return DispatchLiveStream(*live, request, principal, trace, responder);
  }
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
  const std::string route_label = !label.empty() ? std::string(label)
                                  : is_transcoded
                                      ? transcoded.route->path.label()
                                      : match.route->pattern;
  responder->set_route(route_label);
  if (principal.has_value()) {
    const std::string method = is_transcoded
                                   ? transcoded.route->rpc->full_name()
                                   : match.route->access_method;
    // The resource a customer token must own: the first path variable
    // ("customers/c1"), or a hand-written route's {customer}.
    std::string resource;
    if (is_transcoded && !transcoded.values.empty()) {
      resource = transcoded.values[0];
    } else if (auto customer = match.vars.find("customer");
               !is_transcoded && customer != match.vars.end()) {
      resource = absl::StrCat("customers/", customer->second);
    }
    if (absl::Status allowed = auth::Authorize(*principal, method, resource);
        !allowed.ok()) {
      return responder->Send(ErrorResponse(allowed));
    }
    if (absl::Status allowed =
            auth::AuthorizeFilter(*principal, method, request);
        !allowed.ok()) {
      return responder->Send(ErrorResponse(allowed));
    }
  }
  // The body limit is the route's: the CSV import and the batch route take
  // more than the single-resource routes (the HTTP server admits the
  // largest of them).
  const std::string& rpc_name =
      is_transcoded ? transcoded.route->rpc->full_name() : "";
  const size_t body_limit =
      route_label == kImportCustomersRoute ? config_.max_import_body_bytes
      : rpc_name == kBatchRecordMethod     ? config_.max_batch_body_bytes
                                           : config_.max_body_bytes;
  if (request.body.size() > body_limit) {
    return responder->Send(ErrorResponse(RequestTooLargeError(body_limit)));
  }
  absl::StatusOr<absl::Time> deadline = CallerDeadline(request);
  if (!deadline.ok()) return responder->Send(ErrorResponse(deadline.status()));
  RouteRequest route_request{request, match.vars, trace, *deadline};
  route_request.mask_personal_data =
      principal.has_value() && principal->masks_personal_data();
  route_request.principal = principal.has_value() ? &*principal : nullptr;
  try {
    if (is_transcoded) {
      return transcoder_->Handle(*transcoded.route, transcoded.values,
                                 route_request, responder);
    }
    if (match.route->async_handler) {
      return match.route->async_handler(
          route_request, [responder](common::HttpResponse response) {
            responder->Send(std::move(response));
          });
    }
  } catch (const std::exception& e) {
    common::LogError("route handler threw",
                     {{"route", route_label}, {"error", e.what()}},
                     trace.request_id);
  } catch (...) {
    common::LogError("route handler threw", {{"route", route_label}},
                     trace.request_id);
  }
  if (is_transcoded || match.route->async_handler) {
    // The route threw.
    return responder->Send(ErrorResponse(GatewayInternalError()));
  }
  // A synchronous handler may wait (for backends, for an upload): it runs on
  // a route thread with its own copies of what the request refers to.
  route_threads_->Run([route = match.route, request = &request,
                       owner = std::move(owner), vars = std::move(match.vars),
                       trace, deadline = *deadline,
                       mask = route_request.mask_personal_data, principal,
                       route_label, responder] {
    RouteRequest route_request{*request, vars, trace, deadline};
    route_request.mask_personal_data = mask;
    route_request.principal = principal.has_value() ? &*principal : nullptr;
    try {
      return responder->Send(route->handler(route_request));
    } catch (const std::exception& e) {
      common::LogError("route handler threw",
                       {{"route", route_label}, {"error", e.what()}},
                       trace.request_id);
    } catch (...) {
      common::LogError("route handler threw", {{"route", route_label}},
                       trace.request_id);
    }
    responder->Send(ErrorResponse(GatewayInternalError()));
  });
}

void Gateway::HandleAsync(const common::HttpRequest& request,
                          std::shared_ptr<common::HttpResponder> responder) {
  auto observed = std::make_shared<ObservedResponder>(
      metrics_, config_.log_level <= common::LogLevel::kInfo,
      std::move(responder), request);
  Dispatch(request, observed->trace(), observed);
}

common::HttpResponse Gateway::Handle(const common::HttpRequest& request) {
  auto collecting = std::make_shared<CollectingResponder>();
  HandleAsync(request, collecting);
  return collecting->Wait();
}

}  // namespace crm::gateway

// The gateway's request handling: routing, request ids, the operational
// endpoints (/healthz, /readyz, /metrics), the API reference
// (/openapi.json, /docs), metrics and the access log.
//
//   Gateway gateway(config, Metrics::Default());
//   HttpServer::StartAsync(options, [&](const HttpRequest& r,
//                                       std::shared_ptr<HttpResponder> out) {
//     gateway.HandleAsync(r, std::move(out));
//   });
#pragma once

#include <memory>
#include <optional>

#include "gateway/auth/authenticator.h"
#include "gateway/backend_clients.h"
#include "gateway/gateway_config.h"
#include "gateway/limits/rate_limiter.h"
#include "gateway/limits/response_policy.h"
#include "gateway/openapi/api_reference.h"
#include "gateway/route_threads.h"
#include "gateway/router.h"
#include "gateway/static_files.h"
#include "gateway/streams/live_streams.h"
#include "gateway/transcoding/transcoder.h"
#include "services/common/http_server.h"
#include "services/common/metrics.h"

namespace crm::gateway {

class Gateway {
 public:
  // Creates the backend channels and the routes. `metrics` receives the
  // HTTP metrics and is what /metrics renders; it must outlive the gateway.
  Gateway(const GatewayConfig& config, common::Metrics& metrics);

  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Handles one request; thread-safe. Every /v1 request needs credentials
  // (an API key in X-API-Key or a customer token in Authorization: Bearer,
  // else 401) that allow its method (else 403; auth/access_rules.h);
  // /healthz, /readyz, /metrics, /openapi.json and /docs are open. Transcoded
  // routes answer through `responder` when the backend answers (no thread waits
  // for it), or as a stream; the hand-written synchronous routes answer from
  // the route threads (config route_threads), never from the caller's thread;
  // errors found before a route runs are answered before HandleAsync
  // returns. Every response carries x-request-id (the caller's if valid, else a
  // new one), which is also sent to the backends. A caller's X-Request-Timeout
  // (seconds) shortens the deadline of the backend calls below
  // backend_timeout (an invalid value is 400 FIELD_INVALID). Exceptions
  // from a route become 500. The gateway must outlive the calls it started.
  void HandleAsync(const common::HttpRequest& request,
                   std::shared_ptr<common::HttpResponder> responder);

  // The same, waiting for the answer (tests): a stream's chunks come as
  // the body, once the stream has ended.
  common::HttpResponse Handle(const common::HttpRequest& request);

  // Ends the live streams (GET /v1/alerts:stream, /v1/events:stream) with
  // a clean end of their bodies, so clients reconnect elsewhere; new ones
  // are refused 503 from then on. For shutdown, before the HTTP server
  // stops; the destructor does it too.
  void EndStreams();

 private:
  class ObservedResponder;

  void Dispatch(const common::HttpRequest& request,
                const common::RequestTrace& trace,
                const std::shared_ptr<ObservedResponder>& responder);
  // /v1/me/...: the staff route the alias stands for, for the token's own
  // customer (auth/customer_routes.h).
  void DispatchCustomerRoute(
      const common::HttpRequest& request, const auth::Principal& principal,
      const common::RequestTrace& trace,
      const std::shared_ptr<ObservedResponder>& responder);
  // Answers 429 with Retry-After when `limiter` refuses `key`; true then.
  bool RateLimited(limits::RateLimiter& limiter, const std::string& key,
                   absl::string_view scope,
                   const std::shared_ptr<ObservedResponder>& responder);
  // Finds the route, checks access and limits and runs it; `label`, when
  // set, is the route's metrics label.
  // A live stream route (streams/live_streams.h): GET only; its access
  // rule; then the stream.
  void DispatchLiveStream(const streams::LiveRoute& route,
                          const common::HttpRequest& request,
                          const std::optional<auth::Principal>& principal,
                          const common::RequestTrace& trace,
                          const std::shared_ptr<ObservedResponder>& responder);
  // `owner`, when set, owns `request` (an alias's rewritten request); else
  // the request stays valid until the responder answers.
  void DispatchRoute(const common::HttpRequest& request,
                     std::shared_ptr<const common::HttpRequest> owner,
                     const std::optional<auth::Principal>& principal,
                     absl::string_view label, const common::RequestTrace& trace,
                     const std::shared_ptr<ObservedResponder>& responder);
  common::HttpResponse Readyz(const common::RequestTrace& trace);
  void AddApiReferenceRoutes();
  void AddDashboardRoutes();

  GatewayConfig config_;
  common::Metrics& metrics_;
  // Credentials of every /v1 request (auth/).
  auth::Authenticator authenticator_;
  // /v1 requests per API key or customer, and per client address.
  limits::RateLimiter caller_limiter_;
  limits::RateLimiter address_limiter_;
  limits::CorsPolicy cors_;
  BackendClients clients_;
  // GET /openapi.json and /docs; built once, here.
  std::unique_ptr<openapi::ApiReference> api_reference_;
  // GET / and /assets/{file}: the dashboard (gateway/web); read once, here.
  std::unique_ptr<StaticFiles> web_;
  Router router_;
  // Every annotated RPC's routes (after router_'s; never null).
  std::unique_ptr<transcoding::Transcoder> transcoder_;
  // GET /v1/alerts:stream and /v1/events:stream (never null); declared
  // last: its streams use the clients and count the transcoder's.
  std::unique_ptr<streams::LiveStreams> live_streams_;
  // Runs the synchronous hand-written routes; declared after everything
  // they use, so its threads finish their routes before any of it goes.
  std::unique_ptr<RouteThreads> route_threads_;
};

}  // namespace crm::gateway

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

#include "gateway/backend_clients.h"
#include "gateway/gateway_config.h"
#include "gateway/openapi/api_reference.h"
#include "gateway/router.h"
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

  // Handles one request; thread-safe. Transcoded routes answer through
  // `responder` when the backend answers (no thread waits for it), or as a
  // stream; the other routes answer before HandleAsync returns. Every
  // response carries x-request-id (the caller's if valid, else a new one),
  // which is also sent to the backends. A caller's X-Request-Timeout
  // (seconds) shortens the deadline of the backend calls below
  // backend_timeout (an invalid value is 400 FIELD_INVALID). Exceptions
  // from a route become 500. The gateway must outlive the calls it started.
  void HandleAsync(const common::HttpRequest& request,
                   std::shared_ptr<common::HttpResponder> responder);

  // The same, waiting for the answer (tests): a stream's chunks come as
  // the body, once the stream has ended.
  common::HttpResponse Handle(const common::HttpRequest& request);

 private:
  class ObservedResponder;

  void Dispatch(const common::HttpRequest& request,
                const common::RequestTrace& trace,
                const std::shared_ptr<ObservedResponder>& responder);
  common::HttpResponse Readyz(const common::RequestTrace& trace);
  void AddApiReferenceRoutes();

  GatewayConfig config_;
  common::Metrics& metrics_;
  BackendClients clients_;
  // GET /openapi.json and /docs; built once, here.
  std::unique_ptr<openapi::ApiReference> api_reference_;
  Router router_;
  // Every annotated RPC's routes (after router_'s; never null).
  std::unique_ptr<transcoding::Transcoder> transcoder_;
};

}  // namespace crm::gateway

// crm-gateway: the HTTP/JSON API over the crm services. Runs until SIGTERM
// or SIGINT, then drains in-flight requests and exits 0.

#include <algorithm>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gateway/gateway.h"
#include "gateway/gateway_config.h"
#include "gateway/http_errors.h"
#include "services/common/config.h"
#include "services/common/error_details.h"
#include "services/common/http_server.h"
#include "services/common/logging.h"
#include "services/common/metrics.h"
#include "services/common/server_runner.h"

int main(int argc, char** argv) {
  // Before any thread exists, so that every thread inherits the mask and
  // the signals reach WaitForTerminationSignal() below.
  crm::common::BlockTerminationSignals();
  // Abseil's mutex deadlock detection is a debugging aid; where Abseil is
  // built without NDEBUG (distribution packages) it stays on and updates a
  // process-wide lock graph on every lock taken, gRPC's included.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  crm::common::Config config = crm::common::Config::LoadOrExit(
      "crm-gateway", crm::gateway::GatewayConfigOptions(), argc, argv);
  absl::StatusOr<crm::gateway::GatewayConfig> gateway_config =
      crm::gateway::GatewayConfigFromConfig(config);
  if (!gateway_config.ok()) {
    std::fprintf(stderr, "crm-gateway: %s\n",
                 std::string(gateway_config.status().message()).c_str());
    return 2;
  }
  crm::common::InitLogging("crm-gateway", gateway_config->log_level);
  // Errors the gateway makes itself name it as their ErrorInfo domain.
  crm::common::SetErrorDomain(crm::gateway::kGatewayErrorDomain);
  crm::common::LogInfo("starting", {{"config", config.Describe()}});

  crm::gateway::Gateway gateway(*gateway_config,
                                crm::common::Metrics::Default());
  crm::common::HttpServerOptions options;
  options.address = gateway_config->bind_address;
  options.port = gateway_config->http_port;
  options.threads = gateway_config->http_threads;
  // The server admits the larger of the two limits; the gateway enforces
  // each route's limit (Gateway::DispatchRoute).
  options.max_body_bytes = std::max({gateway_config->max_body_bytes,
                                     gateway_config->max_import_body_bytes,
                                     gateway_config->max_batch_body_bytes});
  auto server = crm::common::HttpServer::StartAsync(
      options,
      [&gateway](const crm::common::HttpRequest& request,
                 std::shared_ptr<crm::common::HttpResponder> responder) {
        gateway.HandleAsync(request, std::move(responder));
      });
  if (!server.ok()) {
    crm::common::LogError("cannot start",
                          {{"error", std::string(server.status().message())}});
    return 1;
  }
  crm::common::LogInfo("listening",
                       {{"address", options.address},
                        {"port", std::to_string((*server)->port())}});

  const int signal_number = crm::common::WaitForTerminationSignal();

  crm::common::LogInfo("shutting down",
                       {{"signal", std::to_string(signal_number)}});
  // Live streams end first, with a clean end of their bodies, so their
  // clients reconnect elsewhere instead of seeing a cut connection.
  gateway.EndStreams();
  (*server)->Shutdown(absl::Seconds(10));
  crm::common::LogInfo("stopped");
  return 0;
}

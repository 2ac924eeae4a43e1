// The gateway's settings: flags with GATEWAY_* / <SERVICE>_ADDR environment
// fallbacks (see README.md for the table).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/auth/api_keys.h"
#include "gateway/auth/customer_token.h"
#include "services/common/config.h"
#include "services/common/logging.h"

namespace crm::gateway {

struct GatewayConfig {
  int http_port = 8080;
  std::string bind_address = "0.0.0.0";
  std::string customer_profile_addr = "127.0.0.1:50051";
  std::string segmentation_addr = "127.0.0.1:50052";
  std::string loyalty_addr = "127.0.0.1:50053";
  std::string feedback_addr = "127.0.0.1:50054";
  // Deadline of every backend call made for an API request.
  absl::Duration backend_timeout = absl::Seconds(3);
  // Deadline of a server-streaming backend call served as an HTTP stream
  // (server-sent events, NDJSON), unless the caller's is earlier.
  absl::Duration stream_timeout = absl::Hours(1);
  // Deadline of each backend health check made for /readyz.
  absl::Duration readiness_timeout = absl::Seconds(1);
  // Parsing, routing and writing only (backend calls are asynchronous, the
  // hand-written synchronous routes run on route_threads): one thread serves
  // thousands of requests a second, and each thread more adds hand-offs
  // between the threads to every request.
  int http_threads = 1;
  // The hand-written routes whose handlers return their answer (some wait
  // for backends: the CSV import, the export, /readyz); route_threads.h.
  int route_threads = 4;
  size_t max_body_bytes = 1048576;
  // Largest body of POST /v1/customers:import (a CSV upload); every other
  // route keeps max_body_bytes.
  size_t max_import_body_bytes = 32 << 20;
  // Upper bound of an import's backend deadline, which otherwise grows with
  // the upload's size (backend_timeout + 1 s per 25 KB).
  absl::Duration import_timeout = absl::Minutes(10);
  // Folder of the swagger-ui-dist files behind GET /docs; empty means the
  // build's gateway/web-vendor/node_modules/swagger-ui-dist.
  std::string docs_assets_dir;
  // Folder of the dashboard's built files behind GET / (index.html and
  // assets/); empty means this build's gateway/web/dist.
  std::string web_dir;
  common::LogLevel log_level = common::LogLevel::kInfo;
  // The API keys (X-API-Key) and their roles, from --api_keys and the file
  // --api_keys_file (auth/api_keys.h for the format). Without any, every
  // /v1 request is 401.
  auth::ApiKeyStore api_keys;
  // Customer tokens (Authorization: Bearer) are accepted when set.
  std::optional<auth::CustomerTokenOptions> customer_tokens;
  // Largest body of a batch route (POST /v1/events:batchRecord).
  size_t max_batch_body_bytes = 4 << 20;
  // Token buckets of /v1 requests per API key or customer, and per client
  // address (before authentication); 0 turns one off.
  double rate_limit_per_key = 200;
  double rate_limit_key_burst = 400;
  double rate_limit_per_address = 100;
  double rate_limit_address_burst = 200;
  // page_size above this is lowered to it (AIP-158); 0: no cap.
  int max_page_size = 1000;
  // Origins allowed to call /v1 from a browser (CORS); empty: none.
  std::vector<std::string> cors_allowed_origins;
  // Server-sent event / NDJSON streams open at once.
  int max_streams = 200;
  // A `: keep-alive` comment on every live stream this often
  // (streams/live_streams.h).
  absl::Duration stream_heartbeat = absl::Seconds(15);
  // Events a live stream's client may have waiting to be written; one more
  // ends its stream (the client resumes with Last-Event-ID).
  int stream_queue_events = 256;
};

// The options Config::Load parses for the gateway.
std::vector<common::ConfigOption> GatewayConfigOptions();

// Typed settings from a loaded Config. INVALID_ARGUMENT naming the flag when
// a value does not parse or is out of range.
absl::StatusOr<GatewayConfig> GatewayConfigFromConfig(
    const common::Config& config);

}  // namespace crm::gateway

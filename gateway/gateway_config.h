// The gateway's settings: flags with GATEWAY_* / <SERVICE>_ADDR environment
// fallbacks (see README.md for the table).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
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
  // Parsing, routing and writing only (backend calls are asynchronous);
  // more threads than cores only add wake-ups.
  int http_threads = 2;
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
  common::LogLevel log_level = common::LogLevel::kInfo;
};

// The options Config::Load parses for the gateway.
std::vector<common::ConfigOption> GatewayConfigOptions();

// Typed settings from a loaded Config. INVALID_ARGUMENT naming the flag when
// a value does not parse or is out of range.
absl::StatusOr<GatewayConfig> GatewayConfigFromConfig(
    const common::Config& config);

}  // namespace crm::gateway

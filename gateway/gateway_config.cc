#include "gateway/gateway_config.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"

namespace crm::gateway {
namespace {

common::ConfigOption Option(std::string flag, std::string env,
                            std::string default_value, std::string help) {
  common::ConfigOption option;
  option.flag = std::move(flag);
  option.env = std::move(env);
  option.default_value = std::move(default_value);
  option.help = std::move(help);
  return option;
}

absl::Status CheckNotEmpty(const common::Config& config,
                           absl::string_view flag) {
  if (config.GetString(flag).empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " must not be empty"));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<common::ConfigOption> GatewayConfigOptions() {
  return {
      Option("http_port", "GATEWAY_HTTP_PORT", "8080", "HTTP listen port"),
      Option("bind_address", "GATEWAY_BIND_ADDRESS", "0.0.0.0",
             "HTTP listen address"),
      Option("customer_profile_addr", "CUSTOMER_PROFILE_ADDR",
             "127.0.0.1:50051", "customer-profile gRPC address"),
      Option("segmentation_addr", "SEGMENTATION_ADDR", "127.0.0.1:50052",
             "segmentation gRPC address"),
      Option("loyalty_addr", "LOYALTY_ADDR", "127.0.0.1:50053",
             "loyalty gRPC address"),
      Option("feedback_addr", "FEEDBACK_ADDR", "127.0.0.1:50054",
             "feedback gRPC address"),
      Option("backend_timeout", "GATEWAY_BACKEND_TIMEOUT", "3s",
             "deadline of each backend call"),
      Option("stream_timeout", "GATEWAY_STREAM_TIMEOUT", "1h",
             "deadline of a server-streaming backend call (an HTTP stream)"),
      Option("http_threads", "GATEWAY_HTTP_THREADS", "4",
             "HTTP server threads (backend calls do not hold one)"),
      Option("max_body_bytes", "GATEWAY_MAX_BODY_BYTES", "1048576",
             "largest accepted request body"),
      Option("max_import_body_bytes", "GATEWAY_MAX_IMPORT_BODY_BYTES",
             "33554432", "largest CSV upload to POST /v1/customers:import"),
      Option("import_timeout", "GATEWAY_IMPORT_TIMEOUT", "10m",
             "longest backend deadline of one CSV import"),
      Option("docs_assets_dir", "GATEWAY_DOCS_ASSETS_DIR", "",
             "swagger-ui-dist folder served at /docs (default: the build's "
             "gateway/web-vendor/node_modules/swagger-ui-dist)"),
      Option("log_level", "GATEWAY_LOG_LEVEL", "info",
             "debug, info, warning or error"),
  };
}

absl::StatusOr<GatewayConfig> GatewayConfigFromConfig(
    const common::Config& config) {
  GatewayConfig result;
  CRM_ASSIGN_OR_RETURN(result.http_port, config.GetInt("http_port"));
  if (result.http_port < 0 || result.http_port > 65535) {
    return absl::InvalidArgumentError("--http_port must be in 0..65535");
  }
  for (absl::string_view flag :
       {"bind_address", "customer_profile_addr", "segmentation_addr",
        "loyalty_addr", "feedback_addr"}) {
    CRM_RETURN_IF_ERROR(CheckNotEmpty(config, flag));
  }
  result.bind_address = config.GetString("bind_address");
  result.customer_profile_addr = config.GetString("customer_profile_addr");
  result.segmentation_addr = config.GetString("segmentation_addr");
  result.loyalty_addr = config.GetString("loyalty_addr");
  result.feedback_addr = config.GetString("feedback_addr");

  CRM_ASSIGN_OR_RETURN(result.backend_timeout,
                       config.GetDuration("backend_timeout"));
  if (result.backend_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--backend_timeout must be positive");
  }
  result.readiness_timeout = std::min(absl::Seconds(1), result.backend_timeout);
  CRM_ASSIGN_OR_RETURN(result.stream_timeout,
                       config.GetDuration("stream_timeout"));
  if (result.stream_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--stream_timeout must be positive");
  }

  CRM_ASSIGN_OR_RETURN(result.http_threads, config.GetInt("http_threads"));
  if (result.http_threads < 1 || result.http_threads > 1024) {
    return absl::InvalidArgumentError("--http_threads must be in 1..1024");
  }

  const std::string& max_body = config.GetString("max_body_bytes");
  uint64_t max_body_bytes = 0;
  if (!absl::SimpleAtoi(max_body, &max_body_bytes) || max_body_bytes == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max_body_bytes must be a positive integer, got \"", max_body, "\""));
  }
  result.max_body_bytes = static_cast<size_t>(max_body_bytes);

  const std::string& max_import = config.GetString("max_import_body_bytes");
  uint64_t max_import_bytes = 0;
  if (!absl::SimpleAtoi(max_import, &max_import_bytes) ||
      max_import_bytes == 0 || max_import_bytes > (uint64_t{1} << 30)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_import_body_bytes must be an integer in "
                     "1..1073741824, got \"",
                     max_import, "\""));
  }
  result.max_import_body_bytes = static_cast<size_t>(max_import_bytes);
  CRM_ASSIGN_OR_RETURN(result.import_timeout,
                       config.GetDuration("import_timeout"));
  if (result.import_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--import_timeout must be positive");
  }

  result.docs_assets_dir = config.GetString("docs_assets_dir");

  const std::string& level = config.GetString("log_level");
  if (!common::ParseLogLevel(level, &result.log_level)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--log_level must be debug, info, warning or error, got \"", level,
        "\""));
  }
  return result;
}

}  // namespace crm::gateway

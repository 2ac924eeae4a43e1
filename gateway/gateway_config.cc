#include "gateway/gateway_config.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

common::ConfigOption SecretOption(std::string flag, std::string env,
                                  std::string help) {
  common::ConfigOption option =
      Option(std::move(flag), std::move(env), "", std::move(help));
  option.secret = true;
  return option;
}

// The contents of the file `path` (a mounted Secret), without a trailing
// newline.
absl::StatusOr<std::string> ReadSecretFile(absl::string_view flag,
                                           const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": cannot read ", path));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  std::string text = contents.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
    text.pop_back();
  }
  return text;
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
      Option("http_threads", "GATEWAY_HTTP_THREADS", "1",
             "HTTP server threads: parsing, routing, writing (backend calls "
             "and the hand-written routes do not hold one)"),
      Option("route_threads", "GATEWAY_ROUTE_THREADS", "4",
             "threads of the hand-written routes that wait for backends "
             "(the CSV import, the export, /readyz)"),
      Option("max_body_bytes", "GATEWAY_MAX_BODY_BYTES", "1048576",
             "largest accepted request body"),
      Option("max_import_body_bytes", "GATEWAY_MAX_IMPORT_BODY_BYTES",
             "33554432", "largest CSV upload to POST /v1/customers:import"),
      Option("import_timeout", "GATEWAY_IMPORT_TIMEOUT", "10m",
             "longest backend deadline of one CSV import"),
      Option("docs_assets_dir", "GATEWAY_DOCS_ASSETS_DIR", "",
             "swagger-ui-dist folder served at /docs (default: the build's "
             "gateway/web-vendor/node_modules/swagger-ui-dist)"),
      Option("web_dir", "GATEWAY_WEB_DIR", "",
             "the dashboard's built files served at / (default: the build's "
             "gateway/web/dist)"),
      Option("log_level", "GATEWAY_LOG_LEVEL", "info",
             "debug, info, warning or error"),
      Option("max_batch_body_bytes", "GATEWAY_MAX_BATCH_BODY_BYTES", "4194304",
             "largest body of POST /v1/events:batchRecord"),
      Option("rate_limit_per_key", "GATEWAY_RATE_LIMIT_PER_KEY", "200",
             "requests a second per API key or customer (0: off)"),
      Option("rate_limit_key_burst", "GATEWAY_RATE_LIMIT_KEY_BURST", "400",
             "requests at once per API key or customer"),
      Option("rate_limit_per_address", "GATEWAY_RATE_LIMIT_PER_ADDRESS", "100",
             "requests a second per client address (0: off)"),
      Option("rate_limit_address_burst", "GATEWAY_RATE_LIMIT_ADDRESS_BURST",
             "200", "requests at once per client address"),
      Option("max_page_size", "GATEWAY_MAX_PAGE_SIZE", "1000",
             "page_size above this is lowered to it (0: no cap)"),
      Option("cors_allowed_origins", "GATEWAY_CORS_ALLOWED_ORIGINS", "",
             "comma-separated origins allowed to call /v1 from browsers"),
      Option("max_streams", "GATEWAY_MAX_STREAMS", "200",
             "server-sent event / NDJSON streams open at once"),
      Option("stream_heartbeat", "GATEWAY_STREAM_HEARTBEAT", "15s",
             "interval of the keep-alive comment on live streams"),
      Option("stream_queue_events", "GATEWAY_STREAM_QUEUE_EVENTS", "256",
             "events a live stream's client may fall behind before its "
             "stream is ended"),
      SecretOption("api_keys", "GATEWAY_API_KEYS",
                   "API keys: entries \"<id> <role> <key or sha256:hex> "
                   "[<methods>]\" separated by newlines or ';'"),
      Option("api_keys_file", "GATEWAY_API_KEYS_FILE", "",
             "file of API keys, one entry a line (same format)"),
      SecretOption("customer_token_secret", "GATEWAY_CUSTOMER_TOKEN_SECRET",
                   "HS256 secret of customer tokens (32+ bytes); empty: "
                   "customer tokens are refused"),
      Option("customer_token_secret_file", "GATEWAY_CUSTOMER_TOKEN_SECRET_FILE",
             "", "file holding the HS256 secret of customer tokens"),
      Option("customer_token_issuer", "GATEWAY_CUSTOMER_TOKEN_ISSUER",
             "crm-login", "the iss customer tokens must carry"),
      Option("customer_token_audience", "GATEWAY_CUSTOMER_TOKEN_AUDIENCE",
             "crm-gateway", "the aud customer tokens must carry"),
      Option("customer_token_clock_skew", "GATEWAY_CUSTOMER_TOKEN_CLOCK_SKEW",
             "60s", "clock skew allowed on exp/nbf/iat (at most 5m)"),
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
  CRM_ASSIGN_OR_RETURN(result.route_threads, config.GetInt("route_threads"));
  if (result.route_threads < 1 || result.route_threads > 1024) {
    return absl::InvalidArgumentError("--route_threads must be in 1..1024");
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
  result.web_dir = config.GetString("web_dir");

  const std::string& level = config.GetString("log_level");
  if (!common::ParseLogLevel(level, &result.log_level)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--log_level must be debug, info, warning or error, got \"", level,
        "\""));
  }

  const std::string& max_batch = config.GetString("max_batch_body_bytes");
  uint64_t max_batch_bytes = 0;
  if (!absl::SimpleAtoi(max_batch, &max_batch_bytes) || max_batch_bytes == 0 ||
      max_batch_bytes > (uint64_t{1} << 30)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_batch_body_bytes must be an integer in "
                     "1..1073741824, got \"",
                     max_batch, "\""));
  }
  result.max_batch_body_bytes = static_cast<size_t>(max_batch_bytes);
  for (auto [flag, target] : std::vector<std::pair<const char*, double*>>{
           {"rate_limit_per_key", &result.rate_limit_per_key},
           {"rate_limit_key_burst", &result.rate_limit_key_burst},
           {"rate_limit_per_address", &result.rate_limit_per_address},
           {"rate_limit_address_burst", &result.rate_limit_address_burst}}) {
    const std::string& value = config.GetString(flag);
    if (!absl::SimpleAtod(value, target) || !(*target >= 0) || *target > 1e9) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", flag, " must be a number >= 0, got \"", value, "\""));
    }
  }
  CRM_ASSIGN_OR_RETURN(result.max_page_size, config.GetInt("max_page_size"));
  if (result.max_page_size < 0) {
    return absl::InvalidArgumentError("--max_page_size must be >= 0");
  }
  CRM_ASSIGN_OR_RETURN(result.max_streams, config.GetInt("max_streams"));
  if (result.max_streams < 1) {
    return absl::InvalidArgumentError("--max_streams must be positive");
  }
  CRM_ASSIGN_OR_RETURN(result.stream_heartbeat,
                       config.GetDuration("stream_heartbeat"));
  if (result.stream_heartbeat <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--stream_heartbeat must be positive");
  }
  CRM_ASSIGN_OR_RETURN(result.stream_queue_events,
                       config.GetInt("stream_queue_events"));
  if (result.stream_queue_events < 1) {
    return absl::InvalidArgumentError("--stream_queue_events must be positive");
  }
  for (absl::string_view origin :
       absl::StrSplit(config.GetString("cors_allowed_origins"), ',',
                      absl::SkipWhitespace())) {
    origin = absl::StripAsciiWhitespace(origin);
    if (!absl::StartsWith(origin, "http://") &&
        !absl::StartsWith(origin, "https://")) {
      return absl::InvalidArgumentError(
          absl::StrCat("--cors_allowed_origins: \"", origin,
                       "\" is not an origin (scheme://host[:port])"));
    }
    result.cors_allowed_origins.emplace_back(origin);
  }

  absl::Status keys = result.api_keys.Add(config.GetString("api_keys"));
  if (!keys.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--api_keys: ", keys.message()));
  }
  if (const std::string& path = config.GetString("api_keys_file");
      !path.empty()) {
    CRM_ASSIGN_OR_RETURN(std::string text,
                         ReadSecretFile("api_keys_file", path));
    keys = result.api_keys.Add(text);
    if (!keys.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--api_keys_file: ", keys.message()));
    }
  }

  std::string token_secret = config.GetString("customer_token_secret");
  if (const std::string& path = config.GetString("customer_token_secret_file");
      !path.empty()) {
    if (!token_secret.empty()) {
      return absl::InvalidArgumentError(
          "set --customer_token_secret or --customer_token_secret_file, not "
          "both");
    }
    CRM_ASSIGN_OR_RETURN(token_secret,
                         ReadSecretFile("customer_token_secret_file", path));
  }
  if (!token_secret.empty()) {
    auth::CustomerTokenOptions tokens;
    tokens.secret = std::move(token_secret);
    tokens.issuer = config.GetString("customer_token_issuer");
    tokens.audience = config.GetString("customer_token_audience");
    CRM_ASSIGN_OR_RETURN(tokens.clock_skew,
                         config.GetDuration("customer_token_clock_skew"));
    absl::StatusOr<auth::CustomerTokenVerifier> verifier =
        auth::CustomerTokenVerifier::Create(tokens);
    if (!verifier.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--customer_token_*: ", verifier.status().message()));
    }
    result.customer_tokens = std::move(tokens);
  }
  return result;
}

}  // namespace crm::gateway

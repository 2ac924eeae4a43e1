#include "gateway/limits/response_policy.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gateway/http_errors.h"

namespace crm::gateway::limits {
namespace {

bool HasHeader(const common::HttpResponse& response, absl::string_view name) {
  return std::any_of(response.headers.begin(), response.headers.end(),
                     [&](const auto& header) {
                       return absl::EqualsIgnoreCase(header.first, name);
                     });
}

}  // namespace

void AddSecurityHeaders(bool api, common::HttpResponse& response) {
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  if (!api) return;
  if (!HasHeader(response, "Cache-Control")) {
    response.headers.emplace_back("Cache-Control", "no-store");
  }
  response.headers.emplace_back("Content-Security-Policy",
                                "default-src 'none'; frame-ancestors 'none'");
}

bool CorsPolicy::IsPreflight(const common::HttpRequest& request) {
  return request.method == "OPTIONS" &&
         request.headers.count("access-control-request-method") > 0;
}

std::string CorsPolicy::AllowedOrigin(
    const common::HttpRequest& request) const {
  auto origin = request.headers.find("origin");
  if (origin == request.headers.end()) return "";
  for (const std::string& allowed : allowed_origins_) {
    if (origin->second == allowed) return allowed;
  }
  return "";
}

common::HttpResponse CorsPolicy::Preflight(
    const common::HttpRequest& request) const {
  const std::string origin = AllowedOrigin(request);
  if (origin.empty()) {
    return ErrorResponse(WithReasonNamed(
        absl::PermissionDeniedError("this origin may not call the API"),
        "ACCESS_DENIED"));
  }
  common::HttpResponse response;
  response.status = 204;
  response.content_type.clear();
  Decorate(origin, response);
  response.headers.emplace_back("Access-Control-Allow-Methods",
                                "GET, POST, PATCH, PUT, DELETE");
  response.headers.emplace_back(
      "Access-Control-Allow-Headers",
      "Content-Type, X-API-Key, Authorization, Idempotency-Key, If-Match, "
      "X-Request-Id, X-Request-Timeout, Last-Event-ID");
  response.headers.emplace_back("Access-Control-Max-Age", "600");
  return response;
}

void CorsPolicy::Decorate(const std::string& origin,
                          common::HttpResponse& response) {
  if (origin.empty()) return;
  response.headers.emplace_back("Access-Control-Allow-Origin", origin);
  response.headers.emplace_back("Vary", "Origin");
  response.headers.emplace_back("Access-Control-Expose-Headers",
                                "ETag, X-Request-Id, Retry-After");
}

}  // namespace crm::gateway::limits

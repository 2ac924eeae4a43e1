// Headers every gateway response carries: security headers, and CORS for
// the configured browser origins.
//
//   CorsPolicy cors({"https://crm.example.com"});
//   if (CorsPolicy::IsPreflight(request)) return cors.Preflight(request);
//   std::string origin = cors.AllowedOrigin(request);  // "" if none
//   ... AddSecurityHeaders(is_api, response); cors.Decorate(origin, response);
//
// Security headers: every response `X-Content-Type-Options: nosniff`,
// `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`; /v1 responses
// also `Cache-Control: no-store` (unless the route set one) and
// `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'`
// (JSON is never a document). HSTS belongs to the TLS terminator (ingress).
//
// CORS: only an Origin equal to a configured origin gets
// `Access-Control-Allow-Origin: <origin>` (never `*`) and `Vary: Origin`,
// with ETag, X-Request-Id and Retry-After exposed. A preflight (OPTIONS
// with Access-Control-Request-Method) needs no credentials: from an
// allowed origin it is 204 with the allowed methods and headers
// (Content-Type, X-API-Key, Authorization, Idempotency-Key, If-Match,
// X-Request-Id, X-Request-Timeout, Last-Event-ID) for 10 minutes; from any
// other origin 403.
#pragma once

#include <string>
#include <vector>

#include "services/common/http_server.h"

namespace crm::gateway::limits {

void AddSecurityHeaders(bool api, common::HttpResponse& response);

class CorsPolicy {
 public:
  explicit CorsPolicy(std::vector<std::string> allowed_origins)
      : allowed_origins_(std::move(allowed_origins)) {}

  static bool IsPreflight(const common::HttpRequest& request);

  // The request's Origin if it is allowed, else "".
  std::string AllowedOrigin(const common::HttpRequest& request) const;

  common::HttpResponse Preflight(const common::HttpRequest& request) const;

  // Adds the CORS headers for `origin` (nothing when it is "").
  static void Decorate(const std::string& origin,
                       common::HttpResponse& response);

 private:
  std::vector<std::string> allowed_origins_;
};

}  // namespace crm::gateway::limits

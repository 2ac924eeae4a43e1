// The one HTTP call outbound webhooks make: a POST with a JSON body, bounded
// by a timeout. The production implementation is CurlWebhookHttpClient
// (curl_webhook_http_client.h); tests may give their own.
//
//   WebhookHttpResponse response = client.Post(
//       {.url = url, .headers = {{"X-Crm-Signature", hex}}, .body = body,
//        .timeout = absl::Seconds(10)});
//   if (IsDeliveredResponse(response.status_code)) ...
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace crm::loyalty {

struct WebhookHttpRequest {
  std::string url;
  // Sent as given, after `Content-Type: application/json`.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The whole call (connect, send, answer) ends by then.
  absl::Duration timeout = absl::Seconds(10);
};

struct WebhookHttpResponse {
  // The HTTP status; 0 when no answer came (refused, timed out, TLS...).
  int status_code = 0;
  // Why there was no answer (no body of the answer, no header values).
  std::string error;
};

class WebhookHttpClient {
 public:
  WebhookHttpClient(const WebhookHttpClient&) = delete;
  WebhookHttpClient& operator=(const WebhookHttpClient&) = delete;
  virtual ~WebhookHttpClient() = default;

  // POSTs `request` and returns once answered or failed; never follows
  // redirects (a 3xx is an answer). Thread-safe.
  virtual WebhookHttpResponse Post(const WebhookHttpRequest& request) = 0;

 protected:
  WebhookHttpClient() = default;
};

}  // namespace crm::loyalty

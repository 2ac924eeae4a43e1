// WebhookHttpClient over libcurl: one easy handle per call (no connection
// reuse), http and https only, certificates verified against the system's
// CA bundle, no redirects, no signals (safe from any thread), the answer's
// body read and dropped (at most 64 KiB).
//
//   CurlWebhookHttpClient http;  // curl_global_init once per process
//   WebhookHttpResponse response = http.Post(request);
#pragma once

#include "services/loyalty/webhook_http_client.h"

namespace crm::loyalty {

class CurlWebhookHttpClient final : public WebhookHttpClient {
 public:
  // Initialises libcurl for the process on first construction; construct
  // before starting threads that use it.
  CurlWebhookHttpClient();

  WebhookHttpResponse Post(const WebhookHttpRequest& request) override;
};

}  // namespace crm::loyalty

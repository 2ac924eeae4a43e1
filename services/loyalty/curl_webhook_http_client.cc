#include "services/loyalty/curl_webhook_http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"

namespace crm::loyalty {
namespace {

constexpr size_t kMaxAnswerBytes = 64 * 1024;

// Drops the answer's body; aborts the transfer past kMaxAnswerBytes.
size_t DiscardBody(char* /*data*/, size_t size, size_t count, void* seen) {
  size_t& total = *static_cast<size_t*>(seen);
  total += size * count;
  return total > kMaxAnswerBytes ? 0 : size * count;
}

struct EasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

CurlWebhookHttpClient::CurlWebhookHttpClient() {
  static const bool initialised = [] {
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  }();
  (void)initialised;
}

WebhookHttpResponse CurlWebhookHttpClient::Post(
    const WebhookHttpRequest& request) {
  WebhookHttpResponse response;
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (curl == nullptr) {
    response.error = "cannot create an HTTP client handle";
    return response;
  }
  curl_slist* raw_headers =
      curl_slist_append(nullptr, "Content-Type: application/json");
  for (const auto& [name, value] : request.headers) {
    raw_headers =
        curl_slist_append(raw_headers, absl::StrCat(name, ": ", value).c_str());
  }
  // Without it libcurl sends `Expect: 100-continue` for larger bodies.
  raw_headers = curl_slist_append(raw_headers, "Expect:");
  std::unique_ptr<curl_slist, ListDeleter> headers(raw_headers);
  const long timeout_ms = std::max<long>(
      1, static_cast<long>(absl::ToInt64Milliseconds(request.timeout)));
  size_t answer_bytes = 0;
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS,
                   static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
  curl_easy_setopt(handle, CURLOPT_POST, 1L);
  curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_USERAGENT, "crm-loyalty-webhooks/1");
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, DiscardBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &answer_bytes);
  const CURLcode result = curl_easy_perform(handle);
  long code = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
  if (result != CURLE_OK && !(result == CURLE_WRITE_ERROR && code > 0)) {
    response.error = curl_easy_strerror(result);
    response.status_code = 0;
    return response;
  }
  response.status_code = static_cast<int>(code);
  return response;
}

}  // namespace crm::loyalty

#include "gateway/openapi/api_reference.h"

#include <cstdint>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/error_details.h"
#include "services/common/http_json_error.h"

namespace crm::gateway::openapi {
namespace {

constexpr char kNoCache[] = "no-cache";
constexpr char kAssetCache[] = "public, max-age=86400";

// The swagger-ui-dist files the page loads, with their media types.
constexpr std::pair<const char*, const char*> kAssetFiles[] = {
    {"swagger-ui.css", "text/css; charset=utf-8"},
    {"swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
    {"swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8"},
    {"favicon-32x32.png", "image/png"},
    {"favicon-16x16.png", "image/png"},
};

// Our own start-up script: Swagger UI over /openapi.json (kept out of the
// page so that the page has no inline script).
constexpr char kInitializerName[] = "crm-docs.js";
constexpr char kInitializer[] = R"js(window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
  });
};
)js";

constexpr char kPage[] = R"html(<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>crm-suite HTTP API</title>
    <link rel="stylesheet" type="text/css" href="/docs/swagger-ui.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="/docs/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/docs/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="/docs/crm-docs.js" charset="UTF-8"></script>
  </body>
</html>
)html";

// FNV-1a: stable across processes and replicas, unlike std::hash.
std::string ContentTag(absl::string_view body) {
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : body) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return absl::StrFormat("\"%016x-%d\"", hash, body.size());
}

bool ReadFile(const std::string& path, std::string* contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *contents = buffer.str();
  return static_cast<bool>(in) || in.eof();
}

common::HttpResponse NotInstalled(absl::string_view what) {
  return common::JsonErrorResponse(common::ErrorWithReason(
      absl::NotFoundError(absl::StrCat(what, " not found")),
      crm::type::v1::ROUTE_NOT_FOUND));
}

}  // namespace

std::string DefaultDocsAssetsDir() { return CRM_DEFAULT_DOCS_ASSETS_DIR; }

ApiReference::ApiReference(std::string openapi_json,
                           const std::string& assets_dir)
    : assets_dir_(assets_dir) {
  document_ = MakeFile("application/json", std::move(openapi_json), kNoCache);
  page_ = MakeFile("text/html; charset=utf-8", kPage, kNoCache);
  assets_loaded_ = true;
  for (const auto& [name, content_type] : kAssetFiles) {
    std::string body;
    if (!ReadFile(absl::StrCat(assets_dir, "/", name), &body)) {
      assets_loaded_ = false;
      assets_.clear();
      return;
    }
    assets_.emplace(name, MakeFile(content_type, std::move(body), kAssetCache));
  }
  assets_.emplace(kInitializerName, MakeFile("text/javascript; charset=utf-8",
                                             kInitializer, kNoCache));
}

ApiReference::StaticFile ApiReference::MakeFile(std::string content_type,
                                                std::string body,
                                                std::string cache_control) {
  StaticFile file;
  file.etag = ContentTag(body);
  file.content_type = std::move(content_type);
  file.body = std::move(body);
  file.cache_control = std::move(cache_control);
  return file;
}

common::HttpResponse ApiReference::Serve(const StaticFile& file,
                                         const common::HttpRequest& request) {
  common::HttpResponse response;
  response.content_type = file.content_type;
  response.headers.emplace_back("ETag", file.etag);
  response.headers.emplace_back("Cache-Control", file.cache_control);
  auto if_none_match = request.headers.find("if-none-match");
  if (if_none_match != request.headers.end() &&
      (if_none_match->second == file.etag || if_none_match->second == "*")) {
    response.status = 304;
    return response;
  }
  response.body = file.body;
  return response;
}

common::HttpResponse ApiReference::Document(
    const common::HttpRequest& request) const {
  return Serve(document_, request);
}

common::HttpResponse ApiReference::Page(
    const common::HttpRequest& request) const {
  if (!assets_loaded_) return NotInstalled("/docs");
  return Serve(page_, request);
}

common::HttpResponse ApiReference::Asset(
    absl::string_view name, const common::HttpRequest& request) const {
  auto file = assets_.find(name);
  if (file == assets_.end()) return NotInstalled(absl::StrCat("/docs/", name));
  return Serve(file->second, request);
}

}  // namespace crm::gateway::openapi

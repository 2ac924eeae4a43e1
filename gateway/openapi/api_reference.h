// The gateway's API reference: GET /openapi.json (the generated OpenAPI
// document) and GET /docs, a Swagger UI page whose script and style files
// come from the npm package swagger-ui-dist (gateway/web-vendor, installed
// by scripts/install-deps.sh). Everything is read once, at start-up, and
// answered from memory.
//
//   ApiReference reference(BuildOpenApiDocument(CrmApiServices(), options),
//                          config.docs_assets_dir);
//   router.Add("GET", "/openapi.json",
//              [&](const RouteRequest& r) { return reference.Document(r.http);
//              });
//   router.Add("GET", "/docs", [&](const RouteRequest& r) { return
//   reference.Page(r.http); }); router.Add("GET", "/docs/{asset}", [&](const
//   RouteRequest& r) {
//     return reference.Asset(r.vars.at("asset"), r.http);
//   });
//
// Caching: every response has a strong ETag and answers a matching
// If-None-Match with 304. The document and the page are `no-cache` (they
// change with the binary); assets are `public, max-age=86400`.
#pragma once

#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "services/common/http_server.h"

namespace crm::gateway::openapi {

// The swagger-ui-dist folder of this build's source tree
// (gateway/web-vendor/node_modules/swagger-ui-dist; the CMake cache variable
// CRM_DOCS_ASSETS_DIR).
std::string DefaultDocsAssetsDir();

class ApiReference {
 public:
  // `assets_dir` holds swagger-ui-dist's files; when one of them cannot be
  // read, /docs and its assets answer 404 ROUTE_NOT_FOUND and
  // assets_loaded() is false (the document is still served).
  ApiReference(std::string openapi_json, const std::string& assets_dir);

  ApiReference(const ApiReference&) = delete;
  ApiReference& operator=(const ApiReference&) = delete;

  bool assets_loaded() const { return assets_loaded_; }
  // The folder that could not be read, for the start-up log.
  const std::string& assets_dir() const { return assets_dir_; }

  // GET /openapi.json
  common::HttpResponse Document(const common::HttpRequest& request) const;
  // GET /docs
  common::HttpResponse Page(const common::HttpRequest& request) const;
  // GET /docs/<name>: the page's script, style and icon files; 404
  // ROUTE_NOT_FOUND for any other name.
  common::HttpResponse Asset(absl::string_view name,
                             const common::HttpRequest& request) const;

 private:
  struct StaticFile {
    std::string content_type;
    std::string body;
    std::string etag;
    std::string cache_control;
  };

  static StaticFile MakeFile(std::string content_type, std::string body,
                             std::string cache_control);
  static common::HttpResponse Serve(const StaticFile& file,
                                    const common::HttpRequest& request);

  std::string assets_dir_;
  bool assets_loaded_ = false;
  StaticFile document_;
  StaticFile page_;
  std::map<std::string, StaticFile, std::less<>> assets_;
};

}  // namespace crm::gateway::openapi

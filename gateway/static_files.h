// The dashboard's built files (gateway/web, built by CMake into
// <build>/gateway/web/dist): GET / answers index.html and
// GET /assets/{file} the content-hashed files Vite wrote next to it.
//
//   StaticFiles web(config.web_dir.empty() ? DefaultWebDir() : config.web_dir);
//   router.Add("GET", "/", [&](const RouteRequest& r) { return
//   web.Index(r.http); }); router.Add("GET", "/assets/{file}", [&](const
//   RouteRequest& r) {
//     return web.Asset(r.vars.at("file"), r.http);
//   });
//
// Everything is read once, at construction, and answered from memory; only
// the files found then are served (no path from a request ever reaches the
// file system). Caching: index.html is `no-cache` (it names the current
// assets); assets are `public, max-age=31536000, immutable` (a new build
// gives them new names). Every response carries a strong ETag and a matching
// If-None-Match answers 304. An asset with a `<file>.gz` sibling is sent
// gzip-encoded to clients that accept gzip (`Vary: Accept-Encoding`).
#pragma once

#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "services/common/http_server.h"

namespace crm::gateway {

// This build's dashboard folder (the CMake cache variable CRM_WEB_DIST_DIR).
std::string DefaultWebDir();

class StaticFiles {
 public:
  // Reads `dir`/index.html and every regular file of `dir`/assets. When
  // index.html cannot be read, loaded() is false and every route answers
  // 404 ROUTE_NOT_FOUND.
  explicit StaticFiles(std::string dir);

  StaticFiles(const StaticFiles&) = delete;
  StaticFiles& operator=(const StaticFiles&) = delete;

  bool loaded() const { return loaded_; }
  const std::string& dir() const { return dir_; }
  size_t asset_count() const { return assets_.size(); }

  // GET /
  common::HttpResponse Index(const common::HttpRequest& request) const;
  // GET /assets/<name>; 404 ROUTE_NOT_FOUND for a name not read at start-up.
  common::HttpResponse Asset(absl::string_view name,
                             const common::HttpRequest& request) const;

 private:
  struct File {
    std::string content_type;
    std::string cache_control;
    std::string body;
    std::string etag;
    // The gzip encoding of body, when the build wrote one ("" otherwise).
    std::string gzip_body;
    std::string gzip_etag;
  };

  static common::HttpResponse Serve(const File& file,
                                    const common::HttpRequest& request);

  std::string dir_;
  bool loaded_ = false;
  File index_;
  std::map<std::string, File, std::less<>> assets_;
};

}  // namespace crm::gateway

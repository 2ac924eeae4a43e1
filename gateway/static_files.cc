#include "gateway/static_files.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/error_details.h"
#include "services/common/http_json_error.h"

namespace crm::gateway {
namespace {

constexpr char kIndexCache[] = "no-cache";
constexpr char kAssetCache[] = "public, max-age=31536000, immutable";
constexpr char kGzipSuffix[] = ".gz";

// Media types of the files a Vite build writes; others are octet streams.
std::string ContentTypeOf(absl::string_view name) {
  constexpr std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
  };
  for (const auto& [suffix, type] : kTypes) {
    if (absl::EndsWith(name, suffix)) return type;
  }
  return "application/octet-stream";
}

// FNV-1a of the bytes plus their length: the same file gives the same tag
// in every replica.
std::string StrongTag(absl::string_view body, absl::string_view variant) {
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : body) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return absl::StrFormat("\"%016x-%d%s\"", hash, body.size(), variant);
}

bool ReadWholeFile(const std::filesystem::path& path, std::string* contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *contents = buffer.str();
  return !in.bad();
}

// True when an Accept-Encoding value admits gzip (q=0 refuses it).
bool AcceptsGzip(const common::HttpRequest& request) {
  auto header = request.headers.find("accept-encoding");
  if (header == request.headers.end()) return false;
  for (absl::string_view coding : absl::StrSplit(header->second, ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(coding, ';');
    absl::string_view name = absl::StripAsciiWhitespace(parts[0]);
    if (!absl::EqualsIgnoreCase(name, "gzip")) continue;
    for (size_t i = 1; i < parts.size(); ++i) {
      absl::string_view parameter = absl::StripAsciiWhitespace(parts[i]);
      if (parameter == "q=0" || parameter == "q=0.0" || parameter == "q=0.00" ||
          parameter == "q=0.000") {
        return false;
      }
    }
    return true;
  }
  return false;
}

// True when If-None-Match lists `etag` (or is "*").
bool NotModified(const common::HttpRequest& request, absl::string_view etag) {
  auto header = request.headers.find("if-none-match");
  if (header == request.headers.end()) return false;
  for (absl::string_view tag : absl::StrSplit(header->second, ',')) {
    tag = absl::StripAsciiWhitespace(tag);
    absl::ConsumePrefix(&tag, "W/");
    if (tag == etag || tag == "*") return true;
  }
  return false;
}

common::HttpResponse NotFound(absl::string_view path) {
  return common::JsonErrorResponse(common::ErrorWithReason(
      absl::NotFoundError(absl::StrCat(path, " not found")),
      crm::type::v1::ROUTE_NOT_FOUND));
}

}  // namespace

std::string DefaultWebDir() { return CRM_DEFAULT_WEB_DIR; }

StaticFiles::StaticFiles(std::string dir) : dir_(std::move(dir)) {
  namespace fs = std::filesystem;
  const fs::path root(dir_);
  if (!ReadWholeFile(root / "index.html", &index_.body)) return;
  index_.content_type = ContentTypeOf(".html");
  index_.cache_control = kIndexCache;
  index_.etag = StrongTag(index_.body, "");
  std::error_code error;
  std::map<std::string, std::string> gzipped;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(root / "assets", error)) {
    if (!entry.is_regular_file(error)) continue;
    const std::string name = entry.path().filename().string();
    std::string body;
    if (!ReadWholeFile(entry.path(), &body)) return;
    if (absl::EndsWith(name, kGzipSuffix)) {
      gzipped.emplace(name.substr(0, name.size() - sizeof(kGzipSuffix) + 1),
                      std::move(body));
      continue;
    }
    File& file = assets_[name];
    file.content_type = ContentTypeOf(name);
    file.cache_control = kAssetCache;
    file.etag = StrongTag(body, "");
    file.body = std::move(body);
  }
  for (auto& [name, body] : gzipped) {
    auto file = assets_.find(name);
    if (file == assets_.end()) continue;
    file->second.gzip_etag = StrongTag(file->second.body, "-gzip");
    file->second.gzip_body = std::move(body);
  }
  loaded_ = true;
}

common::HttpResponse StaticFiles::Serve(const File& file,
                                        const common::HttpRequest& request) {
  const bool gzip = !file.gzip_body.empty() && AcceptsGzip(request);
  const std::string& etag = gzip ? file.gzip_etag : file.etag;
  common::HttpResponse response;
  response.content_type = file.content_type;
  response.headers.emplace_back("ETag", etag);
  response.headers.emplace_back("Cache-Control", file.cache_control);
  if (!file.gzip_body.empty()) {
    response.headers.emplace_back("Vary", "Accept-Encoding");
  }
  if (NotModified(request, etag)) {
    response.status = 304;
    return response;
  }
  if (gzip) {
    response.headers.emplace_back("Content-Encoding", "gzip");
    response.body = file.gzip_body;
  } else {
    response.body = file.body;
  }
  return response;
}

common::HttpResponse StaticFiles::Index(
    const common::HttpRequest& request) const {
  if (!loaded_) return NotFound("/");
  return Serve(index_, request);
}

common::HttpResponse StaticFiles::Asset(
    absl::string_view name, const common::HttpRequest& request) const {
  auto file = assets_.find(name);
  if (!loaded_ || file == assets_.end()) {
    return NotFound(absl::StrCat("/assets/", name));
  }
  return Serve(file->second, request);
}

}  // namespace crm::gateway

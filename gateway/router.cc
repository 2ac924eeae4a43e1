#include "gateway/router.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace crm::gateway {
namespace {

[[noreturn]] void BadPattern(absl::string_view pattern, const char* why) {
  std::fprintf(stderr, "invalid route pattern \"%.*s\": %s\n",
               static_cast<int>(pattern.size()), pattern.data(), why);
  std::abort();
}

// Splits "/a/b/c" into {"a", "b", "c"}; "/" gives {""}.
std::vector<absl::string_view> SplitPath(absl::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return absl::StrSplit(path, '/');
}

}  // namespace

void Router::Add(std::string method, std::string pattern, RouteHandler handler,
                 std::string access_method) {
  AddRoute(Route{std::move(method), std::move(pattern), std::move(handler),
                 nullptr, std::move(access_method)});
}

void Router::AddAsync(std::string method, std::string pattern,
                      AsyncRouteHandler handler, std::string access_method) {
  AddRoute(Route{std::move(method), std::move(pattern), nullptr,
                 std::move(handler), std::move(access_method)});
}

void Router::AddRoute(Route route) {
  const std::string& pattern = route.pattern;
  if (pattern.empty() || pattern.front() != '/') {
    BadPattern(pattern, "must start with '/'");
  }
  CompiledRoute compiled;
  std::vector<absl::string_view> parts = SplitPath(pattern);
  for (size_t i = 0; i < parts.size(); ++i) {
    absl::string_view part = parts[i];
    bool last = i + 1 == parts.size();
    size_t colon = part.rfind(':');
    if (colon != absl::string_view::npos) {
      if (!last) BadPattern(pattern, "':verb' only in the last segment");
      compiled.verb = std::string(part.substr(colon + 1));
      if (compiled.verb.empty()) BadPattern(pattern, "empty verb");
      part = part.substr(0, colon);
    }
    Segment segment;
    if (absl::StartsWith(part, "{")) {
      if (!absl::EndsWith(part, "}") || part.size() < 3) {
        BadPattern(pattern, "variable must be {name}");
      }
      segment.is_variable = true;
      segment.text = std::string(part.substr(1, part.size() - 2));
    } else {
      if (part.find_first_of("{}") != absl::string_view::npos) {
        BadPattern(pattern, "stray brace");
      }
      if (part.empty() && !last) BadPattern(pattern, "empty segment");
      segment.text = std::string(part);
    }
    compiled.segments.push_back(std::move(segment));
  }
  compiled.route = std::move(route);
  routes_.push_back(std::move(compiled));
}

bool Router::MatchPath(const CompiledRoute& route,
                       const std::vector<absl::string_view>& path_segments,
                       std::map<std::string, std::string>* vars) {
  if (path_segments.size() != route.segments.size()) return false;
  vars->clear();
  for (size_t i = 0; i < path_segments.size(); ++i) {
    absl::string_view part = path_segments[i];
    const Segment& segment = route.segments[i];
    bool last = i + 1 == path_segments.size();
    if (last && !route.verb.empty()) {
      std::string suffix = ":" + route.verb;
      if (!absl::EndsWith(part, suffix)) return false;
      part.remove_suffix(suffix.size());
    }
    if (segment.is_variable) {
      if (part.empty()) return false;
      if (last && part.find(':') != absl::string_view::npos) return false;
      (*vars)[segment.text] = std::string(part);
    } else if (part != segment.text) {
      return false;
    }
  }
  return true;
}

Router::Match Router::Find(absl::string_view method,
                           absl::string_view path) const {
  Match match;
  std::vector<absl::string_view> path_segments = SplitPath(path);
  std::set<std::string> allowed;
  std::map<std::string, std::string> vars;
  for (const CompiledRoute& compiled : routes_) {
    if (!MatchPath(compiled, path_segments, &vars)) continue;
    if (compiled.route.method == method) {
      match.result = Match::kFound;
      match.route = &compiled.route;
      match.vars = std::move(vars);
      return match;
    }
    allowed.insert(compiled.route.method);
  }
  if (!allowed.empty()) {
    match.result = Match::kMethodNotAllowed;
    match.allowed_methods.assign(allowed.begin(), allowed.end());
  }
  return match;
}

}  // namespace crm::gateway

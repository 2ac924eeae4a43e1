// Maps an HTTP method and path to a handler.
//
//   Router router;
//   router.Add("GET", "/v1/customers/{customer}", handler);
//   router.Add("POST", "/v1/accounts/{customer}:adjustPoints", handler);
//   Router::Match match = router.Find("GET", "/v1/customers/c1");
//   // match.result == kFound, match.vars["customer"] == "c1"
//
// A pattern is '/'-separated segments, each a literal or a `{name}`
// variable; the last segment may end in a `:verb` suffix. A variable matches
// one non-empty path segment (never '/'); in the last segment without a verb
// it also never contains ':', so `/v1/customers/c1:view` does not match
// `/v1/customers/{customer}`.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/http_server.h"
#include "services/common/request_trace.h"

namespace crm::gateway {

namespace auth {
struct Principal;
}  // namespace auth

// What a route handler receives.
struct RouteRequest {
  const common::HttpRequest& http;
  // Path variables by name, e.g. {"customer": "c1"}.
  const std::map<std::string, std::string>& vars;
  // Trace headers to propagate to backends.
  const common::RequestTrace& trace;
  // The caller's deadline (from X-Request-Timeout); InfiniteFuture() when
  // the caller set none. Backend calls end at the earlier of this and the
  // gateway's own backend timeout (BackendClients::NewContext).
  absl::Time deadline = absl::InfiniteFuture();
  // The caller is an analyst: customers' personal data in the answer is
  // masked (auth/personal_data_mask.h).
  bool mask_personal_data = false;
  // Who is calling (/v1 routes; null on the open routes). Owned by the
  // dispatcher, valid while the handler runs.
  const auth::Principal* principal = nullptr;
};

using RouteHandler = std::function<common::HttpResponse(const RouteRequest&)>;
// Sends a route's answer; callable once, from any thread.
using RouteAnswer = std::function<void(common::HttpResponse)>;
// A route that answers later, from another thread (its backend calls'
// completions), so it holds no HTTP thread while it waits. The
// RouteRequest is valid only during the call: copy what is needed later.
using AsyncRouteHandler =
    std::function<void(const RouteRequest&, RouteAnswer answer)>;

class Router {
 public:
  struct Route {
    std::string method;
    std::string pattern;   // As given to Add(); used as the metrics label.
    RouteHandler handler;  // Unset for an asynchronous route.
    AsyncRouteHandler async_handler;  // Set for an asynchronous route.
    // The method whose access rule guards a /v1 route
    // (auth/access_rules.h), e.g.
    // "crm.customerprofile.v1.CustomerProfileService.ImportCustomers".
    std::string access_method;
  };

  struct Match {
    enum Result { kFound, kNotFound, kMethodNotAllowed };
    Result result = kNotFound;
    const Route* route = nullptr;  // Set when kFound.
    std::map<std::string, std::string> vars;
    // Methods the path accepts, sorted; set when kMethodNotAllowed.
    std::vector<std::string> allowed_methods;
  };

  Router() = default;
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Registers a route. A malformed pattern is a programming error (aborts).
  // `access_method` names the access rule of a /v1 route (auth/).
  void Add(std::string method, std::string pattern, RouteHandler handler,
           std::string access_method = "");
  // The same for a route that answers asynchronously.
  void AddAsync(std::string method, std::string pattern,
                AsyncRouteHandler handler, std::string access_method = "");

  // The first route added for `method` whose pattern matches `path`.
  Match Find(absl::string_view method, absl::string_view path) const;

 private:
  struct Segment {
    bool is_variable = false;
    std::string text;  // Literal text or variable name.
  };
  struct CompiledRoute {
    Route route;
    std::vector<Segment> segments;
    std::string verb;  // Without the ':'; empty if none.
  };

  void AddRoute(Route route);

  static bool MatchPath(const CompiledRoute& route,
                        const std::vector<absl::string_view>& path_segments,
                        std::map<std::string, std::string>* vars);

  std::vector<CompiledRoute> routes_;
};

}  // namespace crm::gateway

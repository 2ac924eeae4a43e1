#include "services/common/admin_endpoints.h"

#include <string>
#include <utility>

#include "services/common/error_details.h"
#include "services/common/http_json_error.h"

namespace crm::common {
namespace {

HttpResponse Response(int status, std::string body,
                      std::string content_type = "application/json") {
  HttpResponse response;
  response.status = status;
  response.content_type = std::move(content_type);
  response.body = std::move(body);
  return response;
}

}  // namespace

HttpHandler MakeAdminHandler(Metrics& metrics, std::function<bool()> ready) {
  return [&metrics, ready = std::move(ready)](const HttpRequest& request) {
    if (request.path != "/metrics" && request.path != "/healthz" &&
        request.path != "/readyz") {
      return JsonErrorResponse(ErrorWithReason(
          absl::NotFoundError("no admin endpoint at this path; try /metrics, "
                              "/healthz or /readyz"),
          ::crm::type::v1::ROUTE_NOT_FOUND));
    }
    if (request.method != "GET" && request.method != "HEAD") {
      HttpResponse response = JsonErrorResponse(
          405, ErrorWithReason(absl::UnimplementedError(
                                   "admin endpoints answer only GET and HEAD"),
                               ::crm::type::v1::METHOD_NOT_ALLOWED));
      response.headers.emplace_back("Allow", "GET, HEAD");
      return response;
    }
    if (request.path == "/metrics") {
      return Response(200, metrics.Render(), "text/plain; version=0.0.4");
    }
    if (request.path == "/healthz") {
      return Response(200, R"({"status":"ok"})");
    }
    if (ready()) return Response(200, R"({"status":"ready"})");
    return Response(503, R"({"status":"not ready"})");
  };
}

}  // namespace crm::common

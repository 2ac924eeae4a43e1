#include "services/common/admin_endpoints.h"

#include <atomic>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace crm::common {
namespace {

using ::testing::HasSubstr;

HttpRequest Get(const std::string& path) {
  HttpRequest request;
  request.method = "GET";
  request.target = path;
  request.path = path;
  return request;
}

TEST(AdminEndpointsTest, MetricsServesPrometheusText) {
  Metrics metrics;
  metrics.IncrementCounter("crm_x_total", "X.");
  HttpHandler handler = MakeAdminHandler(metrics, [] { return true; });
  HttpResponse response = handler(Get("/metrics"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/plain; version=0.0.4");
  EXPECT_THAT(response.body, HasSubstr("crm_x_total 1\n"));
}

TEST(AdminEndpointsTest, HealthzIsAlwaysOk) {
  Metrics metrics;
  HttpHandler handler = MakeAdminHandler(metrics, [] { return false; });
  HttpResponse response = handler(Get("/healthz"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
}

TEST(AdminEndpointsTest, ReadyzFollowsReadiness) {
  Metrics metrics;
  std::atomic<bool> ready{false};
  HttpHandler handler =
      MakeAdminHandler(metrics, [&ready] { return ready.load(); });
  HttpResponse not_ready = handler(Get("/readyz"));
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_EQ(not_ready.body, R"({"status":"not ready"})");
  ready = true;
  HttpResponse is_ready = handler(Get("/readyz"));
  EXPECT_EQ(is_ready.status, 200);
  EXPECT_EQ(is_ready.body, R"({"status":"ready"})");
}

TEST(AdminEndpointsTest, UnknownPathAndMethod) {
  Metrics metrics;
  HttpHandler handler = MakeAdminHandler(metrics, [] { return true; });
  const HttpResponse unknown = handler(Get("/nope"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_THAT(unknown.body, HasSubstr(R"("status":"NOT_FOUND")"));
  EXPECT_THAT(unknown.body, HasSubstr(R"("reason":"ROUTE_NOT_FOUND")"));
  HttpRequest post = Get("/metrics");
  post.method = "POST";
  const HttpResponse wrong_method = handler(post);
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_THAT(wrong_method.body, HasSubstr(R"("reason":"METHOD_NOT_ALLOWED")"));
}

}  // namespace
}  // namespace crm::common

#include "gateway/limits/response_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace crm::gateway::limits {
namespace {

using ::testing::Contains;
using ::testing::Not;
using ::testing::Pair;

common::HttpRequest Preflight(const std::string& origin) {
  common::HttpRequest request;
  request.method = "OPTIONS";
  request.path = "/v1/customers";
  request.headers["origin"] = origin;
  request.headers["access-control-request-method"] = "POST";
  return request;
}

TEST(ResponsePolicyTest, SecurityHeaders) {
  common::HttpResponse api;
  AddSecurityHeaders(true, api);
  EXPECT_THAT(api.headers, Contains(Pair("X-Content-Type-Options", "nosniff")));
  EXPECT_THAT(api.headers, Contains(Pair("X-Frame-Options", "DENY")));
  EXPECT_THAT(api.headers, Contains(Pair("Cache-Control", "no-store")));
  common::HttpResponse cached;
  cached.headers.emplace_back("Cache-Control", "no-cache");
  AddSecurityHeaders(true, cached);
  EXPECT_THAT(cached.headers, Not(Contains(Pair("Cache-Control", "no-store"))));
  common::HttpResponse page;
  AddSecurityHeaders(false, page);
  EXPECT_THAT(page.headers, Contains(Pair("X-Frame-Options", "DENY")));
  EXPECT_THAT(page.headers, Not(Contains(Pair("Cache-Control", "no-store"))));
}

TEST(ResponsePolicyTest, CorsOnlyForConfiguredOrigins) {
  CorsPolicy cors({"https://crm.example.com"});
  EXPECT_TRUE(CorsPolicy::IsPreflight(Preflight("https://crm.example.com")));
  common::HttpResponse allowed =
      cors.Preflight(Preflight("https://crm.example.com"));
  EXPECT_EQ(allowed.status, 204);
  EXPECT_THAT(allowed.headers, Contains(Pair("Access-Control-Allow-Origin",
                                             "https://crm.example.com")));
  EXPECT_THAT(allowed.headers, Contains(Pair("Vary", "Origin")));
  common::HttpResponse refused =
      cors.Preflight(Preflight("https://evil.example"));
  EXPECT_EQ(refused.status, 403);
  for (const auto& header : refused.headers) {
    EXPECT_NE(header.first, "Access-Control-Allow-Origin");
  }
  common::HttpRequest plain = Preflight("https://crm.example.com.evil");
  EXPECT_EQ(cors.AllowedOrigin(plain), "");
  CorsPolicy none({});
  EXPECT_EQ(none.AllowedOrigin(Preflight("https://crm.example.com")), "");
}

}  // namespace
}  // namespace crm::gateway::limits

// GET /openapi.json and /docs through the gateway's request handler
// (in-process; no backend is called).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/auth/api_keys.h"
#include "gateway/gateway.h"
#include "gateway/gateway_config.h"
#include "gateway/http_errors.h"
#include "gateway/openapi/crm_api_services.h"
#include "gateway/openapi/gateway_routes.h"
#include "gateway/openapi/openapi_document.h"
#include "services/common/error_details.h"
#include "services/common/http_server.h"
#include "services/common/logging.h"
#include "services/common/metrics.h"
#include "tests/unit/gateway/error_body.h"
#include "tests/unit/gateway/openapi/openapi_test_document.h"

namespace crm::gateway {
namespace {

using ::crm::testing::Find;
using ::crm::testing::ParseDocument;
using ::crm::testing::ParseErrorBody;

std::string Header(const common::HttpResponse& response,
                   const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

// A stand-in for swagger-ui-dist: each file holds its own name.
std::string MakeAssetsDir() {
  char pattern[] = "/tmp/crm-docs-assets-XXXXXX";
  const char* dir = mkdtemp(pattern);
  EXPECT_NE(dir, nullptr);
  for (const char* name : {"swagger-ui.css", "swagger-ui-bundle.js",
                           "swagger-ui-standalone-preset.js",
                           "favicon-32x32.png", "favicon-16x16.png"}) {
    std::ofstream(std::string(dir) + "/" + name) << "contents of " << name;
  }
  return dir;
}

class ApiReferenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    common::SetLogSinkForTesting(&log_);
    common::SetErrorDomain(kGatewayErrorDomain);
    assets_dir_ = MakeAssetsDir();
    gateway_ = MakeGateway(assets_dir_);
  }

  void TearDown() override {
    common::SetLogSinkForTesting(nullptr);
    for (const char* name : {"swagger-ui.css", "swagger-ui-bundle.js",
                             "swagger-ui-standalone-preset.js",
                             "favicon-32x32.png", "favicon-16x16.png"}) {
      std::remove((assets_dir_ + "/" + name).c_str());
    }
    std::remove(assets_dir_.c_str());
  }

  std::unique_ptr<Gateway> MakeGateway(const std::string& assets_dir) {
    GatewayConfig config;
    // Nothing listens there; these routes never call a backend.
    config.customer_profile_addr = "127.0.0.1:1";
    config.segmentation_addr = "127.0.0.1:1";
    config.loyalty_addr = "127.0.0.1:1";
    config.feedback_addr = "127.0.0.1:1";
    config.docs_assets_dir = assets_dir;
    return std::make_unique<Gateway>(config, metrics_);
  }

  static common::HttpRequest Get(const std::string& path) {
    common::HttpRequest request;
    request.method = "GET";
    request.path = path;
    request.target = path;
    return request;
  }

  std::ostringstream log_;
  common::Metrics metrics_;
  std::string assets_dir_;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(ApiReferenceTest, OpenApiJsonIsTheGeneratedDocument) {
  common::HttpResponse response = gateway_->Handle(Get("/openapi.json"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(Header(response, "Cache-Control"), "no-cache");
  google::protobuf::Value document = ParseDocument(response.body);
  ASSERT_NE(Find(document, {"paths", "/v1/customers/{customer}", "get"}),
            nullptr);
  // Exactly what crm-openapi prints (the linted document).
  openapi::OpenApiOptions options;
  options.descriptor_set_with_comments = openapi::CrmApiDescriptorSet();
  options.gateway_routes = openapi::CrmGatewayRoutes();
  EXPECT_EQ(response.body,
            openapi::BuildOpenApiDocument(openapi::CrmApiServices(), options));
}

TEST_F(ApiReferenceTest, EveryDocumentedGatewayRouteIsServed) {
  GatewayConfig config;
  config.customer_profile_addr = "127.0.0.1:1";  // Nothing listens.
  config.segmentation_addr = "127.0.0.1:1";
  config.loyalty_addr = "127.0.0.1:1";
  config.feedback_addr = "127.0.0.1:1";
  config.backend_timeout = absl::Seconds(2);
  config.api_keys =
      *auth::ApiKeyStore::Parse("docs-admin admin docs-admin-key-0123456789");
  Gateway gateway(config, metrics_);
  const std::vector<openapi::GatewayRoute> routes = openapi::CrmGatewayRoutes();
  ASSERT_EQ(routes.size(), 5u);
  for (const openapi::GatewayRoute& route : routes) {
    std::string path = route.path;
    const size_t variable = path.find("{customer}");
    if (variable != std::string::npos) path.replace(variable, 10, "c1");
    common::HttpRequest request = Get(path);
    request.method = "GET";
    ASSERT_EQ(route.verb, "get");
    request.headers["x-api-key"] = "docs-admin-key-0123456789";
    common::HttpResponse response = gateway.Handle(request);
    EXPECT_NE(response.status, 405) << path;
    if (response.status == 404) {
      EXPECT_NE(ParseErrorBody(response.body).reason, "ROUTE_NOT_FOUND")
          << path;
    }
    EXPECT_NE(response.status, 401) << path;
    EXPECT_NE(response.status, 403) << path;
  }
}

TEST_F(ApiReferenceTest, MatchingIfNoneMatchAnswers304WithoutBody) {
  common::HttpResponse first = gateway_->Handle(Get("/openapi.json"));
  const std::string etag = Header(first, "ETag");
  ASSERT_FALSE(etag.empty());
  common::HttpRequest again = Get("/openapi.json");
  again.headers["if-none-match"] = etag;
  common::HttpResponse second = gateway_->Handle(again);
  EXPECT_EQ(second.status, 304);
  EXPECT_TRUE(second.body.empty());
  again.headers["if-none-match"] = "\"something-else\"";
  EXPECT_EQ(gateway_->Handle(again).status, 200);
}

TEST_F(ApiReferenceTest, DocsPageLoadsSwaggerUiOverOpenApiJson) {
  common::HttpResponse page = gateway_->Handle(Get("/docs"));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("/docs/swagger-ui-bundle.js"), std::string::npos);
  EXPECT_NE(page.body.find("/docs/crm-docs.js"), std::string::npos);
  common::HttpResponse script = gateway_->Handle(Get("/docs/crm-docs.js"));
  EXPECT_EQ(script.status, 200);
  EXPECT_NE(script.body.find("\"/openapi.json\""), std::string::npos);
}

TEST_F(ApiReferenceTest, AssetsComeFromTheAssetsDirWithCacheHeaders) {
  common::HttpResponse bundle =
      gateway_->Handle(Get("/docs/swagger-ui-bundle.js"));
  EXPECT_EQ(bundle.status, 200);
  EXPECT_EQ(bundle.body, "contents of swagger-ui-bundle.js");
  EXPECT_EQ(bundle.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Header(bundle, "Cache-Control"), "public, max-age=86400");
  EXPECT_FALSE(Header(bundle, "ETag").empty());
  common::HttpResponse css = gateway_->Handle(Get("/docs/swagger-ui.css"));
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
}

TEST_F(ApiReferenceTest, OtherFilesOfTheFolderAreNotServed) {
  for (const char* path : {"/docs/index.html", "/docs/package.json", "/docs/..",
                           "/docs/swagger-ui-bundle.js.map"}) {
    common::HttpResponse response = gateway_->Handle(Get(path));
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_EQ(ParseErrorBody(response.body).reason, "ROUTE_NOT_FOUND") << path;
  }
}

TEST_F(ApiReferenceTest, WithoutAssetsDocsIs404AndOpenApiJsonStillServed) {
  std::unique_ptr<Gateway> gateway = MakeGateway(assets_dir_ + "/missing");
  common::HttpResponse docs = gateway->Handle(Get("/docs"));
  EXPECT_EQ(docs.status, 404);
  EXPECT_EQ(ParseErrorBody(docs.body).reason, "ROUTE_NOT_FOUND");
  EXPECT_EQ(gateway->Handle(Get("/docs/swagger-ui.css")).status, 404);
  EXPECT_EQ(gateway->Handle(Get("/openapi.json")).status, 200);
  EXPECT_NE(log_.str().find("/docs disabled"), std::string::npos);
}

}  // namespace
}  // namespace crm::gateway

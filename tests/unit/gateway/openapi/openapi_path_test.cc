#include "gateway/openapi/openapi_path.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/transcoding/route_template.h"
#include "tests/testing/status_matchers.h"

namespace crm::gateway::openapi {
namespace {

using ::crm::testing::IsOk;
using transcoding::RouteTemplate;

RouteTemplate Parsed(const std::string& text) {
  absl::StatusOr<RouteTemplate> parsed = RouteTemplate::Parse(text);
  EXPECT_THAT(parsed.status(), IsOk()) << text;
  return parsed.ok() ? *parsed : RouteTemplate();
}

TEST(OpenApiPathTest, ResourceNameVariableBecomesOneParameterPerWildcard) {
  OpenApiPath path =
      ToOpenApiPath(Parsed("/v1/{name=customers/*/orders/*}:refund"),
                    {"customers/{customer}/orders/{order}"});
  EXPECT_EQ(path.path, "/v1/customers/{customer}/orders/{order}:refund");
  ASSERT_EQ(path.parameters.size(), 2u);
  EXPECT_EQ(path.parameters[0].name, "customer");
  EXPECT_EQ(path.parameters[1].name, "order");
  for (const OpenApiPathParameter& parameter : path.parameters) {
    EXPECT_EQ(parameter.field_path, "name");
    EXPECT_EQ(parameter.field_pattern, "customers/{customer}/orders/{order}");
    EXPECT_FALSE(parameter.multi_segment);
  }
}

TEST(OpenApiPathTest, VariableWithoutPatternIsNamedAfterItsField) {
  OpenApiPath path = ToOpenApiPath(Parsed("/v1/{book.name}"), {});
  EXPECT_EQ(path.path, "/v1/{name}");
  ASSERT_EQ(path.parameters.size(), 1u);
  EXPECT_EQ(path.parameters[0].field_path, "book.name");
}

TEST(OpenApiPathTest, WildcardsTakeResourcePatternNames) {
  OpenApiPath path =
      ToOpenApiPath(Parsed("/v1/{parent=stores/*}/orders"),
                    {"customers/{customer}", "stores/{store_id}"});
  EXPECT_EQ(path.path, "/v1/stores/{store_id}/orders");
  ASSERT_EQ(path.parameters.size(), 1u);
  EXPECT_EQ(path.parameters[0].field_path, "parent");
  EXPECT_EQ(path.parameters[0].field_pattern, "stores/{store_id}");
}

TEST(OpenApiPathTest, WildcardsWithoutPatternAreNamedAfterTheirCollection) {
  OpenApiPath path = ToOpenApiPath(
      Parsed("/v1/{name=categories/*/items/*}/{other=items/*}:compare"), {});
  EXPECT_EQ(path.path,
            "/v1/categories/{category}/items/{item}/items/{item2}:compare");
  ASSERT_EQ(path.parameters.size(), 3u);
  EXPECT_EQ(path.parameters[2].field_path, "other");
}

TEST(OpenApiPathTest, WildcardOutsideVariablesBindsNoField) {
  OpenApiPath path = ToOpenApiPath(Parsed("/v1/books/*:count"), {});
  EXPECT_EQ(path.path, "/v1/books/{book}:count");
  ASSERT_EQ(path.parameters.size(), 1u);
  EXPECT_TRUE(path.parameters[0].field_path.empty());
}

TEST(OpenApiPathTest, DoubleWildcardIsMarkedMultiSegment) {
  OpenApiPath path = ToOpenApiPath(Parsed("/v1/{name=files/**}"), {});
  EXPECT_EQ(path.path, "/v1/files/{file}");
  ASSERT_EQ(path.parameters.size(), 1u);
  EXPECT_TRUE(path.parameters[0].multi_segment);
}

}  // namespace
}  // namespace crm::gateway::openapi

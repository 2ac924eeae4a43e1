#include "gateway/openapi/path_template.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/testing/status_matchers.h"

namespace crm::gateway::openapi {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;

TEST(PathTemplateTest, ParsesVariablesLiteralsAndVerb) {
  absl::StatusOr<PathTemplate> parsed =
      ParsePathTemplate("/v1/{name=customers/*/orders/*}:refund");
  ASSERT_THAT(parsed.status(), IsOk());
  ASSERT_EQ(parsed->segments.size(), 2u);
  EXPECT_EQ(parsed->segments[0].literal, "v1");
  EXPECT_EQ(parsed->segments[1].variable, 0);
  ASSERT_EQ(parsed->variables.size(), 1u);
  EXPECT_EQ(parsed->variables[0].field_path, "name");
  EXPECT_EQ(parsed->variables[0].segments,
            (std::vector<std::string>{"customers", "*", "orders", "*"}));
  EXPECT_EQ(parsed->verb, "refund");
}

TEST(PathTemplateTest, VariableWithoutPatternIsOneSegment) {
  absl::StatusOr<PathTemplate> parsed = ParsePathTemplate("/v1/{book.name}");
  ASSERT_THAT(parsed.status(), IsOk());
  EXPECT_EQ(parsed->variables[0].field_path, "book.name");
  EXPECT_EQ(parsed->variables[0].segments, (std::vector<std::string>{"*"}));
  OpenApiPath path = ToOpenApiPath(*parsed, {});
  EXPECT_EQ(path.path, "/v1/{name}");
  ASSERT_EQ(path.parameters.size(), 1u);
  EXPECT_EQ(path.parameters[0].field_path, "book.name");
}

TEST(PathTemplateTest, RejectsMalformedTemplates) {
  for (const char* text :
       {"v1/customers", "/v1/{name=customers/*", "/v1/{name=cust{omers}",
        "/v1/{na-me}", "/v1//customers", "/v1/customers:", "/v1/{=x}"}) {
    EXPECT_THAT(ParsePathTemplate(text).status(),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << text;
  }
}

TEST(PathTemplateTest, WildcardsTakeResourcePatternNames) {
  absl::StatusOr<PathTemplate> parsed =
      ParsePathTemplate("/v1/{parent=stores/*}/orders");
  ASSERT_THAT(parsed.status(), IsOk());
  OpenApiPath path =
      ToOpenApiPath(*parsed, {"customers/{customer}", "stores/{store_id}"});
  EXPECT_EQ(path.path, "/v1/stores/{store_id}/orders");
  ASSERT_EQ(path.parameters.size(), 1u);
  EXPECT_EQ(path.parameters[0].field_path, "parent");
  EXPECT_EQ(path.parameters[0].field_pattern, "stores/{store_id}");
}

TEST(PathTemplateTest, WildcardsWithoutPatternAreNamedAfterTheirCollection) {
  absl::StatusOr<PathTemplate> parsed = ParsePathTemplate(
      "/v1/{name=categories/*/items/*}/{other=items/*}:compare");
  ASSERT_THAT(parsed.status(), IsOk());
  OpenApiPath path = ToOpenApiPath(*parsed, {});
  EXPECT_EQ(path.path,
            "/v1/categories/{category}/items/{item}/items/{item2}:compare");
  ASSERT_EQ(path.parameters.size(), 3u);
  EXPECT_EQ(path.parameters[2].field_path, "other");
}

TEST(PathTemplateTest, DoubleWildcardIsMarkedMultiSegment) {
  absl::StatusOr<PathTemplate> parsed =
      ParsePathTemplate("/v1/{name=files/**}");
  ASSERT_THAT(parsed.status(), IsOk());
  OpenApiPath path = ToOpenApiPath(*parsed, {});
  EXPECT_EQ(path.path, "/v1/files/{file}");
  EXPECT_TRUE(path.parameters[0].multi_segment);
}

}  // namespace
}  // namespace crm::gateway::openapi

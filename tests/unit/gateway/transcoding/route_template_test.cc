#include "gateway/transcoding/route_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/testing/status_matchers.h"

namespace crm::gateway::transcoding {
namespace {

using ::testing::ElementsAre;

RouteTemplate Parsed(const std::string& text) {
  absl::StatusOr<RouteTemplate> parsed = RouteTemplate::Parse(text);
  EXPECT_THAT(parsed, crm::testing::IsOk()) << text;
  return parsed.ok() ? *parsed : RouteTemplate();
}

TEST(RouteTemplateTest, MatchesAResourceNameVariable) {
  RouteTemplate get = Parsed("/v1/{name=customers/*}");
  std::vector<std::string> values;
  ASSERT_TRUE(get.Match("/v1/customers/c1", &values));
  EXPECT_THAT(values, ElementsAre("customers/c1"));
  EXPECT_EQ(get.variables()[0].field_path, "name");
  EXPECT_FALSE(get.Match("/v1/customers", &values));
  EXPECT_FALSE(get.Match("/v1/customers/", &values));
  EXPECT_FALSE(get.Match("/v1/customers/c1/orders", &values));
  EXPECT_FALSE(get.Match("/v1/accounts/c1", &values));
  // Without a verb, the last wildcard never swallows one.
  EXPECT_FALSE(get.Match("/v1/customers/c1:export", &values));
}

TEST(RouteTemplateTest, MatchesNestedFieldsCollectionsAndVerbs) {
  std::vector<std::string> values;
  RouteTemplate patch = Parsed("/v1/{customer.name=customers/*}");
  ASSERT_TRUE(patch.Match("/v1/customers/c9", &values));
  EXPECT_EQ(patch.variables()[0].field_path, "customer.name");
  EXPECT_THAT(values, ElementsAre("customers/c9"));

  RouteTemplate list = Parsed("/v1/{parent=customers/*}/orders");
  ASSERT_TRUE(list.Match("/v1/customers/c1/orders", &values));
  EXPECT_THAT(values, ElementsAre("customers/c1"));

  RouteTemplate refund = Parsed("/v1/{name=customers/*/orders/*}:refund");
  ASSERT_TRUE(refund.Match("/v1/customers/c1/orders/o9:refund", &values));
  EXPECT_THAT(values, ElementsAre("customers/c1/orders/o9"));
  EXPECT_FALSE(refund.Match("/v1/customers/c1/orders/o9", &values));
  EXPECT_FALSE(refund.Match("/v1/customers/c1/orders/o9:erase", &values));
  EXPECT_EQ(refund.verb(), "refund");

  RouteTemplate merge = Parsed("/v1/customers:merge");
  EXPECT_TRUE(merge.Match("/v1/customers:merge", &values));
  EXPECT_TRUE(values.empty());
  EXPECT_FALSE(merge.Match("/v1/customers", &values));
}

TEST(RouteTemplateTest, PlainVariablesWildcardsAndDoubleWildcards) {
  std::vector<std::string> values;
  RouteTemplate two = Parsed("/v1/shelves/{shelf}/books/{book.id}");
  ASSERT_TRUE(two.Match("/v1/shelves/s1/books/b2", &values));
  EXPECT_THAT(values, ElementsAre("s1", "b2"));

  RouteTemplate rest = Parsed("/v1/{name=files/**}");
  ASSERT_TRUE(rest.Match("/v1/files/a/b/c", &values));
  EXPECT_THAT(values, ElementsAre("files/a/b/c"));
  EXPECT_FALSE(rest.Match("/v1/files", &values));
  EXPECT_FALSE(rest.Match("/v1/files/a//c", &values));

  RouteTemplate anonymous = Parsed("/v1/*/x");
  EXPECT_TRUE(anonymous.Match("/v1/any/x", &values));
  EXPECT_TRUE(values.empty());
}

TEST(RouteTemplateTest, RejectsMalformedTemplates) {
  for (const char* bad :
       {"v1/customers", "/v1/{name=customers/*", "/v1/{=x}", "/v1/{a.}",
        "/v1/{name}x", "/v1/**/x", "/v1/customers:", "/v1/{a}/{a}",
        "/v1/{a={b}}", "/v1//x", "/v1/{name=cust{omers}", "/v1/{na-me}"}) {
    EXPECT_THAT(RouteTemplate::Parse(bad),
                crm::testing::StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
}

TEST(RouteTemplateTest, ListsSegmentsWithVariablesExpanded) {
  RouteTemplate refund = Parsed("/v1/{name=customers/*/orders/*}:refund");
  using Kind = RouteTemplate::Kind;
  const std::vector<RouteTemplate::Segment>& segments = refund.segments();
  ASSERT_EQ(segments.size(), 5u);
  EXPECT_EQ(segments[0].kind, Kind::kLiteral);
  EXPECT_EQ(segments[0].literal, "v1");
  EXPECT_EQ(segments[0].variable, -1);
  EXPECT_EQ(segments[1].literal, "customers");
  EXPECT_EQ(segments[1].variable, 0);
  EXPECT_EQ(segments[2].kind, Kind::kOne);
  EXPECT_EQ(segments[4].kind, Kind::kOne);
  EXPECT_EQ(segments[4].variable, 0);
  ASSERT_EQ(refund.variables().size(), 1u);
  EXPECT_EQ(refund.variables()[0].first_segment, 1);
  EXPECT_EQ(refund.variables()[0].end_segment, 5);
  EXPECT_EQ(refund.verb(), "refund");

  RouteTemplate files = Parsed("/v1/{book.name}/{path=files/**}");
  ASSERT_EQ(files.segments().size(), 4u);
  EXPECT_EQ(files.segments()[1].kind, Kind::kOne);
  EXPECT_EQ(files.variables()[0].field_path, "book.name");
  EXPECT_EQ(files.segments()[3].kind, Kind::kRest);
  EXPECT_EQ(files.segments()[3].variable, 1);
}

TEST(RouteTemplateTest, LabelsNameEachWildcardAfterItsCollection) {
  EXPECT_EQ(Parsed("/v1/{name=customers/*}").label(),
            "/v1/customers/{customer}");
  EXPECT_EQ(Parsed("/v1/{name=customers/*/orders/*}:refund").label(),
            "/v1/customers/{customer}/orders/{order}:refund");
  EXPECT_EQ(Parsed("/v1/customers:merge").label(), "/v1/customers:merge");
  EXPECT_EQ(Parsed("/v1/{shelf}").label(), "/v1/{shelf}");
}

TEST(RouteTemplateTest, OverlapsWhenSomePathMatchesBoth) {
  EXPECT_TRUE(
      Parsed("/v1/{name=customers/*}").Overlaps(Parsed("/v1/customers/{id}")));
  EXPECT_TRUE(Parsed("/v1/{name=customers/*}")
                  .Overlaps(Parsed("/v1/customers/special")));
  EXPECT_TRUE(Parsed("/v1/{name=files/**}").Overlaps(Parsed("/v1/files/a/b")));
  EXPECT_FALSE(Parsed("/v1/{name=customers/*}")
                   .Overlaps(Parsed("/v1/{name=customers/*}:export")));
  EXPECT_FALSE(Parsed("/v1/{name=customers/*}")
                   .Overlaps(Parsed("/v1/{name=accounts/*}")));
  EXPECT_FALSE(Parsed("/v1/customers").Overlaps(Parsed("/v1/customers/x")));
}

}  // namespace
}  // namespace crm::gateway::transcoding

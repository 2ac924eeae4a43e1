#include "gateway/router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace crm::gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

RouteHandler Named(std::string name) {
  return [name](const RouteRequest&) {
    common::HttpResponse response;
    response.body = name;
    return response;
  };
}

std::string Invoke(const Router::Match& match) {
  common::HttpRequest request;
  common::RequestTrace trace;
  RouteRequest route_request{request, match.vars, trace};
  return match.route->handler(route_request).body;
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.Add("POST", "/v1/customers", Named("create"));
    router_.Add("GET", "/v1/customers", Named("list"));
    router_.Add("GET", "/v1/customers/{customer}", Named("get"));
    router_.Add("GET", "/v1/customers/{customer}:view", Named("view"));
    router_.Add("POST", "/v1/accounts/{customer}:adjustPoints",
                Named("adjust"));
    router_.Add("GET", "/v1/accounts/{customer}", Named("account"));
    router_.Add("GET", "/v1/a/{x}/b/{y}", Named("two"));
    router_.Add("GET", "/healthz", Named("healthz"));
  }
  Router router_;
};

TEST_F(RouterTest, MatchesLiteralPaths) {
  Router::Match match = router_.Find("GET", "/v1/customers");
  ASSERT_EQ(match.result, Router::Match::kFound);
  EXPECT_EQ(Invoke(match), "list");
  EXPECT_EQ(match.route->pattern, "/v1/customers");
  EXPECT_THAT(match.vars, IsEmpty());

  match = router_.Find("POST", "/v1/customers");
  ASSERT_EQ(match.result, Router::Match::kFound);
  EXPECT_EQ(Invoke(match), "create");
}

TEST_F(RouterTest, BindsVariables) {
  Router::Match match = router_.Find("GET", "/v1/customers/c-123");
  ASSERT_EQ(match.result, Router::Match::kFound);
  EXPECT_EQ(Invoke(match), "get");
  EXPECT_EQ(match.route->pattern, "/v1/customers/{customer}");
  EXPECT_THAT(match.vars, ElementsAre(Pair("customer", "c-123")));

  match = router_.Find("GET", "/v1/a/1/b/2");
  ASSERT_EQ(match.result, Router::Match::kFound);
  EXPECT_THAT(match.vars, UnorderedElementsAre(Pair("x", "1"), Pair("y", "2")));
}

TEST_F(RouterTest, MatchesVerbSuffix) {
  Router::Match match = router_.Find("POST", "/v1/accounts/c-9:adjustPoints");
  ASSERT_EQ(match.result, Router::Match::kFound);
  EXPECT_EQ(Invoke(match), "adjust");
  EXPECT_THAT(match.vars, ElementsAre(Pair("customer", "c-9")));

  match = router_.Find("GET", "/v1/customers/c-1:view");
  ASSERT_EQ(match.result, Router::Match::kFound);
  EXPECT_EQ(Invoke(match), "view");
  EXPECT_THAT(match.vars, ElementsAre(Pair("customer", "c-1")));
}

TEST_F(RouterTest, UnknownVerbIsNotFoundRatherThanAnId) {
  // Without a matching verb route, "c-1:bogus" must not bind as an id.
  EXPECT_EQ(router_.Find("GET", "/v1/customers/c-1:bogus").result,
            Router::Match::kNotFound);
  EXPECT_EQ(router_.Find("POST", "/v1/accounts/c-1:otherVerb").result,
            Router::Match::kNotFound);
}

TEST_F(RouterTest, EmptyVariableDoesNotMatch) {
  EXPECT_EQ(router_.Find("GET", "/v1/customers/").result,
            Router::Match::kNotFound);
  EXPECT_EQ(router_.Find("POST", "/v1/accounts/:adjustPoints").result,
            Router::Match::kNotFound);
  EXPECT_EQ(router_.Find("GET", "/v1/a//b/2").result, Router::Match::kNotFound);
}

TEST_F(RouterTest, VariableNeverSpansSlash) {
  EXPECT_EQ(router_.Find("GET", "/v1/customers/a/b").result,
            Router::Match::kNotFound);
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  EXPECT_EQ(router_.Find("GET", "/v2/customers").result,
            Router::Match::kNotFound);
  EXPECT_EQ(router_.Find("GET", "/").result, Router::Match::kNotFound);
  EXPECT_EQ(router_.Find("GET", "").result, Router::Match::kNotFound);
  EXPECT_EQ(router_.Find("GET", "/healthz/extra").result,
            Router::Match::kNotFound);
}

TEST_F(RouterTest, WrongMethodListsAllowedMethods) {
  Router::Match match = router_.Find("DELETE", "/v1/customers");
  EXPECT_EQ(match.result, Router::Match::kMethodNotAllowed);
  EXPECT_EQ(match.route, nullptr);
  EXPECT_THAT(match.allowed_methods, ElementsAre("GET", "POST"));

  match = router_.Find("GET", "/v1/accounts/c-1:adjustPoints");
  EXPECT_EQ(match.result, Router::Match::kMethodNotAllowed);
  EXPECT_THAT(match.allowed_methods, ElementsAre("POST"));

  match = router_.Find("POST", "/healthz");
  EXPECT_EQ(match.result, Router::Match::kMethodNotAllowed);
  EXPECT_THAT(match.allowed_methods, ElementsAre("GET"));
}

TEST(RouterDeathTest, RejectsMalformedPatterns) {
  Router router;
  EXPECT_DEATH(router.Add("GET", "no-slash", Named("x")), "must start");
  EXPECT_DEATH(router.Add("GET", "/a/{x", Named("x")), "variable");
  EXPECT_DEATH(router.Add("GET", "/a:verb/b", Named("x")), "last segment");
}

}  // namespace
}  // namespace crm::gateway

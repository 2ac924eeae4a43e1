// Authentication and authorisation of the gateway's /v1 routes, over HTTP
// against in-process fake backends (OWASP API Security Top 10: API1
// object-level, API2 authentication, API3 property-level (masking), API5
// function-level authorisation).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "crm/type/v1/error_reason.pb.h"
#include "gateway/auth/api_keys.h"
#include "gateway/auth/customer_token.h"
#include "gateway/transcoding/transcoder.h"
#include "tests/unit/gateway/gateway_fixture.h"

namespace crm::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAgentKey[] = "test-agent-key-0123456789";
constexpr char kAnalystKey[] = "test-analyst-key-012345678";
constexpr char kServiceKey[] = "test-service-key-012345678";

class GatewayAuthTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    // The agent's key as its digest, the others as text.
    ASSERT_TRUE(
        config_.api_keys
            .Add(absl::StrCat(
                "desk agent sha256:", auth::HexOf(auth::Sha256(kAgentKey)),
                "\n", "bi analyst ", kAnalystKey, "\n", "etl service ",
                kServiceKey,
                " crm.customerprofile.v1.CustomerProfileService."
                "RecordOrder"))
            .ok());
  }

  TestHttpResponse CallWith(const std::string& key, const std::string& method,
                            const std::string& target,
                            const std::string& body = "") {
    send_admin_key_ = false;
    TestHttpResponse response =
        Call(method, target, body, {{"X-API-Key", key}});
    send_admin_key_ = true;
    return response;
  }

  TestHttpResponse CallWithout(const std::string& method,
                               const std::string& target,
                               const Headers& headers = {}) {
    send_admin_key_ = false;
    TestHttpResponse response = Call(method, target, "", headers);
    send_admin_key_ = true;
    return response;
  }
};

// A concrete path for a route label: every {variable} becomes "x1".
std::string ConcretePath(const std::string& label) {
  std::string path;
  bool in_variable = false;
  for (char c : label) {
    if (c == '{') {
      in_variable = true;
      path += "x1";
    } else if (c == '}') {
      in_variable = false;
    } else if (!in_variable) {
      path += c;
    }
  }
  return path;
}

TEST_F(GatewayAuthTest, EveryV1RouteAnswers401WithoutCredentials) {
  BackendClients clients{config_};
  auto transcoder = transcoding::Transcoder::Create(
      transcoding::CrmServiceBindings(clients), clients);
  ASSERT_TRUE(transcoder.ok());
  std::vector<std::pair<std::string, std::string>> routes = {
      {"POST", "/v1/customers:import"},
      {"GET", "/v1/customers/x1:view"},
      {"GET", "/v1/customers/x1:export"},
      {"GET", "/v1/customers/x1/coupons"},
      {"GET", "/v1/customers/x1/surveyResponses"},
      {"GET", "/v1/whoami"},
      {"GET", "/v1/me/coupons"},
      {"GET", "/v1/me/surveyResponses"},
      {"GET", "/v1/me/referralCode"},
      {"GET", "/v1/no-such-route"}};
  for (const auto& route : (*transcoder)->routes()) {
    routes.emplace_back(route->http_method, ConcretePath(route->path.label()));
  }
  ASSERT_GT(routes.size(), 40u);
  for (const auto& [method, path] : routes) {
    TestHttpResponse response = CallWithout(method, path);
    EXPECT_EQ(response.status, 401) << method << " " << path;
    EXPECT_EQ(ParseError(response.body).status, "UNAUTHENTICATED")
        << method << " " << path;
    EXPECT_THAT(response.Header("www-authenticate"), HasSubstr("Bearer"));
    // A wrong key is the same answer.
    EXPECT_EQ(CallWith("wrong-key-0123456789", method, path).status, 401)
        << method << " " << path;
  }
  EXPECT_EQ(customers_.last_method(), "");  // No backend was called.
}

TEST_F(GatewayAuthTest, OperationalRoutesStayOpen) {
  for (const char* path : {"/healthz", "/metrics", "/openapi.json"}) {
    EXPECT_EQ(CallWithout("GET", path).status, 200) << path;
  }
  EXPECT_NE(CallWithout("GET", "/readyz").status, 401);
}

TEST_F(GatewayAuthTest, AKeyIsNeverLoggedItsIdIs) {
  CreateCustomer("Mei");
  EXPECT_THAT(log_.str(), HasSubstr("\"caller\":\"key:test-admin\""));
  CallWith(kAnalystKey, "GET", "/v1/customers/c1");
  CallWith("wrong-key-0123456789", "GET", "/v1/customers/c1");
  EXPECT_THAT(log_.str(), HasSubstr("\"caller\":\"key:bi\""));
  EXPECT_THAT(log_.str(), Not(HasSubstr(kAdminKey)));
  EXPECT_THAT(log_.str(), Not(HasSubstr(kAnalystKey)));
  EXPECT_THAT(log_.str(), Not(HasSubstr("wrong-key-0123456789")));
}

TEST_F(GatewayAuthTest, AnalystSeesCustomersMaskedAndCannotErase) {
  TestHttpResponse created =
      Call("POST", "/v1/customers",
           R"({"givenName":"Mei","email":"mei@example.com",)"
           R"("address":{"countryCode":"CN","addressLine":"1 Road"}})");
  ASSERT_EQ(created.status, 200) << created.body;
  TestHttpResponse seen = CallWith(kAnalystKey, "GET", "/v1/customers/c1");
  ASSERT_EQ(seen.status, 200) << seen.body;
  cp::Customer customer = FromJson<cp::Customer>(seen.body);
  EXPECT_EQ(customer.name(), "customers/c1");
  EXPECT_EQ(customer.given_name(), "***");
  EXPECT_EQ(customer.email(), "***");
  EXPECT_EQ(customer.address().address_line(), "***");
  EXPECT_EQ(customer.address().country_code(), "CN");
  EXPECT_THAT(seen.body, Not(HasSubstr("mei@example.com")));
  TestHttpResponse listed = CallWith(kAnalystKey, "GET", "/v1/customers");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_THAT(listed.body, Not(HasSubstr("mei@example.com")));
  // The admin sees the data.
  EXPECT_THAT(Call("GET", "/v1/customers/c1").body,
              HasSubstr("mei@example.com"));

  // Nor can a filter tell whether an email or phone exists.
  for (const char* filter :
       {"email%20%3D%20%22mei%40example.com%22", "phone=%22%2B8613800000000%22",
        "external_identity%20%3D%20%22wechat%3Ax%22", "(EMAIL=%22x%22)"}) {
    TestHttpResponse probe = CallWith(
        kAnalystKey, "GET", absl::StrCat("/v1/customers?filter=", filter));
    EXPECT_EQ(probe.status, 403) << filter << " " << probe.body;
  }
  EXPECT_EQ(CallWith(kAnalystKey, "GET",
                     "/v1/customers?filter=country_code%20%3D%20%22CN%22")
                .status,
            200);
  EXPECT_EQ(
      Call("GET", "/v1/customers?filter=email%20%3D%20%22x%40y.z%22").status,
      200);

  TestHttpResponse erase =
      CallWith(kAnalystKey, "POST", "/v1/customers/c1:erase");
  EXPECT_EQ(erase.status, 403) << erase.body;
  EXPECT_EQ(ParseError(erase.body).status, "PERMISSION_DENIED");
  EXPECT_NE(customers_.last_method(), "EraseCustomer");  // Not erased.
}

TEST_F(GatewayAuthTest, AgentWritesCustomersButNotBalancesOrErasure) {
  TestHttpResponse created =
      CallWith(kAgentKey, "POST", "/v1/customers", R"({"givenName":"Mei"})");
  EXPECT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(CallWith(kAgentKey, "POST", "/v1/customers/c1:erase").status, 403);
  TestHttpResponse adjust =
      CallWith(kAgentKey, "POST", "/v1/accounts/c1:adjustPoints",
               R"({"pointsDelta":"1000000","reason":"x","requestId":"r1"})");
  EXPECT_EQ(adjust.status, 403) << adjust.body;
  EXPECT_EQ(CallWith(kAgentKey, "PATCH", "/v1/programs/p1", "{}").status, 403);
  EXPECT_EQ(CallWith(kAgentKey, "GET", "/v1/changeEvents:watch").status, 403);
  // The admin may erase.
  EXPECT_EQ(Call("POST", "/v1/customers/c1:erase").status, 200);
}

TEST_F(GatewayAuthTest, ServiceKeysCallOnlyTheirMethods) {
  TestHttpResponse order =
      CallWith(kServiceKey, "POST", "/v1/customers/c1/orders",
               R"({"channel":"web","channelOrderId":"o1"})");
  EXPECT_NE(order.status, 401);
  EXPECT_NE(order.status, 403) << order.body;
  EXPECT_EQ(CallWith(kServiceKey, "GET", "/v1/customers/c1").status, 403);
  EXPECT_EQ(CallWith(kServiceKey, "POST", "/v1/customers:import").status, 403);
}

// --- Customer tokens (OWASP API1 object-level, API2 authentication) -------

constexpr char kTokenSecret[] = "unit-test-customer-token-secret-0123456789";

class CustomerTokenGatewayTest : public GatewayAuthTest {
 protected:
  void SetUp() override {
    GatewayAuthTest::SetUp();
    auth::CustomerTokenOptions tokens;
    tokens.secret = kTokenSecret;
    tokens.issuer = "crm-login";
    tokens.audience = "crm-gateway";
    config_.customer_tokens = tokens;
  }

  static std::string Token(
      const std::string& subject, int64_t expires_in = 300,
      const std::string& audience = "crm-gateway",
      const std::string& header = R"({"alg":"HS256","typ":"JWT"})") {
    return auth::SignCustomerToken(
        absl::StrCat(R"({"iss":"crm-login","aud":")", audience, R"(","sub":")",
                     subject, R"(","exp":)",
                     absl::ToUnixSeconds(absl::Now()) + expires_in, "}"),
        kTokenSecret, header);
  }

  TestHttpResponse CallAsCustomer(const std::string& token,
                                  const std::string& method,
                                  const std::string& target,
                                  const std::string& body = "") {
    send_admin_key_ = false;
    TestHttpResponse response =
        Call(method, target, body, {{"Authorization", "Bearer " + token}});
    send_admin_key_ = true;
    return response;
  }
};

TEST_F(CustomerTokenGatewayTest, ACustomerReadsTheirOwnProfileAndOrders) {
  CreateCustomer("Mei");  // customers/c1
  const std::string token = Token("customers/c1");
  TestHttpResponse me = CallAsCustomer(token, "GET", "/v1/me");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(FromJson<cp::Customer>(me.body).name(), "customers/c1");
  TestHttpResponse direct = CallAsCustomer(token, "GET", "/v1/customers/c1");
  EXPECT_EQ(direct.status, 200) << direct.body;
  TestHttpResponse orders = CallAsCustomer(token, "GET", "/v1/me/orders");
  ASSERT_EQ(orders.status, 200) << orders.body;
  EXPECT_EQ(customers_.last_request<cp::ListOrdersRequest>().parent(),
            "customers/c1");
  TestHttpResponse account = CallAsCustomer(token, "GET", "/v1/me/account");
  EXPECT_NE(account.status, 401);
  EXPECT_NE(account.status, 403);
  EXPECT_EQ(loyalty_.last_method(), "GetAccount");
  TestHttpResponse referral_code =
      CallAsCustomer(token, "GET", "/v1/me/referralCode");
  ASSERT_EQ(referral_code.status, 200) << referral_code.body;
  EXPECT_EQ(loyalty_.last_referral_code_name(), "customers/c1/referralCode");
  EXPECT_THAT(referral_code.body, HasSubstr("REFERRALCODE"));
  // The access log names the caller's kind, never the customer.
  EXPECT_THAT(log_.str(), HasSubstr("\"caller\":\"customer\""));
  EXPECT_THAT(log_.str(), HasSubstr("\"route\":\"/v1/me/orders\""));
}

TEST_F(CustomerTokenGatewayTest, ACustomerReachesNothingOfAnotherCustomer) {
  CreateCustomer("Mei");   // customers/c1
  CreateCustomer("Wang");  // customers/c2
  const std::string token = Token("customers/c1");
  for (const char* target :
       {"/v1/customers/c2", "/v1/customers/c2/orders", "/v1/accounts/c2",
        "/v1/accounts/c2/ledgerEntries", "/v1/customers/c2:export"}) {
    TestHttpResponse response = CallAsCustomer(token, "GET", target);
    EXPECT_EQ(response.status, 404) << target << " " << response.body;
    EXPECT_THAT(response.body, Not(HasSubstr("Wang"))) << target;
  }
  EXPECT_EQ(customers_.last_method(), "CreateCustomer");  // Nothing called.
  // Another id through the alias's query string does not replace it.
  TestHttpResponse smuggled =
      CallAsCustomer(token, "GET", "/v1/me?name=customers/c2");
  EXPECT_NE(smuggled.status, 200) << smuggled.body;
  EXPECT_THAT(smuggled.body, Not(HasSubstr("Wang")));
  EXPECT_EQ(CallAsCustomer(token, "GET", "/v1/me/../customers/c2").status, 404);
  EXPECT_EQ(CallAsCustomer(token, "GET", "/v1/me/nothing").status, 404);
}

TEST_F(CustomerTokenGatewayTest, ACustomerCannotCallStaffRoutes) {
  CreateCustomer("Mei");
  const std::string token = Token("customers/c1");
  struct Case {
    const char* method;
    const char* target;
    const char* body;
  };
  for (const Case& c : std::vector<Case>{
           {"GET", "/v1/customers", ""},
           {"POST", "/v1/customers", R"({"givenName":"X"})"},
           {"POST", "/v1/customers/c1:erase", ""},
           {"PATCH", "/v1/customers/c1", R"({"givenName":"X"})"},
           {"POST", "/v1/accounts/c1:adjustPoints",
            R"({"pointsDelta":"100","reason":"x","requestId":"r"})"},
           {"GET", "/v1/changeEvents:watch", ""},
           {"GET", "/v1/segments", ""}}) {
    TestHttpResponse response =
        CallAsCustomer(token, c.method, c.target, c.body);
    EXPECT_EQ(response.status, 403) << c.method << " " << c.target;
  }
  // And staff keys have no /v1/me.
  EXPECT_EQ(Call("GET", "/v1/me").status, 403);
}

TEST_F(CustomerTokenGatewayTest, BrokenTokensAre401) {
  CreateCustomer("Mei");
  const std::string good = Token("customers/c1");
  const std::string payload = absl::StrCat(
      R"({"iss":"crm-login","aud":"crm-gateway","sub":"customers/c1","exp":)",
      absl::ToUnixSeconds(absl::Now()) + 300, "}");
  std::string tampered = good;
  tampered[tampered.size() - 2] =
      tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
  struct Case {
    std::string label;
    std::string token;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {"alg none",
            absl::StrCat(absl::WebSafeBase64Escape(R"({"alg":"none"})"), ".",
                         absl::WebSafeBase64Escape(payload), "."),
            "CREDENTIALS_INVALID"},
           {"HS512 header",
            Token("customers/c1", 300, "crm-gateway", R"({"alg":"HS512"})"),
            "CREDENTIALS_INVALID"},
           {"expired", Token("customers/c1", -3600), "CREDENTIALS_EXPIRED"},
           {"wrong audience", Token("customers/c1", 300, "other-api"),
            "CREDENTIALS_INVALID"},
           {"tampered signature", tampered, "CREDENTIALS_INVALID"},
           {"other secret",
            auth::SignCustomerToken(payload,
                                    "another-secret-0123456789abcdef-xyz"),
            "CREDENTIALS_INVALID"},
           {"garbage", "abc", "CREDENTIALS_INVALID"}}) {
    TestHttpResponse response = CallAsCustomer(c.token, "GET", "/v1/me");
    EXPECT_EQ(response.status, 401) << c.label << " " << response.body;
    ErrorBody error = ParseError(response.body);
    EXPECT_EQ(error.status, "UNAUTHENTICATED") << c.label;
    if (crm::type::v1::ErrorReason_IsValid(36)) {
      EXPECT_EQ(error.reason, c.reason) << c.label;
    }
  }
  EXPECT_EQ(CallAsCustomer(good, "GET", "/v1/me").status, 200);
}

// --- The customer's own lists: the gateway's filter, never the caller's --

class CustomerListsGatewayTest : public CustomerTokenGatewayTest {
 protected:
  void SetUp() override {
    CustomerTokenGatewayTest::SetUp();
    for (const char* customer : {"c1", "c2"}) {
      namespace loy = ::crm::loyalty::v1;
      namespace fb = ::crm::feedback::v1;
      loy::Coupon coupon;
      coupon.set_name(absl::StrCat("coupons/of-", customer));
      coupon.set_customer(absl::StrCat("customers/", customer));
      loyalty_.AddCoupon(coupon);
      fb::SurveyResponse response;
      response.set_name(absl::StrCat("surveys/s1/responses/of-", customer));
      response.set_customer(absl::StrCat("customers/", customer));
      fb::SurveyAnswer* answer = response.add_answers();
      answer->set_question_id("q1");
      answer->set_text(absl::StrCat("free text by ", customer));
      feedback_.AddSurveyResponse(response);
    }
  }
};

TEST_F(CustomerListsGatewayTest, ACustomerListsTheirOwnCouponsAndResponses) {
  const std::string token = Token("customers/c1");
  TestHttpResponse coupons = CallAsCustomer(token, "GET", "/v1/me/coupons");
  ASSERT_EQ(coupons.status, 200) << coupons.body;
  EXPECT_THAT(coupons.body, HasSubstr("coupons/of-c1"));
  EXPECT_THAT(coupons.body, Not(HasSubstr("of-c2")));
  ASSERT_EQ(loyalty_.coupon_lists().size(), 1u);
  EXPECT_EQ(loyalty_.coupon_lists().back().filter(),
            "customer = \"customers/c1\"");
  TestHttpResponse responses =
      CallAsCustomer(token, "GET", "/v1/me/surveyResponses?pageSize=5");
  ASSERT_EQ(responses.status, 200) << responses.body;
  EXPECT_THAT(responses.body, HasSubstr("surveys/s1/responses/of-c1"));
  EXPECT_THAT(responses.body, HasSubstr("free text by c1"));
  EXPECT_THAT(responses.body, Not(HasSubstr("of-c2")));
  ASSERT_EQ(feedback_.survey_response_lists().size(), 1u);
  const auto asked = feedback_.survey_response_lists().back();
  EXPECT_EQ(asked.parent(), "surveys/-");
  EXPECT_EQ(asked.filter(), "customer = \"customers/c1\"");
  EXPECT_EQ(asked.page_size(), 5);
  EXPECT_THAT(log_.str(), HasSubstr("\"route\":\"/v1/me/coupons\""));
}

TEST_F(CustomerListsGatewayTest, ACraftedFilterOrPathReachesNoOtherCustomer) {
  const std::string token = Token("customers/c1");
  // A filter naming customers/c2 (or widening the gateway's) is refused
  // before any backend call: the filter is the gateway's.
  for (const char* target :
       {"/v1/me/coupons?filter=customer%20%3D%20%22customers%2Fc2%22",
        "/v1/me/coupons?filter=state%20%3D%20ISSUED%20OR%20customer%20!%3D%20"
        "%22x%22",
        "/v1/me/surveyResponses?filter=customer%20%3D%20%22customers%2Fc2%22",
        "/v1/me/surveyResponses?parent=surveys%2Fs1",
        "/v1/me/coupons?customer=c2"}) {
    TestHttpResponse response = CallAsCustomer(token, "GET", target);
    EXPECT_EQ(response.status, 400) << target << " " << response.body;
    EXPECT_EQ(ParseError(response.body).reason, "FIELD_INVALID") << target;
    EXPECT_THAT(response.body, Not(HasSubstr("of-c2"))) << target;
  }
  // Another customer's lists through the staff path: 404, as if absent.
  for (const char* target :
       {"/v1/customers/c2/coupons", "/v1/customers/c2/surveyResponses"}) {
    TestHttpResponse response = CallAsCustomer(token, "GET", target);
    EXPECT_EQ(response.status, 404) << target << " " << response.body;
  }
  // The backends' own list methods are staff-only, whatever the filter.
  EXPECT_EQ(CallAsCustomer(token, "GET",
                           "/v1/coupons?filter=customer%20%3D%20%22customers%"
                           "2Fc1%22")
                .status,
            403);
  EXPECT_EQ(CallAsCustomer(token, "GET", "/v1/surveys/-/responses").status,
            403);
  EXPECT_TRUE(loyalty_.coupon_lists().empty());
  EXPECT_TRUE(feedback_.survey_response_lists().empty());
}

TEST_F(CustomerListsGatewayTest, StaffUseTheSameRoutesByRole) {
  TestHttpResponse agent =
      CallWith(kAgentKey, "GET", "/v1/customers/c2/coupons");
  ASSERT_EQ(agent.status, 200) << agent.body;
  EXPECT_THAT(agent.body, HasSubstr("coupons/of-c2"));
  EXPECT_THAT(agent.body, Not(HasSubstr("of-c1")));
  // Coupons are not the analyst's; survey responses are, free text masked.
  EXPECT_EQ(CallWith(kAnalystKey, "GET", "/v1/customers/c2/coupons").status,
            403);
  TestHttpResponse analyst =
      CallWith(kAnalystKey, "GET", "/v1/customers/c2/surveyResponses");
  ASSERT_EQ(analyst.status, 200) << analyst.body;
  EXPECT_THAT(analyst.body, HasSubstr("of-c2"));
  EXPECT_THAT(analyst.body, Not(HasSubstr("free text by c2")));
  EXPECT_THAT(analyst.body, HasSubstr(R"("text":"***")"));
  // Staff keys have no /v1/me.
  EXPECT_EQ(CallWith(kAgentKey, "GET", "/v1/me/coupons").status, 403);
}

// --- GET /v1/whoami ------------------------------------------------------

TEST_F(CustomerTokenGatewayTest, WhoAmITellsEachCallerAboutItself) {
  struct Case {
    std::string label;
    Headers headers;
    std::string role;
    std::string key_id;
  };
  for (const Case& c : std::vector<Case>{
           {"admin", {{"X-API-Key", kAdminKey}}, "admin", "test-admin"},
           {"agent", {{"X-API-Key", kAgentKey}}, "agent", "desk"},
           {"analyst", {{"X-API-Key", kAnalystKey}}, "analyst", "bi"},
           // Its scope does not name WhoAmI: every caller may ask.
           {"service", {{"X-API-Key", kServiceKey}}, "service", "etl"},
           {"customer",
            {{"Authorization", "Bearer " + Token("customers/c7")}},
            "customer",
            ""}}) {
    TestHttpResponse response = CallWithout("GET", "/v1/whoami", c.headers);
    ASSERT_EQ(response.status, 200) << c.label << " " << response.body;
    google::protobuf::Struct who =
        FromJson<google::protobuf::Struct>(response.body);
    const auto& fields = who.fields();
    EXPECT_EQ(fields.at("role").string_value(), c.role) << c.label;
    EXPECT_EQ(fields.at("keyId").string_value(), c.key_id) << c.label;
    EXPECT_EQ(fields.count("customer"), c.role == "customer" ? 1u : 0u)
        << c.label;
    EXPECT_EQ(fields.count("scopes"), c.role == "service" ? 1u : 0u) << c.label;
    // Never a key, a digest or the token.
    for (const char* secret :
         {kAdminKey, kAgentKey, kAnalystKey, kServiceKey}) {
      EXPECT_THAT(response.body, Not(HasSubstr(secret))) << c.label;
    }
    EXPECT_THAT(response.body,
                Not(HasSubstr(auth::HexOf(auth::Sha256(kAgentKey)))));
    EXPECT_THAT(response.body, Not(HasSubstr("Bearer")));
  }
  google::protobuf::Struct service = FromJson<google::protobuf::Struct>(
      CallWithout("GET", "/v1/whoami", {{"X-API-Key", kServiceKey}}).body);
  ASSERT_EQ(service.fields().at("scopes").list_value().values_size(), 1);
  EXPECT_EQ(service.fields().at("scopes").list_value().values(0).string_value(),
            "crm.customerprofile.v1.CustomerProfileService.RecordOrder");
  google::protobuf::Struct customer = FromJson<google::protobuf::Struct>(
      CallAsCustomer(Token("customers/c7"), "GET", "/v1/whoami").body);
  EXPECT_EQ(customer.fields().at("customer").string_value(), "customers/c7");

  // Without (or with wrong) credentials: 401 like every /v1 route.
  EXPECT_EQ(CallWithout("GET", "/v1/whoami").status, 401);
  EXPECT_EQ(CallWith("wrong-key-0123456789", "GET", "/v1/whoami").status, 401);
  EXPECT_EQ(
      CallAsCustomer(Token("customers/c7", -3600), "GET", "/v1/whoami").status,
      401);
  EXPECT_EQ(Call("GET", "/v1/whoami?role=admin").status, 400);
  // any_caller opens WhoAmI only.
  EXPECT_EQ(CallWith(kServiceKey, "GET", "/v1/customers/c1").status, 403);
}

// --- Limits (OWASP API4 unrestricted resource consumption) --------------

TEST_F(GatewayAuthTest, RateLimitPerKeyAnswers429WithRetryAfter) {
  config_.rate_limit_per_key = 0.01;  // One token per 100 s after the burst.
  config_.rate_limit_key_burst = 3;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Call("GET", "/v1/customers").status, 200) << i;
  }
  TestHttpResponse limited = Call("GET", "/v1/customers");
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(ParseError(limited.body).status, "RESOURCE_EXHAUSTED");
  int retry_after = 0;
  ASSERT_TRUE(absl::SimpleAtoi(limited.Header("retry-after"), &retry_after))
      << limited.Header("retry-after");
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 100);
  // Another key has its own bucket; open routes are not limited.
  EXPECT_EQ(CallWith(kAgentKey, "GET", "/v1/customers").status, 200);
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  EXPECT_THAT(metrics_.Render(),
              HasSubstr("crm_http_rate_limited_total{scope=\"caller\"} 1"));
}

TEST_F(GatewayAuthTest, RateLimitPerAddressAlsoStopsKeyGuessing) {
  config_.rate_limit_per_address = 0.01;
  config_.rate_limit_address_burst = 5;
  int unauthorized = 0;
  int limited = 0;
  for (int i = 0; i < 10; ++i) {
    int status = CallWith(absl::StrCat("guess-", i, "-0123456789abcdef"), "GET",
                          "/v1/customers")
                     .status;
    if (status == 401) ++unauthorized;
    if (status == 429) ++limited;
  }
  EXPECT_EQ(unauthorized, 5);
  EXPECT_EQ(limited, 5);
  // The right key from the same address is limited too, until it refills.
  EXPECT_EQ(Call("GET", "/v1/customers").status, 429);
}

TEST_F(GatewayAuthTest, BodyLimitsArePerRoute) {
  config_.max_body_bytes = 1024;
  config_.max_batch_body_bytes = 64 << 10;
  const std::string big_name(4096, 'x');
  TestHttpResponse customer =
      Call("POST", "/v1/customers",
           absl::StrCat(R"({"givenName":")", big_name, R"("})"));
  EXPECT_EQ(customer.status, 413) << customer.body;
  EXPECT_EQ(ParseError(customer.body).reason, "REQUEST_TOO_LARGE");
  // The same size on the batch route is within its limit.
  TestHttpResponse batch =
      Call("POST", "/v1/events:batchRecord",
           absl::StrCat(R"({"events":[{"customer":"customers/c1","type":")",
                        big_name, R"("}]})"));
  EXPECT_NE(batch.status, 413) << batch.body;
  // And above it, 413 too.
  TestHttpResponse huge =
      Call("POST", "/v1/events:batchRecord",
           absl::StrCat(R"({"events":[{"customer":"customers/c1","type":")",
                        std::string(70 << 10, 'x'), R"("}]})"));
  EXPECT_EQ(huge.status, 413);
}

TEST_F(GatewayAuthTest, PageSizeIsCapped) {
  config_.max_page_size = 50;
  ASSERT_EQ(Call("GET", "/v1/customers/c1/orders?pageSize=100000").status, 200);
  EXPECT_EQ(customers_.last_request<cp::ListOrdersRequest>().page_size(), 50);
  ASSERT_EQ(Call("GET", "/v1/customers/c1/orders?pageSize=20").status, 200);
  EXPECT_EQ(customers_.last_request<cp::ListOrdersRequest>().page_size(), 20);
}

TEST_F(GatewayAuthTest, OpenStreamsAreBounded) {
  config_.max_streams = 1;
  customers_.TailWatch();
  StartGateway();
  crm::testing::TestHttpConnection first(server_->port());
  ASSERT_TRUE(first.Send(crm::testing::BuildRequest(
      "GET", "/v1/changeEvents:watch", "",
      {{"Accept", "application/x-ndjson"}, {"X-API-Key", kAdminKey}})));
  ASSERT_TRUE(first.ReadHead().has_value());
  TestHttpResponse second = Call("GET", "/v1/changeEvents:watch");
  EXPECT_EQ(second.status, 429) << second.body;
  EXPECT_EQ(second.Header("retry-after"), "1");
}

TEST_F(GatewayAuthTest, CorsForConfiguredOriginsAndSecurityHeaders) {
  config_.cors_allowed_origins = {"https://crm.example.com"};
  send_admin_key_ = false;
  TestHttpResponse preflight =
      Call("OPTIONS", "/v1/customers", "",
           {{"Origin", "https://crm.example.com"},
            {"Access-Control-Request-Method", "POST"},
            {"Access-Control-Request-Headers", "x-api-key, content-type"}});
  send_admin_key_ = true;
  EXPECT_EQ(preflight.status, 204) << preflight.body;
  EXPECT_EQ(preflight.Header("access-control-allow-origin"),
            "https://crm.example.com");
  EXPECT_THAT(preflight.Header("access-control-allow-headers"),
              HasSubstr("X-API-Key"));
  TestHttpResponse evil = Call("OPTIONS", "/v1/customers", "",
                               {{"Origin", "https://evil.example"},
                                {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(evil.status, 403);
  EXPECT_EQ(evil.Header("access-control-allow-origin"), "");

  TestHttpResponse get =
      Call("GET", "/v1/customers", "", {{"Origin", "https://crm.example.com"}});
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.Header("access-control-allow-origin"),
            "https://crm.example.com");
  EXPECT_EQ(get.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(get.Header("x-frame-options"), "DENY");
  EXPECT_EQ(get.Header("cache-control"), "no-store");
  EXPECT_THAT(get.Header("content-security-policy"),
              HasSubstr("default-src 'none'"));
  TestHttpResponse other =
      Call("GET", "/v1/customers", "", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(other.Header("access-control-allow-origin"), "");
  // Errors carry the headers too.
  EXPECT_EQ(CallWithout("GET", "/v1/customers").Header("x-frame-options"),
            "DENY");
}

}  // namespace
}  // namespace crm::gateway

// The gateway end to end over HTTP against in-process fake backends.
#include "gateway/gateway.h"
#include "tests/unit/gateway/gateway_fixture.h"

#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "crm/customerprofile/v1/customer.pb.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "crm/feedback/v1/feedback_service.pb.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "crm/segmentation/v1/segment.pb.h"
#include "gateway/gateway_config.h"
#include "gateway/http_errors.h"
#include "services/common/error_details.h"
#include "services/common/http_server.h"
#include "services/common/logging.h"
#include "services/common/metrics.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wait.h"
#include "tests/unit/gateway/error_body.h"
#include "tests/unit/gateway/fake_backends.h"
#include "tests/unit/gateway/test_http_client.h"

namespace crm::gateway {
namespace {

using ::crm::testing::FakeCustomerProfile;
using ::crm::testing::FakeFeedback;
using ::crm::testing::FakeLoyalty;
using ::crm::testing::FakeSegmentation;
using ::crm::testing::FakeServer;
using ::crm::testing::ServiceStatus;
using ::testing::_;
using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Pair;

TEST_F(GatewayTest, CreatesAndGetsACustomer) {
  TestHttpResponse created = Call(
      "POST", "/v1/customers?request_id=req-1",
      R"({"givenName":"Mei","familyName":"Li","email":"mei@example.com"})");
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.Header("content-type"), "application/json");
  cp::Customer customer = FromJson<cp::Customer>(created.body);
  EXPECT_EQ(customer.name(), "customers/c1");
  EXPECT_EQ(customer.given_name(), "Mei");
  EXPECT_EQ(customer.state(), cp::Customer::ACTIVE);
  EXPECT_THAT(created.body,
              HasSubstr("\"createTime\":\"2023-11-14T22:13:20Z\""));
  cp::CreateCustomerRequest sent = customers_.last_create();
  EXPECT_EQ(sent.request_id(), "req-1");
  EXPECT_EQ(sent.customer().email(), "mei@example.com");

  TestHttpResponse got = Call("GET", "/v1/customers/c1");
  ASSERT_EQ(got.status, 200) << got.body;
  cp::Customer fetched = FromJson<cp::Customer>(got.body);
  EXPECT_EQ(fetched.name(), "customers/c1");
  EXPECT_EQ(fetched.family_name(), "Li");
  EXPECT_EQ(customers_.last_method(), "GetCustomer");
}

TEST_F(GatewayTest, PassesPaginationThrough) {
  for (const char* name : {"A", "B", "C"}) CreateCustomer(name);

  TestHttpResponse first = Call("GET", "/v1/customers?page_size=2");
  ASSERT_EQ(first.status, 200) << first.body;
  auto page1 = FromJson<cp::ListCustomersResponse>(first.body);
  EXPECT_EQ(customers_.last_list().page_size(), 2);
  ASSERT_EQ(page1.customers_size(), 2);
  EXPECT_EQ(page1.customers(0).given_name(), "A");
  EXPECT_EQ(page1.next_page_token(), "2");

  TestHttpResponse second = Call(
      "GET", "/v1/customers?page_size=2&page_token=" + page1.next_page_token());
  ASSERT_EQ(second.status, 200) << second.body;
  auto page2 = FromJson<cp::ListCustomersResponse>(second.body);
  EXPECT_EQ(customers_.last_list().page_token(), "2");
  ASSERT_EQ(page2.customers_size(), 1);
  EXPECT_EQ(page2.customers(0).given_name(), "C");
  // The last page says so explicitly.
  EXPECT_THAT(second.body, HasSubstr("\"nextPageToken\":\"\""));
}

TEST_F(GatewayTest, UnknownJsonFieldIs400NamingIt) {
  TestHttpResponse response =
      Call("POST", "/v1/customers", R"({"givenName":"a","shoeSize":44})");
  EXPECT_EQ(response.status, 400);
  ErrorBody error = ParseError(response.body);
  EXPECT_EQ(error.code, 400);
  EXPECT_EQ(error.status, "INVALID_ARGUMENT");
  EXPECT_EQ(error.reason, "FIELD_INVALID");
  EXPECT_EQ(error.domain, "gateway");
  EXPECT_EQ(error.metadata["field"], "shoeSize");
  EXPECT_THAT(error.field_violations, ElementsAre(Pair("shoeSize", _)));
  EXPECT_EQ(customers_.last_method(), "");  // The backend was not called.
}

TEST_F(GatewayTest, BadBodiesAre400) {
  struct Case {
    std::string body;
    std::string reason;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {"", "BODY_MALFORMED", "body"},
           {"{not json", "BODY_MALFORMED", "body"},
           {R"({"givenName":5})", "FIELD_INVALID", "given_name"},
           {R"({"tags":"vip"})", "FIELD_INVALID", "tags"},
           {"[1]", "BODY_MALFORMED", "body"},
           {"{\"givenName\":\"\xc3\x28\"}", "BODY_MALFORMED", "body"},
       }) {
    TestHttpResponse response = Call("POST", "/v1/customers", c.body);
    EXPECT_EQ(response.status, 400) << c.body;
    ErrorBody error = ParseError(response.body);
    EXPECT_EQ(error.status, "INVALID_ARGUMENT") << c.body;
    EXPECT_EQ(error.reason, c.reason) << c.body;
    EXPECT_EQ(error.metadata["field"], c.field) << c.body;
    EXPECT_EQ(error.domain, "gateway") << c.body;
  }
  EXPECT_EQ(customers_.last_method(), "");
}

TEST_F(GatewayTest, HugeBodyIs413) {
  TestHttpResponse response =
      Call("POST", "/v1/customers",
           R"({"givenName":")" + std::string(128 << 10, 'x') + R"("})");
  EXPECT_EQ(response.status, 413);
  ErrorBody error = ParseError(response.body);
  EXPECT_EQ(error.code, 413);
  EXPECT_EQ(error.status, "RESOURCE_EXHAUSTED");
  EXPECT_EQ(error.reason, "REQUEST_TOO_LARGE");
  EXPECT_EQ(error.domain, "gateway");
  EXPECT_EQ(customers_.last_method(), "");
}

TEST_F(GatewayTest, BadQueryParametersAre400) {
  TestHttpResponse bad_size = Call("GET", "/v1/customers?page_size=ten");
  EXPECT_EQ(bad_size.status, 400);
  ErrorBody size_error = ParseError(bad_size.body);
  EXPECT_EQ(size_error.reason, "FIELD_INVALID");
  EXPECT_EQ(size_error.metadata["field"], "page_size");

  // Fields go by their proto or lowerCamel JSON name; others are unknown.
  TestHttpResponse unknown = Call("GET", "/v1/customers?limit=1&sort=x");
  EXPECT_EQ(unknown.status, 400);
  ErrorBody error = ParseError(unknown.body);
  EXPECT_EQ(error.reason, "FIELD_INVALID");
  EXPECT_THAT(error.field_violations,
              ElementsAre(Pair("limit", _), Pair("sort", _)));

  TestHttpResponse on_get = Call("GET", "/v1/customers/c1?verbose=1");
  EXPECT_EQ(on_get.status, 400);
  EXPECT_EQ(ParseError(on_get.body).metadata["field"], "verbose");

  TestHttpResponse bad_utf8 = Call("GET", "/v1/customers/%FF%FE");
  EXPECT_EQ(bad_utf8.status, 400);
  ErrorBody path_error = ParseError(bad_utf8.body);
  EXPECT_EQ(path_error.reason, "FIELD_INVALID");
  EXPECT_EQ(path_error.metadata["field"], "customer");
  EXPECT_EQ(customers_.last_method(), "");
  EXPECT_EQ(Call("GET", "/v1/customers?pageSize=1").status, 200);
}

TEST_F(GatewayTest, PassesTheBackendsErrorDetailsThrough) {
  TestHttpResponse response = Call("GET", "/v1/customers/nobody");
  EXPECT_EQ(response.status, 404);
  ErrorBody error = ParseError(response.body);
  EXPECT_EQ(error.code, 404);
  EXPECT_EQ(error.status, "NOT_FOUND");
  EXPECT_EQ(error.reason, "RESOURCE_NOT_FOUND");
  EXPECT_EQ(error.domain, "customer-profile");
  EXPECT_THAT(error.metadata,
              ElementsAre(Pair("resource", "customers/nobody")));

  customers_.FailWith(ServiceStatus(
      common::InvalidFieldError("customer.email", "not an email address"),
      "customer-profile"));
  ErrorBody invalid =
      ParseError(Call("POST", "/v1/customers", R"({"email":"x"})").body);
  EXPECT_EQ(invalid.code, 400);
  EXPECT_EQ(invalid.reason, "FIELD_INVALID");
  EXPECT_EQ(invalid.domain, "customer-profile");
  EXPECT_THAT(invalid.field_violations, ElementsAre(Pair("customer.email", _)));
}

TEST_F(GatewayTest, MapsOtherBackendCodes) {
  struct Case {
    absl::StatusCode code;
    int http;
    const char* name;
  };
  for (const Case& c :
       {Case{absl::StatusCode::kAlreadyExists, 409, "ALREADY_EXISTS"},
        Case{absl::StatusCode::kPermissionDenied, 403, "PERMISSION_DENIED"},
        Case{absl::StatusCode::kResourceExhausted, 429, "RESOURCE_EXHAUSTED"},
        Case{absl::StatusCode::kFailedPrecondition, 400, "FAILED_PRECONDITION"},
        Case{absl::StatusCode::kAborted, 409, "ABORTED"},
        Case{absl::StatusCode::kInternal, 500, "INTERNAL"},
        Case{absl::StatusCode::kUnavailable, 503, "UNAVAILABLE"},
        Case{absl::StatusCode::kDeadlineExceeded, 504, "DEADLINE_EXCEEDED"}}) {
    segments_.FailWith(
        ServiceStatus(absl::Status(c.code, "segment trouble"), "segmentation"));
    TestHttpResponse response = Call("GET", "/v1/segments/s1");
    EXPECT_EQ(response.status, c.http) << c.name;
    ErrorBody error = ParseError(response.body);
    EXPECT_EQ(error.code, c.http);
    EXPECT_EQ(error.status, c.name);
    EXPECT_EQ(error.reason,
              crm::type::v1::ErrorReason_Name(common::DefaultReasonFor(c.code)))
        << c.name;
    EXPECT_EQ(error.domain, "segmentation") << c.name;
  }
}

TEST_F(GatewayTest, ACallersShorterDeadlineReachesTheBackendCall) {
  config_.backend_timeout = absl::Seconds(30);
  customers_.HangUntilDeadline(true);
  TestHttpResponse response =
      Call("GET", "/v1/customers/c1", "", {{"X-Request-Timeout", "0.2"}});
  customers_.HangUntilDeadline(false);
  EXPECT_EQ(response.status, 504);
  EXPECT_EQ(ParseError(response.body).reason, "REQUEST_DEADLINE_EXCEEDED");

  for (const char* bad : {"abc", "0", "-1", "1e9"}) {
    TestHttpResponse invalid =
        Call("GET", "/v1/customers/c1", "", {{"X-Request-Timeout", bad}});
    EXPECT_EQ(invalid.status, 400) << bad;
    ErrorBody error = ParseError(invalid.body);
    EXPECT_EQ(error.reason, "FIELD_INVALID") << bad;
    EXPECT_EQ(error.metadata["field"], "X-Request-Timeout") << bad;
  }
}

TEST_F(GatewayTest, BackendDeadlineIs504RequestDeadlineExceeded) {
  config_.backend_timeout = absl::Milliseconds(200);
  customers_.HangUntilDeadline(true);
  TestHttpResponse response = Call("GET", "/v1/customers/c1");
  customers_.HangUntilDeadline(false);
  EXPECT_EQ(response.status, 504);
  ErrorBody error = ParseError(response.body);
  EXPECT_EQ(error.status, "DEADLINE_EXCEEDED");
  EXPECT_EQ(error.reason, "REQUEST_DEADLINE_EXCEEDED");
  EXPECT_EQ(error.domain, "gateway");
  EXPECT_EQ(error.metadata["backend"], "customer-profile");
  EXPECT_TRUE(customers_.last_had_deadline());
}

TEST_F(GatewayTest, BackendDownIs503AndNotReady) {
  customer_server_->Shutdown();
  config_.customer_profile_addr =
      absl::StrCat("127.0.0.1:", crm::testing::UnusedPort());
  TestHttpResponse response = Call("GET", "/v1/customers/c1");
  EXPECT_EQ(response.status, 503);
  ErrorBody error = ParseError(response.body);
  EXPECT_EQ(error.status, "UNAVAILABLE");
  EXPECT_EQ(error.reason, "BACKEND_UNAVAILABLE");
  EXPECT_EQ(error.domain, "gateway");
  EXPECT_EQ(error.metadata["backend"], "customer-profile");

  TestHttpResponse ready = Call("GET", "/readyz");
  EXPECT_EQ(ready.status, 503);
  auto body = FromJson<google::protobuf::Struct>(ready.body);
  EXPECT_EQ(body.fields().at("status").string_value(), "not_ready");
  const auto& backends = body.fields().at("backends").struct_value().fields();
  EXPECT_EQ(backends.at("customer-profile").string_value(), "UNREACHABLE");
  EXPECT_EQ(backends.at("segmentation").string_value(), "SERVING");

  // The other backends still work.
  EXPECT_EQ(Call("GET", "/v1/segments").status, 200);
}

TEST_F(GatewayTest, ReadyzReflectsBackendHealth) {
  TestHttpResponse ready = Call("GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.body,
            "{\"status\":\"ready\",\"backends\":{\"customer-profile\":"
            "\"SERVING\",\"segmentation\":\"SERVING\",\"loyalty\":"
            "\"SERVING\",\"feedback\":\"SERVING\"}}");

  segment_server_->SetServing(false);
  TestHttpResponse not_ready = Call("GET", "/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_THAT(not_ready.body, HasSubstr("\"status\":\"not_ready\""));
  EXPECT_THAT(not_ready.body, HasSubstr("\"segmentation\":\"NOT_SERVING\""));
  EXPECT_THAT(not_ready.body, HasSubstr("\"loyalty\":\"SERVING\""));

  EXPECT_EQ(Call("GET", "/healthz").body, "{\"status\":\"ok\"}");
}

TEST_F(GatewayTest, PropagatesTheRequestId) {
  CreateCustomer("Mei");
  TestHttpResponse response =
      Call("GET", "/v1/customers/c1", "",
           {{"X-Request-Id", "req-abc-123"},
            {"traceparent",
             "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("x-request-id"), "req-abc-123");
  EXPECT_EQ(customers_.last_request_id(), "req-abc-123");
  EXPECT_EQ(customers_.last_traceparent(),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  EXPECT_TRUE(customers_.last_had_deadline());
  EXPECT_THAT(log_.str(), ContainsRegex("\"request_id\":\"req-abc-123\""));

  // Without one (or with an invalid one) the gateway makes one up and
  // sends the same one to the backend.
  for (const Headers& headers :
       {Headers{}, Headers{{"X-Request-Id", std::string(200, 'a')}}}) {
    TestHttpResponse generated = Call("GET", "/v1/customers/c1", "", headers);
    std::string id = generated.Header("x-request-id");
    EXPECT_THAT(id, MatchesRegex("[0-9a-f]{32}"));
    EXPECT_EQ(customers_.last_request_id(), id);
  }

  // Errors carry it too.
  EXPECT_EQ(Call("GET", "/nowhere", "", {{"X-Request-Id", "r-404"}})
                .Header("x-request-id"),
            "r-404");
}

TEST_F(GatewayTest, UnknownRouteIs404AndWrongMethodIs405) {
  TestHttpResponse missing = Call("GET", "/v1/unknown");
  EXPECT_EQ(missing.status, 404);
  ErrorBody no_route = ParseError(missing.body);
  EXPECT_EQ(no_route.status, "NOT_FOUND");
  EXPECT_EQ(no_route.reason, "ROUTE_NOT_FOUND");
  EXPECT_EQ(no_route.domain, "gateway");
  // A missing resource is the same code with another reason.
  EXPECT_EQ(ParseError(Call("GET", "/v1/customers/nobody").body).reason,
            "RESOURCE_NOT_FOUND");

  TestHttpResponse wrong = Call("DELETE", "/v1/customers");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.Header("allow"), "GET, POST");
  ErrorBody not_allowed = ParseError(wrong.body);
  EXPECT_EQ(not_allowed.code, 405);
  EXPECT_EQ(not_allowed.status, "UNIMPLEMENTED");
  EXPECT_EQ(not_allowed.reason, "METHOD_NOT_ALLOWED");
  EXPECT_EQ(not_allowed.metadata["allowed"], "GET, POST");
}

TEST_F(GatewayTest, AdjustsPointsWithTheAccountFromThePath) {
  TestHttpResponse response =
      Call("POST", "/v1/accounts/c7:adjustPoints",
           R"({"pointsDelta":"150","reason":"goodwill","requestId":"k-1"})");
  ASSERT_EQ(response.status, 200) << response.body;
  auto adjusted =
      FromJson<crm::loyalty::v1::AdjustPointsResponse>(response.body);
  EXPECT_EQ(adjusted.account().points_balance(), 150);
  EXPECT_EQ(loyalty_.last_adjust().account(), "accounts/c7");
  EXPECT_EQ(loyalty_.last_adjust().request_id(), "k-1");

  TestHttpResponse account = Call("GET", "/v1/accounts/c7");
  ASSERT_EQ(account.status, 200);
  EXPECT_THAT(account.body, HasSubstr("\"pointsBalance\":\"150\""));

  TestHttpResponse overdraw =
      Call("POST", "/v1/accounts/c7:adjustPoints",
           R"({"pointsDelta":"-1000","reason":"x","requestId":"k-2"})");
  EXPECT_EQ(overdraw.status, 400);
  ErrorBody insufficient = ParseError(overdraw.body);
  EXPECT_EQ(insufficient.status, "FAILED_PRECONDITION");
  EXPECT_EQ(insufficient.reason, "INSUFFICIENT_BALANCE");
  EXPECT_EQ(insufficient.domain, "loyalty");

  TestHttpResponse with_account =
      Call("POST", "/v1/accounts/c7:adjustPoints",
           R"({"account":"accounts/other","pointsDelta":"1","reason":"x"})");
  EXPECT_EQ(with_account.status, 400);
  EXPECT_EQ(ParseError(with_account.body).metadata["field"], "account");
}

TEST_F(GatewayTest, SegmentsAndFeedbackRoutes) {
  TestHttpResponse created =
      Call("POST", "/v1/segments?request_id=s-req",
           R"({"displayName":"VIP","rule":"rfm.monetary >= 4"})");
  ASSERT_EQ(created.status, 200) << created.body;
  auto segment = FromJson<crm::segmentation::v1::Segment>(created.body);
  EXPECT_EQ(segment.name(), "segments/s1");
  EXPECT_EQ(Call("GET", "/v1/segments/s1").status, 200);
  EXPECT_EQ(Call("GET", "/v1/segments?page_size=1").status, 200);

  TestHttpResponse submitted = Call(
      "POST", "/v1/feedback",
      R"({"customer":"customers/c1","channel":"web","type":"COMPLAINT","text":"慢"})");
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  TestHttpResponse listed = Call(
      "GET", "/v1/feedback?page_size=5&filter=customer_id%20%3D%20%22c1%22");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(feedback_.last_list().filter(), "customer_id = \"c1\"");
  EXPECT_EQ(feedback_.last_list().page_size(), 5);
  auto list = FromJson<crm::feedback::v1::ListFeedbackResponse>(listed.body);
  ASSERT_EQ(list.feedback_size(), 1);
  EXPECT_EQ(list.feedback(0).text(), "慢");
}

TEST_F(GatewayTest, RecordsMetricsAndAccessLog) {
  Call("GET", "/v1/customers/nobody", "", {{"X-Request-Id", "log-1"}});
  TestHttpResponse metrics = Call("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.Header("content-type"), HasSubstr("text/plain"));
  EXPECT_THAT(metrics.body,
              ContainsRegex("crm_http_requests_total\\{[^}]*route=\"/v1/"
                            "customers/\\{customer\\}\"[^}]*\\} 1"));
  EXPECT_THAT(metrics.body, ContainsRegex("status=\"404\""));
  EXPECT_THAT(metrics.body,
              HasSubstr("crm_http_request_duration_seconds_bucket"));

  std::string log = log_.str();
  EXPECT_THAT(log, HasSubstr("\"request_id\":\"log-1\""));
  EXPECT_THAT(log, HasSubstr("/v1/customers/{customer}"));
  EXPECT_THAT(log, HasSubstr("duration_ms"));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("nobody")));  // Ids stay out.
}

TEST_F(GatewayTest, UpdatesACustomerWithMaskEtagAndRequestId) {
  TestHttpResponse response =
      Call("PATCH",
           "/v1/customers/c1?update_mask=email,%20address.city&request_id=r1"
           "&strict_phone=true",
           R"({"email":"new@example.com","address":{"city":"上海"}})",
           {{"If-Match", "\"e1\""}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Header("etag"), "\"v2\"");
  auto sent = customers_.last_request<cp::UpdateCustomerRequest>();
  EXPECT_EQ(sent.customer().name(), "customers/c1");
  EXPECT_EQ(sent.customer().etag(), "e1");
  EXPECT_EQ(sent.customer().address().city(), "上海");
  EXPECT_THAT(sent.update_mask().paths(),
              ::testing::ElementsAre("email", "address.city"));
  EXPECT_EQ(sent.request_id(), "r1");
  EXPECT_TRUE(sent.strict_phone());

  // The name comes from the path; a body naming another customer is 400.
  TestHttpResponse other = Call("PATCH", "/v1/customers/c1?update_mask=email",
                                R"({"name":"customers/c2"})");
  EXPECT_EQ(other.status, 400);
  EXPECT_EQ(ParseError(other.body).metadata["field"], "customer.name");
  TestHttpResponse bad_bool =
      Call("PATCH", "/v1/customers/c1?strict_phone=maybe", "{}");
  EXPECT_EQ(bad_bool.status, 400);
  EXPECT_EQ(ParseError(bad_bool.body).metadata["field"], "strict_phone");
}

TEST_F(GatewayTest, ListsCustomersWithFilterAndOrder) {
  TestHttpResponse response =
      Call("GET",
           "/v1/customers?filter=tag%20%3D%20%22vip%22&order_by=update_time"
           "%20desc&page_size=5");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(customers_.last_list().filter(), "tag = \"vip\"");
  EXPECT_EQ(customers_.last_list().order_by(), "update_time desc");
  EXPECT_EQ(customers_.last_list().page_size(), 5);
}

TEST_F(GatewayTest, DuplicatesMergeEraseAndExport) {
  TestHttpResponse duplicates =
      Call("GET", "/v1/customers:findDuplicates?page_size=10");
  ASSERT_EQ(duplicates.status, 200) << duplicates.body;
  EXPECT_THAT(duplicates.body, HasSubstr("SAME_EMAIL"));
  EXPECT_EQ(
      customers_.last_request<cp::FindDuplicateCandidatesRequest>().page_size(),
      10);

  TestHttpResponse merged =
      Call("POST", "/v1/customers:merge",
           R"({"survivor":"customers/a","duplicate":"customers/b",)"
           R"("pinnedFields":["email"],"requestId":"m1"})");
  ASSERT_EQ(merged.status, 200) << merged.body;
  auto merge = customers_.last_request<cp::MergeCustomersRequest>();
  EXPECT_EQ(merge.duplicate(), "customers/b");
  EXPECT_THAT(merge.pinned_fields(), ::testing::ElementsAre("email"));
  EXPECT_EQ(merge.request_id(), "m1");

  TestHttpResponse erased =
      Call("POST", "/v1/customers/c7:erase?request_id=e-1");
  ASSERT_EQ(erased.status, 200) << erased.body;
  EXPECT_EQ(FromJson<cp::Customer>(erased.body).state(), cp::Customer::ERASED);
  auto erase = customers_.last_request<cp::EraseCustomerRequest>();
  EXPECT_EQ(erase.name(), "customers/c7");
  EXPECT_EQ(erase.request_id(), "e-1");
  EXPECT_EQ(Call("POST", "/v1/customers/c7:erase", R"({"x":1})").status, 400);
  // The verb routes do not swallow the plain resource routes.
  EXPECT_EQ(Call("GET", "/v1/customers/c7:erase").status, 405);

  // The suite-wide export (customer_export_test.cc) asks customer-profile;
  // these fakes serve no other service's export, so it answers 503.
  TestHttpResponse exported = Call("GET", "/v1/customers/c7:export");
  EXPECT_EQ(exported.status, 503) << exported.body;
  EXPECT_EQ(customers_.last_request<cp::ExportCustomerDataRequest>().name(),
            "customers/c7");
}

TEST_F(GatewayTest, OrderAndEventRoutes) {
  TestHttpResponse recorded =
      Call("POST", "/v1/customers/c1/orders",
           R"({"channel":"web","channelOrderId":"w-1",)"
           R"("amount":{"currencyCode":"CNY","amountMinor":"1234"},)"
           R"("orderTime":"2026-11-11T02:00:00Z"})");
  ASSERT_EQ(recorded.status, 200) << recorded.body;
  auto order = customers_.last_request<cp::RecordOrderRequest>().order();
  EXPECT_EQ(order.customer(), "customers/c1");
  EXPECT_EQ(order.amount().amount_minor(), 1234);
  EXPECT_EQ(FromJson<cp::Order>(recorded.body).name(),
            "customers/c1/orders/o1");
  EXPECT_EQ(Call("POST", "/v1/customers/c1/orders",
                 R"({"customer":"customers/c2","channel":"web"})")
                .status,
            400);

  TestHttpResponse refunded = Call(
      "POST", "/v1/customers/c1/orders/o9:refund",
      R"({"refundId":"r-1","amount":{"currencyCode":"CNY","amountMinor":"100"}})");
  ASSERT_EQ(refunded.status, 200) << refunded.body;
  auto refund = customers_.last_request<cp::RefundOrderRequest>();
  EXPECT_EQ(refund.name(), "customers/c1/orders/o9");
  EXPECT_EQ(refund.refund_id(), "r-1");
  EXPECT_EQ(Call("POST", "/v1/customers/c1/orders/o9:refund",
                 R"({"name":"customers/x/orders/y"})")
                .status,
            400);

  TestHttpResponse listed =
      Call("GET", "/v1/customers/c1/orders?page_size=3&page_token=t");
  ASSERT_EQ(listed.status, 200) << listed.body;
  auto list = customers_.last_request<cp::ListOrdersRequest>();
  EXPECT_EQ(list.parent(), "customers/c1");
  EXPECT_EQ(list.page_size(), 3);
  EXPECT_EQ(list.page_token(), "t");

  TestHttpResponse events = Call(
      "POST", "/v1/events:batchRecord",
      R"({"events":[{"customer":"customers/c1","eventId":"e1","type":"PAGE_VIEW",)"
      R"("channel":"web","eventTime":"2026-11-11T02:00:00Z"}]})");
  ASSERT_EQ(events.status, 200) << events.body;
  EXPECT_EQ(FromJson<cp::RecordEventsResponse>(events.body).recorded_count(),
            1);
  EXPECT_EQ(Call("POST", "/v1/events:batchRecord", R"({"events":[{"typo":1}]})")
                .status,
            400);
}

TEST_F(GatewayTest, ImportsACsvUpload) {
  const std::string csv =
      "\xEF\xBB\xBFgiven_name,email,tags,identity:wechat_openid\r\n"
      "小明,a@example.com,vip; new ,o1\r\n"
      "too,few\r\n"
      "Bob,reject@example.com,,\r\n"
      "Ann,\xFF@example.com,,\r\n";
  TestHttpResponse response =
      Call("POST", "/v1/customers:import?strict_phone=true", csv,
           {{"Content-Type", "text/csv; charset=utf-8"}});
  ASSERT_EQ(response.status, 200) << response.body;
  auto result = FromJson<cp::ImportCustomersResponse>(response.body);
  EXPECT_EQ(result.created_count(), 1);
  EXPECT_EQ(result.updated_count(), 0);
  EXPECT_EQ(result.rejected_count(), 3);
  ASSERT_EQ(result.results_size(), 4);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(result.results(i).line_number(), i + 2);
  EXPECT_EQ(result.results(0).outcome(), cp::ImportRowResult::CREATED);
  EXPECT_EQ(result.results(0).customer(), "customers/i2");
  EXPECT_EQ(result.results(1).outcome(), cp::ImportRowResult::REJECTED);
  EXPECT_THAT(result.results(1).error(), HasSubstr("field"));
  EXPECT_EQ(result.results(2).error(), "email: not valid");
  EXPECT_THAT(result.results(3).error(), HasSubstr("UTF-8"));

  // Only the rows that mapped were streamed, whole.
  auto rows = customers_.imported_rows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(rows[0].strict_phone());
  EXPECT_EQ(rows[0].customer().given_name(), "小明");
  EXPECT_THAT(rows[0].customer().tags(), ::testing::ElementsAre("vip", "new"));
  ASSERT_EQ(rows[0].customer().external_identities_size(), 1);
  EXPECT_EQ(rows[0].customer().external_identities(0).channel(),
            "wechat_openid");
  EXPECT_EQ(rows[0].customer().external_identities(0).id(), "o1");
}

TEST_F(GatewayTest, ImportRejectsBadUploads) {
  TestHttpResponse json = Call("POST", "/v1/customers:import", "email\na@b.c\n",
                               {{"Content-Type", "application/json"}});
  EXPECT_EQ(json.status, 415);
  ErrorBody media_type = ParseError(json.body);
  EXPECT_EQ(media_type.status, "INVALID_ARGUMENT");
  EXPECT_EQ(media_type.reason, "BODY_MALFORMED");
  EXPECT_EQ(media_type.metadata["field"], "Content-Type");
  TestHttpResponse header =
      Call("POST", "/v1/customers:import", "email,shoe_size\na@b.c,44\n",
           {{"Content-Type", "text/csv"}});
  EXPECT_EQ(header.status, 400);
  EXPECT_EQ(ParseError(header.body).reason, "FIELD_INVALID");
  TestHttpResponse empty =
      Call("POST", "/v1/customers:import", "", {{"Content-Type", "text/csv"}});
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(customers_.last_method(), "");

  // The import route takes bodies above max_body_bytes (64 KiB here), up to
  // max_import_body_bytes (512 KiB here).
  std::string big = "given_name,email\n";
  for (int i = 0; big.size() < (200 << 10); ++i) {
    big += "Name" + std::to_string(i) + ",n" + std::to_string(i) +
           "@example.com\n";
  }
  TestHttpResponse large =
      Call("POST", "/v1/customers:import", big, {{"Content-Type", "text/csv"}});
  ASSERT_EQ(large.status, 200) << large.body;
  EXPECT_GT(FromJson<cp::ImportCustomersResponse>(large.body).created_count(),
            5000);
  TestHttpResponse too_large =
      Call("POST", "/v1/customers:import", std::string(600 << 10, 'x'),
           {{"Content-Type", "text/csv"}});
  EXPECT_EQ(too_large.status, 413);
}

TEST_F(GatewayTest, NewRoutesMapBackendErrors) {
  customers_.FailWith(ServiceStatus(common::EtagMismatchError("customers/c1"),
                                    "customer-profile"));
  TestHttpResponse conflict =
      Call("PATCH", "/v1/customers/c1?update_mask=email", "{}",
           {{"If-Match", "\"old\""}});
  EXPECT_EQ(conflict.status, 409);
  ErrorBody stale = ParseError(conflict.body);
  EXPECT_EQ(stale.status, "ABORTED");
  EXPECT_EQ(stale.reason, "ETAG_MISMATCH");
  // A write that lost to concurrent writers: same code, another reason.
  customers_.FailWith(
      ServiceStatus(absl::AbortedError("deadlocks"), "customer-profile"));
  EXPECT_EQ(
      ParseError(Call("PATCH", "/v1/customers/c1?update_mask=email", "{}").body)
          .reason,
      "CONCURRENCY_CONFLICT");
  customers_.FailWith(grpc::Status(grpc::StatusCode::UNAVAILABLE, "db down"));
  TestHttpResponse down = Call("POST", "/v1/customers:import", "email\na@b.c\n",
                               {{"Content-Type", "text/csv"}});
  EXPECT_EQ(down.status, 503);
  EXPECT_THAT(down.body, ::testing::Not(HasSubstr("db down")));
}

TEST_F(GatewayTest, IdempotencyKeyHeaderIsTheRequestId) {
  TestHttpResponse created =
      Call("POST", "/v1/customers", R"({"givenName":"a"})",
           {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(customers_.last_create().request_id(), "k-1");
  // The same value in the query string agrees; another one is 400.
  EXPECT_EQ(Call("POST", "/v1/customers?request_id=k-1", R"({"givenName":"a"})",
                 {{"Idempotency-Key", "k-1"}})
                .status,
            200);
  TestHttpResponse conflict =
      Call("POST", "/v1/customers?request_id=other", R"({"givenName":"a"})",
           {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(conflict.status, 400);
  ErrorBody error = ParseError(conflict.body);
  EXPECT_EQ(error.reason, "FIELD_INVALID");
  EXPECT_EQ(error.metadata["field"], "request_id");
  // A body field (body "*") works the same way.
  TestHttpResponse adjusted =
      Call("POST", "/v1/accounts/c7:adjustPoints",
           R"({"pointsDelta":"5","reason":"x"})", {{"Idempotency-Key", "k-9"}});
  ASSERT_EQ(adjusted.status, 200) << adjusted.body;
  EXPECT_EQ(loyalty_.last_adjust().request_id(), "k-9");
  TestHttpResponse body_conflict =
      Call("POST", "/v1/accounts/c7:adjustPoints",
           R"({"pointsDelta":"5","reason":"x","requestId":"k-8"})",
           {{"Idempotency-Key", "k-9"}});
  EXPECT_EQ(body_conflict.status, 400);
  EXPECT_EQ(ParseError(body_conflict.body).metadata["field"], "request_id");
}

TEST_F(GatewayTest, IfMatchSetsTheEtagAndConflictsAre400) {
  TestHttpResponse mismatch =
      Call("PATCH", "/v1/customers/c1?update_mask=email", R"({"etag":"e2"})",
           {{"If-Match", "W/\"e1\""}});
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_EQ(ParseError(mismatch.body).metadata["field"], "etag");
  TestHttpResponse star = Call("PATCH", "/v1/customers/c1?update_mask=email",
                               "{}", {{"If-Match", "*"}});
  EXPECT_EQ(star.status, 400);
  EXPECT_EQ(ParseError(star.body).metadata["field"], "If-Match");
  TestHttpResponse same = Call("PATCH", "/v1/customers/c1?updateMask=email",
                               R"({"etag":"e1"})", {{"If-Match", "\"e1\""}});
  ASSERT_EQ(same.status, 200) << same.body;
  EXPECT_EQ(same.Header("etag"), "\"v2\"");
  auto sent = customers_.last_request<cp::UpdateCustomerRequest>();
  EXPECT_EQ(sent.customer().etag(), "e1");
  EXPECT_THAT(sent.update_mask().paths(), ::testing::ElementsAre("email"));
}

TEST_F(GatewayTest, QueryParametersFollowTheRequestFields) {
  // Repeated singular parameters and values of the wrong type are 400.
  TestHttpResponse twice = Call("GET", "/v1/customers?page_size=1&pageSize=2");
  EXPECT_EQ(twice.status, 400);
  EXPECT_EQ(ParseError(twice.body).metadata["field"], "pageSize");
  // Routes whose body is the whole request take no query parameters.
  TestHttpResponse merge = Call("POST", "/v1/customers:merge?request_id=m",
                                R"({"survivor":"customers/a"})");
  EXPECT_EQ(merge.status, 400);
  EXPECT_EQ(ParseError(merge.body).metadata["field"], "request_id");
  // A field bound by the path is not a query parameter.
  TestHttpResponse named = Call("GET", "/v1/customers/c1?name=customers/c2");
  EXPECT_EQ(named.status, 400);
  EXPECT_EQ(ParseError(named.body).metadata["field"], "name");
}

namespace streams {

// The messages of a newline-delimited JSON body.
std::vector<cp::ChangeEvent> NdjsonEvents(const std::string& body) {
  std::vector<cp::ChangeEvent> events;
  size_t start = 0;
  for (size_t end; (end = body.find('\n', start)) != std::string::npos;
       start = end + 1) {
    events.push_back(
        FromJson<cp::ChangeEvent>(body.substr(start, end - start)));
  }
  EXPECT_EQ(start, body.size()) << "unterminated last line: " << body;
  return events;
}

}  // namespace streams

TEST_F(GatewayTest, ServerStreamIsNewlineDelimitedJsonByDefault) {
  TestHttpResponse response =
      Call("GET", "/v1/changeEvents:watch?afterSequence=10");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Header("content-type"), "application/x-ndjson");
  EXPECT_EQ(response.Header("transfer-encoding"), "chunked");
  EXPECT_FALSE(response.Header("x-request-id").empty());
  std::vector<cp::ChangeEvent> events = streams::NdjsonEvents(response.body);
  ASSERT_EQ(events.size(), 3u) << response.body;
  EXPECT_EQ(events[0].sequence(), 11);
  EXPECT_EQ(events[2].sequence(), 13);
  EXPECT_EQ(events[2].customer_name(), "customers/w13");
  EXPECT_EQ(customers_.last_request<cp::WatchChangesRequest>().after_sequence(),
            10);
}

TEST_F(GatewayTest, ServerStreamAsServerSentEvents) {
  TestHttpResponse response = Call("GET", "/v1/changeEvents:watch", "",
                                   {{"Accept", "text/event-stream"}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Header("content-type"), "text/event-stream");
  EXPECT_THAT(response.body, MatchesRegex("(data: \\{[^\n]*\\}\n\n){3}"));
  EXPECT_THAT(response.body, HasSubstr(R"("sequence":"3")"));
}

TEST_F(GatewayTest, ServerStreamBackendErrorIsTheOnlyEvent) {
  customers_.FailWith(ServiceStatus(
      common::InvalidFieldError("after_sequence", "must not be negative"),
      "customer-profile"));
  TestHttpResponse response =
      Call("GET", "/v1/changeEvents:watch?afterSequence=-1", "",
           {{"Accept", "text/event-stream"}});
  ASSERT_EQ(response.status, 200);
  ASSERT_THAT(response.body, MatchesRegex("event: error\ndata: .*\n\n"));
  ErrorBody error = crm::testing::ParseErrorBody(
      response.body.substr(19, response.body.size() - 21));
  EXPECT_EQ(error.status, "INVALID_ARGUMENT");
  EXPECT_EQ(error.reason, "FIELD_INVALID");
}

TEST_F(GatewayTest, ServerStreamRequestErrorsAreErrorResponses) {
  TestHttpResponse response =
      Call("GET", "/v1/changeEvents:watch?afterSequence=abc", "",
           {{"Accept", "text/event-stream"}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.Header("content-type"), "application/json");
  EXPECT_EQ(crm::testing::ParseErrorBody(response.body).reason,
            "FIELD_INVALID");
}

TEST_F(GatewayTest, ServerStreamErrorAfterMessagesIsTheLastEvent) {
  customers_.EndWatchWith(ServiceStatus(
      absl::UnavailableError("feed unavailable"), "customer-profile"));
  TestHttpResponse sse = Call("GET", "/v1/changeEvents:watch", "",
                              {{"Accept", "text/event-stream"}});
  ASSERT_EQ(sse.status, 200);
  const size_t error_event = sse.body.find("event: error\ndata: ");
  ASSERT_NE(error_event, std::string::npos) << sse.body;
  EXPECT_EQ(sse.body.rfind("data: "), error_event + 13);
  const std::string error_json =
      sse.body.substr(error_event + 19, sse.body.size() - error_event - 21);
  EXPECT_EQ(crm::testing::ParseErrorBody(error_json).status, "UNAVAILABLE");

  TestHttpResponse ndjson = Call("GET", "/v1/changeEvents:watch");
  ASSERT_EQ(ndjson.status, 200);
  EXPECT_THAT(ndjson.body, ContainsRegex("\n\\{\"error\":\\{[^\n]*\n$"));
}

TEST_F(GatewayTest, ClientDisconnectCancelsTheBackendStream) {
  customers_.TailWatch();
  StartGateway();
  {
    crm::testing::TestHttpConnection connection(server_->port());
    ASSERT_TRUE(connection.Send(crm::testing::BuildRequest(
        "GET", "/v1/changeEvents:watch", "",
        {{"Accept", "application/x-ndjson"}, {"X-API-Key", kAdminKey}})));
    ASSERT_TRUE(connection.ReadHead().has_value());
    for (int i = 0; i < 3; ++i) {
      std::optional<std::string> chunk = connection.ReadChunk();
      ASSERT_TRUE(chunk.has_value());
      EXPECT_THAT(*chunk, HasSubstr("\"sequence\""));
    }
    EXPECT_FALSE(customers_.watch_cancelled());
  }  // Disconnects.
  EXPECT_TRUE(crm::testing::WaitUntil(
      [this] { return customers_.watch_cancelled(); }, absl::Seconds(10)));
}

}  // namespace
}  // namespace crm::gateway

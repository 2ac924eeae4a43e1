#include "gateway/json_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "crm/customerprofile/v1/customer.pb.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "gateway/route_support.h"
#include "tests/testing/status_matchers.h"

namespace crm::gateway {
namespace {

using ::crm::customerprofile::v1::Customer;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(ParseJsonBodyTest, ParsesCamelCaseAndOriginalNames) {
  Customer customer;
  ASSERT_THAT(
      ParseJsonBody(R"({"givenName":"Mei","family_name":"Li"})", &customer),
      IsOk());
  EXPECT_EQ(customer.given_name(), "Mei");
  EXPECT_EQ(customer.family_name(), "Li");
}

TEST(ParseJsonBodyTest, EmptyBodyIsRequired) {
  Customer customer;
  EXPECT_THAT(ParseJsonBody("", &customer),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("request body is required")));
  EXPECT_THAT(ParseJsonBody(" \r\n\t", &customer),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("request body is required")));
}

TEST(ParseJsonBodyTest, UnknownFieldIsNamed) {
  Customer customer;
  EXPECT_THAT(ParseJsonBody(R"({"givenName":"a","shoeSize":44})", &customer),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown field \"shoeSize\"")));
}

TEST(ParseJsonBodyTest, WrongTypeNamesTheField) {
  Customer customer;
  EXPECT_THAT(ParseJsonBody(R"({"givenName":5})", &customer),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("given_name"), HasSubstr("string"))));
  crm::loyalty::v1::AdjustPointsRequest adjust;
  EXPECT_THAT(
      ParseJsonBody(R"({"pointsDelta":1.5})", &adjust),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("points_delta")));
  EXPECT_THAT(ParseJsonBody(R"({"state":"NOPE"})", &customer),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("state"), Not(HasSubstr("NOPE")))));
}

TEST(ParseJsonBodyTest, MalformedJsonIsRejectedWithoutEchoingTheBody) {
  Customer customer;
  EXPECT_THAT(ParseJsonBody(R"({"givenName": "secret-value)", &customer),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("invalid JSON body"),
                             Not(HasSubstr("secret-value")))));
  EXPECT_THAT(ParseJsonBody(R"({"givenName":"a"} trailing)", &customer),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseJsonBodyTest, NonObjectIsRejected) {
  Customer customer;
  EXPECT_THAT(ParseJsonBody("[1,2]", &customer),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("must be a JSON object")));
  EXPECT_THAT(ParseJsonBody("null", &customer),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseJsonBodyTest, InvalidUtf8IsRejected) {
  Customer customer;
  EXPECT_THAT(ParseJsonBody("{\"givenName\":\"\xff\xfe\"}", &customer),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-8")));
}

TEST(MessageToJsonTest, PrintsCamelCaseDefaultsAndInt64AsString) {
  crm::loyalty::v1::AdjustPointsRequest request;
  request.set_points_delta(1234567890123);
  absl::StatusOr<std::string> json = MessageToJson(request);
  ASSERT_THAT(json, IsOk());
  EXPECT_THAT(*json, HasSubstr("\"pointsDelta\":\"1234567890123\""));
  EXPECT_THAT(*json, HasSubstr("\"reason\":\"\""));
}

TEST(IsValidUtf8Test, AcceptsAndRejects) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xe5\xae\xa2\xe6\x88\xb7"));  // 客户
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x98\x80"));          // U+1F600
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // Overlong '/'.
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // Surrogate.
  EXPECT_FALSE(IsValidUtf8("\xe5\xae"));          // Truncated.
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // Above U+10FFFF.
}

TEST(QueryParamsTest, PageSizeMustBeAnInteger) {
  common::HttpRequest request;
  EXPECT_THAT(QueryInt32(request, "page_size"), IsOk());
  request.query["page_size"] = "25";
  EXPECT_EQ(*QueryInt32(request, "page_size"), 25);
  request.query["page_size"] = "-3";
  EXPECT_EQ(*QueryInt32(request, "page_size"), -3);
  for (const char* bad : {"ten", "1.5", "99999999999", "12abc"}) {
    request.query["page_size"] = bad;
    EXPECT_THAT(
        QueryInt32(request, "page_size"),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size")))
        << bad;
  }
}

TEST(QueryParamsTest, UnknownParametersAreNamed) {
  common::HttpRequest request;
  request.query["page_size"] = "1";
  EXPECT_THAT(CheckQueryParams(request, {"page_size", "page_token"}), IsOk());
  request.query["pagesize"] = "1";
  request.query["colour"] = "red";
  EXPECT_THAT(CheckQueryParams(request, {"page_size", "page_token"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("colour"), HasSubstr("pagesize"))));
}

}  // namespace
}  // namespace crm::gateway

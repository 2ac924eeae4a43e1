#include "gateway/json_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>

#include "crm/customerprofile/v1/customer.pb.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "gateway/route_support.h"
#include "services/common/error_details.h"
#include "tests/testing/status_matchers.h"

namespace crm::gateway {
namespace {

using ::crm::customerprofile::v1::Customer;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

TEST(ParseJsonBodyTest, ParsesCamelCaseAndOriginalNames) {
  Customer customer;
  ASSERT_THAT(
      ParseJsonBody(R"({"givenName":"Mei","family_name":"Li"})", &customer),
      IsOk());
  EXPECT_EQ(customer.given_name(), "Mei");
  EXPECT_EQ(customer.family_name(), "Li");
}

// The reason and the field named in the ErrorInfo metadata of `status`.
std::pair<std::string, std::string> ReasonAndField(const absl::Status& status) {
  std::map<std::string, std::string> metadata = common::ErrorMetadataOf(status);
  return {crm::type::v1::ErrorReason_Name(common::ReasonOf(status)),
          metadata["field"]};
}

TEST(ParseJsonBodyTest, EmptyBodyIsMalformed) {
  Customer customer;
  for (const char* body : {"", " \r\n\t"}) {
    absl::Status status = ParseJsonBody(body, &customer);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(ReasonAndField(status), Pair("BODY_MALFORMED", "body"));
  }
}

TEST(ParseJsonBodyTest, UnknownFieldIsNamed) {
  Customer customer;
  absl::Status status =
      ParseJsonBody(R"({"givenName":"a","shoeSize":44})", &customer);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ReasonAndField(status), Pair("FIELD_INVALID", "shoeSize"));
  EXPECT_THAT(common::FieldViolationsOf(status),
              ElementsAre(Pair("shoeSize", Not(IsEmpty()))));
}

TEST(ParseJsonBodyTest, WrongTypeNamesTheField) {
  Customer customer;
  absl::Status status = ParseJsonBody(R"({"givenName":5})", &customer);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ReasonAndField(status), Pair("FIELD_INVALID", "given_name"));
  crm::loyalty::v1::AdjustPointsRequest adjust;
  EXPECT_THAT(ReasonAndField(ParseJsonBody(R"({"pointsDelta":1.5})", &adjust)),
              Pair("FIELD_INVALID", "points_delta"));
  absl::Status bad_enum = ParseJsonBody(R"({"state":"NOPE"})", &customer);
  EXPECT_THAT(ReasonAndField(bad_enum), Pair("FIELD_INVALID", "state"));
  EXPECT_THAT(bad_enum.message(), Not(HasSubstr("NOPE")));
}

TEST(ParseJsonBodyTest, WrongShapeNamesTheFieldByItsJsonPath) {
  Customer customer;
  EXPECT_THAT(ReasonAndField(ParseJsonBody(R"({"tags":"vip"})", &customer)),
              Pair("FIELD_INVALID", "tags"));
  EXPECT_THAT(
      ReasonAndField(ParseJsonBody(R"({"attributes":["a"]})", &customer)),
      Pair("FIELD_INVALID", "attributes"));
  EXPECT_THAT(
      ReasonAndField(ParseJsonBody(R"({"email":["a@b.co"]})", &customer)),
      Pair("FIELD_INVALID", "email"));
  EXPECT_THAT(
      ReasonAndField(ParseJsonBody(
          R"({"consents":[{"purpose":"PROFILING","status":["GRANTED"]}]})",
          &customer)),
      Pair("FIELD_INVALID", "consents[0].status"));
  EXPECT_THAT(ReasonAndField(ParseJsonBody(R"({"state":{"a":1}})", &customer)),
              Pair("FIELD_INVALID", "state"));
}

TEST(ParseJsonBodyTest, MalformedJsonIsRejectedWithoutEchoingTheBody) {
  Customer customer;
  absl::Status status =
      ParseJsonBody(R"({"givenName": "secret-value)", &customer);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(common::ReasonOf(status), crm::type::v1::BODY_MALFORMED);
  EXPECT_THAT(status.message(), Not(HasSubstr("secret-value")));
  EXPECT_EQ(common::ReasonOf(
                ParseJsonBody(R"({"givenName":"a"} trailing)", &customer)),
            crm::type::v1::BODY_MALFORMED);
}

TEST(ParseJsonBodyTest, NonObjectIsMalformed) {
  Customer customer;
  EXPECT_EQ(common::ReasonOf(ParseJsonBody("[1,2]", &customer)),
            crm::type::v1::BODY_MALFORMED);
  EXPECT_THAT(ParseJsonBody("null", &customer),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseJsonBodyTest, InvalidUtf8IsMalformed) {
  Customer customer;
  absl::Status status =
      ParseJsonBody("{\"givenName\":\"\xff\xfe\"}", &customer);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(common::ReasonOf(status), crm::type::v1::BODY_MALFORMED);
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
    absl::StatusOr<int32_t> size = QueryInt32(request, "page_size");
    EXPECT_THAT(size, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_THAT(ReasonAndField(size.status()),
                Pair("FIELD_INVALID", "page_size"))
        << bad;
  }
}

TEST(QueryParamsTest, UnknownParametersAreNamed) {
  common::HttpRequest request;
  request.query["page_size"] = "1";
  EXPECT_THAT(CheckQueryParams(request, {"page_size", "page_token"}), IsOk());
  request.query["pagesize"] = "1";
  request.query["colour"] = "red";
  absl::Status status = CheckQueryParams(request, {"page_size", "page_token"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(common::ReasonOf(status), crm::type::v1::FIELD_INVALID);
  EXPECT_THAT(common::FieldViolationsOf(status),
              ElementsAre(Pair("colour", _), Pair("pagesize", _)));
}

}  // namespace
}  // namespace crm::gateway

// The gateway's JSON errors (gateway/http_errors.h) and the shared body
// (services/common/http_json_error.h): shape, HTTP statuses and reasons.
#include "gateway/http_errors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "services/common/error_details.h"
#include "services/common/http_json_error.h"
#include "tests/unit/gateway/error_body.h"
#include "tests/unit/gateway/fake_backends.h"

namespace crm::gateway {
namespace {

using ::crm::testing::ErrorBody;
using ::crm::testing::ParseErrorBody;
using ::crm::testing::ServiceStatus;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

constexpr char kErrorInfoType[] = "type.googleapis.com/google.rpc.ErrorInfo";
constexpr char kBadRequestType[] = "type.googleapis.com/google.rpc.BadRequest";

class HttpErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override { common::SetErrorDomain(kGatewayErrorDomain); }
};

TEST(HttpStatusForCodeTest, MapsEveryCanonicalCode) {
  const std::tuple<absl::StatusCode, int> kCases[] = {
      {absl::StatusCode::kOk, 200},
      {absl::StatusCode::kCancelled, 499},
      {absl::StatusCode::kUnknown, 500},
      {absl::StatusCode::kInvalidArgument, 400},
      {absl::StatusCode::kDeadlineExceeded, 504},
      {absl::StatusCode::kNotFound, 404},
      {absl::StatusCode::kAlreadyExists, 409},
      {absl::StatusCode::kPermissionDenied, 403},
      {absl::StatusCode::kResourceExhausted, 429},
      {absl::StatusCode::kFailedPrecondition, 400},
      {absl::StatusCode::kAborted, 409},
      {absl::StatusCode::kOutOfRange, 400},
      {absl::StatusCode::kUnimplemented, 501},
      {absl::StatusCode::kInternal, 500},
      {absl::StatusCode::kUnavailable, 503},
      {absl::StatusCode::kDataLoss, 500},
      {absl::StatusCode::kUnauthenticated, 401},
  };
  for (const auto& [code, http] : kCases) {
    EXPECT_EQ(common::HttpStatusForCode(code), http)
        << absl::StatusCodeToString(code);
  }
  EXPECT_EQ(common::HttpStatusForCode(static_cast<absl::StatusCode>(42)), 500);
}

TEST_F(HttpErrorsTest, BodyHasGooglesShapeWithErrorInfoAndBadRequest) {
  common::HttpResponse response =
      ErrorResponse(common::InvalidFieldError("customer.email", "not valid"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.content_type, "application/json");
  ErrorBody error = ParseErrorBody(response.body);
  EXPECT_EQ(error.code, 400);
  EXPECT_EQ(error.status, "INVALID_ARGUMENT");
  EXPECT_THAT(error.detail_types, ElementsAre(kErrorInfoType, kBadRequestType));
  EXPECT_EQ(error.reason, "FIELD_INVALID");
  EXPECT_EQ(error.domain, "gateway");
  EXPECT_THAT(error.metadata, ElementsAre(Pair("field", "customer.email")));
  ASSERT_EQ(error.field_violations.size(), 1u);
  EXPECT_EQ(error.field_violations[0].first, "customer.email");
  EXPECT_FALSE(error.field_violations[0].second.empty());
}

TEST_F(HttpErrorsTest, MessageIsEscapedJson) {
  ErrorBody error = ParseErrorBody(
      ErrorResponse(absl::InvalidArgumentError("bad \"thing\"\n\\")).body);
  EXPECT_EQ(error.message, "bad \"thing\"\n\\");
  EXPECT_EQ(error.reason, "FIELD_INVALID");  // The code's default.
}

TEST_F(HttpErrorsTest, NonCanonicalCodesAreUnknown) {
  std::string body = common::JsonErrorBody(
      500, absl::Status(static_cast<absl::StatusCode>(99), "odd"));
  ErrorBody error = ParseErrorBody(body);
  EXPECT_EQ(error.code, 500);
  EXPECT_EQ(error.status, "UNKNOWN");
  EXPECT_EQ(error.reason, "INTERNAL_ERROR");
}

TEST_F(HttpErrorsTest, GatewayErrorsCarryTheirReasonsInTheGatewayDomain) {
  struct Case {
    absl::Status status;
    int http;
    std::string code_name;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {RouteNotFoundError("GET", "/v1/nothing"), 404, "NOT_FOUND",
       "ROUTE_NOT_FOUND"},
      {MethodNotAllowedError("DELETE", {"GET", "PATCH"}), 405, "UNIMPLEMENTED",
       "METHOD_NOT_ALLOWED"},
      {BodyMalformedError("invalid JSON body"), 400, "INVALID_ARGUMENT",
       "BODY_MALFORMED"},
      {RequestTooLargeError(1024), 413, "RESOURCE_EXHAUSTED",
       "REQUEST_TOO_LARGE"},
      {GatewayInternalError(), 500, "INTERNAL", "INTERNAL_ERROR"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.reason);
    common::HttpResponse response = ErrorResponse(c.status);
    EXPECT_EQ(response.status, c.http);
    ErrorBody error = ParseErrorBody(response.body);
    EXPECT_EQ(error.code, c.http);
    EXPECT_EQ(error.status, c.code_name);
    EXPECT_EQ(error.reason, c.reason);
    EXPECT_EQ(error.domain, "gateway");
  }
  EXPECT_THAT(
      ParseErrorBody(
          ErrorResponse(MethodNotAllowedError("DELETE", {"GET", "PATCH"})).body)
          .metadata,
      ElementsAre(Pair("allowed", "GET, PATCH")));
}

TEST_F(HttpErrorsTest, UnsupportedMediaTypeIsBodyMalformedOn415) {
  ErrorBody error = ParseErrorBody(
      ErrorResponse(415, UnsupportedMediaTypeError("text/csv")).body);
  EXPECT_EQ(error.code, 415);
  EXPECT_EQ(error.status, "INVALID_ARGUMENT");
  EXPECT_EQ(error.reason, "BODY_MALFORMED");
  EXPECT_EQ(error.metadata["field"], "Content-Type");
}

TEST_F(HttpErrorsTest, BackendDetailsPassThroughUnchanged) {
  common::HttpResponse response = ErrorFromGrpc(
      ServiceStatus(common::NotFoundError("customers/x"), "customer-profile"),
      "customer-profile");
  EXPECT_EQ(response.status, 404);
  ErrorBody error = ParseErrorBody(response.body);
  EXPECT_EQ(error.status, "NOT_FOUND");
  EXPECT_EQ(error.reason, "RESOURCE_NOT_FOUND");
  EXPECT_EQ(error.domain, "customer-profile");
  EXPECT_THAT(error.metadata, ElementsAre(Pair("resource", "customers/x")));

  ErrorBody conflict = ParseErrorBody(
      ErrorFromGrpc(ServiceStatus(common::EtagMismatchError("customers/x"),
                                  "customer-profile"),
                    "customer-profile")
          .body);
  EXPECT_EQ(conflict.code, 409);
  EXPECT_EQ(conflict.status, "ABORTED");
  EXPECT_EQ(conflict.reason, "ETAG_MISMATCH");

  ErrorBody invalid = ParseErrorBody(
      ErrorFromGrpc(ServiceStatus(common::InvalidFieldError("points_delta",
                                                            "out of range"),
                                  "loyalty"),
                    "loyalty")
          .body);
  EXPECT_EQ(invalid.code, 400);
  EXPECT_EQ(invalid.reason, "FIELD_INVALID");
  EXPECT_EQ(invalid.domain, "loyalty");
  ASSERT_EQ(invalid.field_violations.size(), 1u);
  EXPECT_EQ(invalid.field_violations[0].first, "points_delta");
}

TEST_F(HttpErrorsTest, BackendServerErrorsKeepTheReasonButHideInternals) {
  common::HttpResponse database = ErrorFromGrpc(
      ServiceStatus(absl::UnavailableError("mysql at 10.1.2.3:3306 is down"),
                    "loyalty"),
      "loyalty");
  EXPECT_EQ(database.status, 503);
  EXPECT_THAT(database.body, Not(HasSubstr("10.1.2.3")));
  ErrorBody error = ParseErrorBody(database.body);
  EXPECT_EQ(error.status, "UNAVAILABLE");
  EXPECT_EQ(error.reason, "DATABASE_UNAVAILABLE");
  EXPECT_EQ(error.domain, "loyalty");

  common::HttpResponse internal = ErrorFromGrpc(
      ServiceStatus(absl::InternalError("mysql error 1146 at x.cc:12"),
                    "feedback"),
      "feedback");
  EXPECT_EQ(internal.status, 500);
  EXPECT_THAT(internal.body, Not(HasSubstr("mysql")));
  EXPECT_EQ(ParseErrorBody(internal.body).reason, "INTERNAL_ERROR");
  EXPECT_EQ(ParseErrorBody(internal.body).domain, "feedback");

  common::HttpResponse deadline = ErrorFromGrpc(
      ServiceStatus(absl::DeadlineExceededError("statement timed out"),
                    "segmentation"),
      "segmentation");
  EXPECT_EQ(deadline.status, 504);
  EXPECT_EQ(ParseErrorBody(deadline.body).reason, "REQUEST_DEADLINE_EXCEEDED");
  EXPECT_EQ(ParseErrorBody(deadline.body).domain, "segmentation");
}

TEST_F(HttpErrorsTest, TransportFailuresBecomeGatewayReasons) {
  common::HttpResponse unavailable = ErrorFromGrpc(
      grpc::Status(grpc::StatusCode::UNAVAILABLE,
                   "failed to connect to all addresses; ipv4:10.1.2.3:50051"),
      "loyalty");
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_THAT(unavailable.headers, Contains(Pair("Retry-After", "1")));
  EXPECT_THAT(unavailable.body, Not(HasSubstr("10.1.2.3")));
  ErrorBody error = ParseErrorBody(unavailable.body);
  EXPECT_EQ(error.status, "UNAVAILABLE");
  EXPECT_EQ(error.reason, "BACKEND_UNAVAILABLE");
  EXPECT_EQ(error.domain, "gateway");
  EXPECT_THAT(error.metadata, ElementsAre(Pair("backend", "loyalty")));

  common::HttpResponse deadline = ErrorFromGrpc(
      grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"),
      "segmentation");
  EXPECT_EQ(deadline.status, 504);
  ErrorBody timed_out = ParseErrorBody(deadline.body);
  EXPECT_EQ(timed_out.status, "DEADLINE_EXCEEDED");
  EXPECT_EQ(timed_out.reason, "REQUEST_DEADLINE_EXCEEDED");
  EXPECT_EQ(timed_out.domain, "gateway");

  ErrorBody internal = ParseErrorBody(
      ErrorFromGrpc(grpc::Status(grpc::StatusCode::INTERNAL, "x.cc:12"),
                    "feedback")
          .body);
  EXPECT_EQ(internal.status, "INTERNAL");
  EXPECT_EQ(internal.reason, "INTERNAL_ERROR");
  EXPECT_THAT(internal.field_violations, IsEmpty());
}

}  // namespace
}  // namespace crm::gateway

#include "gateway/http_errors.h"

#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <string>
#include <tuple>

namespace crm::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(HttpStatusForGrpcCodeTest, MapsEveryCanonicalCode) {
  const std::tuple<grpc::StatusCode, int, const char*> kCases[] = {
      {grpc::StatusCode::OK, 200, "OK"},
      {grpc::StatusCode::CANCELLED, 499, "CANCELLED"},
      {grpc::StatusCode::UNKNOWN, 500, "UNKNOWN"},
      {grpc::StatusCode::INVALID_ARGUMENT, 400, "INVALID_ARGUMENT"},
      {grpc::StatusCode::DEADLINE_EXCEEDED, 504, "DEADLINE_EXCEEDED"},
      {grpc::StatusCode::NOT_FOUND, 404, "NOT_FOUND"},
      {grpc::StatusCode::ALREADY_EXISTS, 409, "ALREADY_EXISTS"},
      {grpc::StatusCode::PERMISSION_DENIED, 403, "PERMISSION_DENIED"},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, 429, "RESOURCE_EXHAUSTED"},
      {grpc::StatusCode::FAILED_PRECONDITION, 400, "FAILED_PRECONDITION"},
      {grpc::StatusCode::ABORTED, 409, "ABORTED"},
      {grpc::StatusCode::OUT_OF_RANGE, 400, "OUT_OF_RANGE"},
      {grpc::StatusCode::UNIMPLEMENTED, 501, "UNIMPLEMENTED"},
      {grpc::StatusCode::INTERNAL, 500, "INTERNAL"},
      {grpc::StatusCode::UNAVAILABLE, 503, "UNAVAILABLE"},
      {grpc::StatusCode::DATA_LOSS, 500, "DATA_LOSS"},
      {grpc::StatusCode::UNAUTHENTICATED, 401, "UNAUTHENTICATED"},
  };
  for (const auto& [code, http, name] : kCases) {
    EXPECT_EQ(HttpStatusForGrpcCode(code), http) << name;
    EXPECT_EQ(GrpcCodeName(code), name);
  }
  auto out_of_range = static_cast<grpc::StatusCode>(42);
  EXPECT_EQ(HttpStatusForGrpcCode(out_of_range), 500);
  EXPECT_EQ(GrpcCodeName(out_of_range), "UNKNOWN");
}

google::protobuf::Struct ParseJson(const std::string& json) {
  google::protobuf::Struct result;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &result).ok())
      << json;
  return result;
}

TEST(ErrorResponseTest, HasTheDocumentedShape) {
  common::HttpResponse response =
      ErrorResponse(400, "INVALID_ARGUMENT", "bad \"thing\"\n");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.content_type, "application/json");
  google::protobuf::Struct body = ParseJson(response.body);
  const auto& error = body.fields().at("error").struct_value().fields();
  EXPECT_EQ(error.at("code").number_value(), 400);
  EXPECT_EQ(error.at("status").string_value(), "INVALID_ARGUMENT");
  EXPECT_EQ(error.at("message").string_value(), "bad \"thing\"\n");
}

TEST(ErrorFromGrpcTest, ClientErrorsKeepTheBackendMessage) {
  common::HttpResponse response = ErrorFromGrpc(
      grpc::Status(grpc::StatusCode::NOT_FOUND, "customers/x not found"),
      "customer-profile");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body,
            "{\"error\":{\"code\":404,\"status\":\"NOT_FOUND\",\"message\":"
            "\"customers/x not found\"}}");
}

TEST(ErrorFromGrpcTest, ServerErrorsHideBackendDetails) {
  common::HttpResponse unavailable = ErrorFromGrpc(
      grpc::Status(grpc::StatusCode::UNAVAILABLE,
                   "failed to connect to all addresses; ipv4:10.1.2.3:50051"),
      "loyalty");
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_THAT(unavailable.body, HasSubstr("loyalty is unavailable"));
  EXPECT_THAT(unavailable.body, Not(HasSubstr("10.1.2.3")));

  common::HttpResponse deadline = ErrorFromGrpc(
      grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"),
      "segmentation");
  EXPECT_EQ(deadline.status, 504);
  EXPECT_THAT(deadline.body, HasSubstr("segmentation did not answer in time"));

  common::HttpResponse internal = ErrorFromGrpc(
      grpc::Status(grpc::StatusCode::INTERNAL, "mysql error 1146 at x.cc:12"),
      "feedback");
  EXPECT_EQ(internal.status, 500);
  EXPECT_THAT(internal.body, HasSubstr("\"status\":\"INTERNAL\""));
  EXPECT_THAT(internal.body, Not(HasSubstr("mysql")));
}

TEST(ErrorFromStatusTest, MapsAbslCodes) {
  common::HttpResponse response =
      ErrorFromStatus(absl::InvalidArgumentError("page_size must be ..."));
  EXPECT_EQ(response.status, 400);
  EXPECT_THAT(response.body, HasSubstr("\"status\":\"INVALID_ARGUMENT\""));
  EXPECT_THAT(response.body, HasSubstr("page_size must be ..."));
  EXPECT_EQ(ErrorFromStatus(absl::NotFoundError("x")).status, 404);
  EXPECT_EQ(ErrorFromStatus(absl::UnavailableError("x")).status, 503);
}

}  // namespace
}  // namespace crm::gateway

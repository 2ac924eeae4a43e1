#include "services/common/grpc_status.h"

#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/common/error_details.h"

namespace crm::common {
namespace {

TEST(GrpcStatusTest, EveryCanonicalCodeRoundTrips) {
  for (int code = 1; code <= 16; ++code) {
    const absl::Status original(static_cast<absl::StatusCode>(code),
                                "message " + std::to_string(code));
    const grpc::Status converted = ToGrpcStatus(original);
    EXPECT_EQ(static_cast<int>(converted.error_code()), code);
    EXPECT_EQ(converted.error_message(), original.message());
    const absl::Status back = FromGrpcStatus(converted);
    EXPECT_EQ(back.code(), original.code());
    EXPECT_EQ(back.message(), original.message());
  }
}

TEST(GrpcStatusTest, EveryErrorCarriesErrorInfoWithReasonAndDomain) {
  SetErrorDomain("test-service");
  const grpc::Status converted = ToGrpcStatus(absl::NotFoundError("gone"));
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(converted.error_details()));
  EXPECT_EQ(details.code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "RESOURCE_NOT_FOUND");
  EXPECT_EQ(info.domain(), "test-service");
}

TEST(GrpcStatusTest, ReasonMetadataAndViolationsRoundTrip) {
  SetErrorDomain("test-service");
  const absl::Status original = InvalidFieldError("customer.email", "bad");
  const absl::Status back = FromGrpcStatus(ToGrpcStatus(original));
  EXPECT_EQ(back.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(back), crm::type::v1::FIELD_INVALID);
  EXPECT_EQ(ErrorMetadataOf(back).at("field"), "customer.email");
  ASSERT_EQ(FieldViolationsOf(back).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(back)[0].first, "customer.email");
}

TEST(GrpcStatusTest, StatusWithoutDetailsKeepsCodeAndMessage) {
  const absl::Status back =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::ABORTED, "m"));
  EXPECT_EQ(back, absl::AbortedError("m"));
  EXPECT_EQ(ReasonOf(back), crm::type::v1::ERROR_REASON_UNSPECIFIED);
}

TEST(GrpcStatusTest, UndecodableDetailsAreIgnored) {
  const absl::Status back = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::ABORTED, "m", "\xff\xff not a proto"));
  EXPECT_EQ(back.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(back.message(), "m");
}

TEST(GrpcStatusTest, NamedCodesMatch) {
  EXPECT_EQ(ToGrpcStatus(absl::NotFoundError("x")).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ToGrpcStatus(absl::FailedPreconditionError("x")).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "")),
            absl::UnauthenticatedError(""));
}

TEST(GrpcStatusTest, OkMapsToOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(GrpcStatusTest, OutOfRangeCodesBecomeUnknown) {
  EXPECT_EQ(ToGrpcStatus(absl::Status(static_cast<absl::StatusCode>(42), "m"))
                .error_code(),
            grpc::StatusCode::UNKNOWN);
  // grpc::StatusCode has no fixed underlying type: only values within its
  // range (0..31) may be formed, so 30 stands for an unknown code.
  EXPECT_EQ(FromGrpcStatus(grpc::Status(static_cast<grpc::StatusCode>(30), "m"))
                .code(),
            absl::StatusCode::kUnknown);
}

}  // namespace
}  // namespace crm::common

#include "services/common/error_details.h"

#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"

namespace crm::common {
namespace {

namespace v1t = ::crm::type::v1;

TEST(ErrorDetailsTest, InvalidFieldErrorNamesTheFieldEverywhere) {
  const absl::Status status = InvalidFieldError("customer.email", "no '@'");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "customer.email: no '@'");
  EXPECT_EQ(ReasonOf(status), v1t::FIELD_INVALID);
  EXPECT_EQ(ErrorMetadataOf(status).at("field"), "customer.email");
  ASSERT_EQ(FieldViolationsOf(status).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(status)[0].first, "customer.email");
  EXPECT_EQ(FieldViolationsOf(status)[0].second, "no '@'");
}

TEST(ErrorDetailsTest, ConstructorsSetCodeAndReason) {
  struct Case {
    absl::Status status;
    absl::StatusCode code;
    v1t::ErrorReason reason;
  };
  const Case cases[] = {
      {RequiredFieldError("x"), absl::StatusCode::kInvalidArgument,
       v1t::FIELD_REQUIRED},
      {ImmutableFieldError("x", "output only"),
       absl::StatusCode::kInvalidArgument, v1t::FIELD_IMMUTABLE},
      {NotFoundError("customers/1"), absl::StatusCode::kNotFound,
       v1t::RESOURCE_NOT_FOUND},
      {AlreadyExistsError("customers/1", "taken"),
       absl::StatusCode::kAlreadyExists, v1t::RESOURCE_ALREADY_EXISTS},
      {EtagMismatchError("customers/1"), absl::StatusCode::kAborted,
       v1t::ETAG_MISMATCH},
      {StateConflictError("customers/1", "erased", v1t::CUSTOMER_ERASED),
       absl::StatusCode::kFailedPrecondition, v1t::CUSTOMER_ERASED},
      {StateConflictError("customers/1", "merged"),
       absl::StatusCode::kFailedPrecondition, v1t::RESOURCE_STATE_CONFLICT},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.status.code(), c.code) << c.status;
    EXPECT_EQ(ReasonOf(c.status), c.reason) << c.status;
  }
  EXPECT_EQ(ErrorMetadataOf(NotFoundError("customers/1")).at("resource"),
            "customers/1");
}

TEST(ErrorDetailsTest, ReasonReplacesEarlierReasonAndKeepsViolations) {
  absl::Status status = InvalidFieldError("filter", "bad");
  status = ErrorWithReason(std::move(status), v1t::FILTER_INVALID,
                           {{"field", "filter"}, {"position", "3"}});
  EXPECT_EQ(ReasonOf(status), v1t::FILTER_INVALID);
  EXPECT_EQ(ErrorMetadataOf(status).at("position"), "3");
  EXPECT_EQ(FieldViolationsOf(status).size(), 1u);
}

TEST(ErrorDetailsTest, OkStaysOkAndHasNoReason) {
  EXPECT_TRUE(ErrorWithReason(absl::OkStatus(), v1t::FIELD_INVALID).ok());
  EXPECT_EQ(ReasonOf(absl::OkStatus()), v1t::ERROR_REASON_UNSPECIFIED);
  EXPECT_EQ(ReasonOf(absl::InternalError("x")), v1t::ERROR_REASON_UNSPECIFIED);
}

TEST(ErrorDetailsTest, EveryCodeHasADefaultReason) {
  for (int code = 1; code <= 16; ++code) {
    EXPECT_NE(DefaultReasonFor(static_cast<absl::StatusCode>(code)),
              v1t::ERROR_REASON_UNSPECIFIED)
        << code;
  }
  EXPECT_EQ(DefaultReasonFor(absl::StatusCode::kAborted),
            v1t::CONCURRENCY_CONFLICT);
  EXPECT_EQ(DefaultReasonFor(absl::StatusCode::kDeadlineExceeded),
            v1t::REQUEST_DEADLINE_EXCEEDED);
}

TEST(ErrorDetailsTest, RpcStatusFillsDefaultReasonAndDomain) {
  SetErrorDomain("loyalty");
  const google::rpc::Status rpc = ToRpcStatus(absl::AbortedError("retry"));
  ASSERT_EQ(rpc.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(rpc.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "CONCURRENCY_CONFLICT");
  EXPECT_EQ(info.domain(), "loyalty");
  EXPECT_EQ(ReasonOf(FromRpcStatus(rpc)), v1t::CONCURRENCY_CONFLICT);
}

TEST(ErrorDetailsTest, RpcStatusCarriesBadRequestOnlyWithViolations) {
  const google::rpc::Status with =
      ToRpcStatus(InvalidFieldError("page_size", "negative"));
  ASSERT_EQ(with.details_size(), 2);
  google::rpc::BadRequest request;
  ASSERT_TRUE(with.details(1).UnpackTo(&request));
  EXPECT_EQ(request.field_violations(0).field(), "page_size");
  EXPECT_EQ(ToRpcStatus(NotFoundError("x/1")).details_size(), 1);
}

}  // namespace
}  // namespace crm::common

#include "services/common/mysql_errors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/error_details.h"
#include "tests/testing/status_matchers.h"

namespace crm::common {
namespace {

using ::crm::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(MySqlErrorCodeToStatusCode, MapsKnownCodes) {
  EXPECT_EQ(MySqlErrorCodeToStatusCode(1062), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(MySqlErrorCodeToStatusCode(1213), absl::StatusCode::kAborted);
  EXPECT_EQ(MySqlErrorCodeToStatusCode(1205), absl::StatusCode::kAborted);
  for (int code : {1406, 1366, 1264, 1292}) {
    EXPECT_EQ(MySqlErrorCodeToStatusCode(code),
              absl::StatusCode::kInvalidArgument)
        << code;
  }
  EXPECT_EQ(MySqlErrorCodeToStatusCode(1451),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(MySqlErrorCodeToStatusCode(1452),
            absl::StatusCode::kFailedPrecondition);
  for (int code : {2002, 2003, 2006, 2013, 2055, 1927, 1053, 1040}) {
    EXPECT_EQ(MySqlErrorCodeToStatusCode(code), absl::StatusCode::kUnavailable)
        << code;
  }
  for (int code : {1044, 1045, 1142, 1064, 1146, 0}) {
    EXPECT_EQ(MySqlErrorCodeToStatusCode(code), absl::StatusCode::kInternal)
        << code;
  }
}

TEST(IsRetryableTransactionError, OnlyDeadlockAndLockWait) {
  EXPECT_TRUE(IsRetryableTransactionError(1213));
  EXPECT_TRUE(IsRetryableTransactionError(1205));
  for (int code : {0, 1062, 2006, 2013, 1045, 1064}) {
    EXPECT_FALSE(IsRetryableTransactionError(code)) << code;
  }
}

TEST(IsConnectionLostError, ConnectionCodes) {
  for (int code : {2002, 2003, 2006, 2013, 2055, 1927, 1053}) {
    EXPECT_TRUE(IsConnectionLostError(code)) << code;
  }
  for (int code : {0, 1062, 1213, 1045}) {
    EXPECT_FALSE(IsConnectionLostError(code)) << code;
  }
}

TEST(MySqlErrorToStatus, KeepsContextCodeAndServerText) {
  const sql::SQLException e("Deadlock found when trying to get lock", "40001",
                            1213);
  absl::Status status = MySqlErrorToStatus(e, "updating account");
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kAborted,
                       AllOf(HasSubstr("updating account"), HasSubstr("1213"),
                             HasSubstr("Deadlock found"))));
  EXPECT_EQ(MySqlErrorCodeOf(status), 1213);
}

TEST(MySqlErrorToStatus, OmitsQuotedValuesOfDuplicateKeys) {
  const sql::SQLException e(
      "Duplicate entry 'alice@example.com' for key 'customers_by_email'",
      "23000", 1062);
  absl::Status status = MySqlErrorToStatus(e, "inserting customer");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kAlreadyExists,
                               AllOf(HasSubstr("inserting customer"),
                                     Not(HasSubstr("alice")))));
  EXPECT_EQ(MySqlErrorCodeOf(status), 1062);
}

TEST(MySqlErrorToStatus, CarriesTheReasonClientsBranchOn) {
  struct Case {
    int mysql_code;
    absl::StatusCode code;
    crm::type::v1::ErrorReason reason;
  };
  const Case cases[] = {
      {1969, absl::StatusCode::kDeadlineExceeded,
       crm::type::v1::REQUEST_DEADLINE_EXCEEDED},
      {3024, absl::StatusCode::kDeadlineExceeded,
       crm::type::v1::REQUEST_DEADLINE_EXCEEDED},
      {1317, absl::StatusCode::kCancelled, crm::type::v1::REQUEST_CANCELLED},
      {2013, absl::StatusCode::kUnavailable,
       crm::type::v1::DATABASE_UNAVAILABLE},
      {1213, absl::StatusCode::kAborted, crm::type::v1::CONCURRENCY_CONFLICT},
      {1062, absl::StatusCode::kAlreadyExists,
       crm::type::v1::RESOURCE_ALREADY_EXISTS},
  };
  for (const Case& c : cases) {
    const absl::Status status =
        MySqlErrorToStatus(sql::SQLException("x", "HY000", c.mysql_code), "q");
    EXPECT_EQ(status.code(), c.code) << c.mysql_code;
    EXPECT_EQ(ReasonOf(status), c.reason) << c.mysql_code;
    EXPECT_EQ(MySqlErrorCodeOf(status), c.mysql_code);
  }
}

TEST(MySqlErrorCodeOf, AbsentForOtherStatuses) {
  EXPECT_FALSE(MySqlErrorCodeOf(absl::AbortedError("etag mismatch")));
  EXPECT_FALSE(MySqlErrorCodeOf(absl::OkStatus()));
}

}  // namespace
}  // namespace crm::common

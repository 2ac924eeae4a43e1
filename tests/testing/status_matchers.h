// GoogleTest matchers for absl::Status and absl::StatusOr<T>.
//
//   EXPECT_THAT(repository.Get(id), IsOk());
//   EXPECT_THAT(consumer.ApplyBatch(items), IsOkAndHolds(3));
//   EXPECT_THAT(Create(bad), StatusIs(absl::StatusCode::kInvalidArgument,
//                                     HasSubstr("email")));
//   CRM_ASSERT_OK_AND_ASSIGN(Customer c, service.Get(id));
#pragma once

#include <ostream>
#include <utility>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace crm::testing {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = ::crm::testing::GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status;
  return status.ok();
}

// A StatusOr that is OK and whose value equals `expected`.
MATCHER_P(IsOkAndHolds, expected, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  *result_listener << "value is " << ::testing::PrintToString(*arg);
  return *arg == expected;
}

MATCHER_P(StatusIs, code,
          "has code " + std::string(absl::StatusCodeToString(code))) {
  const absl::Status& status = ::crm::testing::GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + std::string(absl::StatusCodeToString(code)) +
               " and a matching message") {
  const absl::Status& status = ::crm::testing::GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         ::testing::ExplainMatchResult(
             message_matcher, std::string(status.message()), result_listener);
}

}  // namespace crm::testing

#define CRM_TESTING_CONCAT_INNER_(a, b) a##b
#define CRM_TESTING_CONCAT_(a, b) CRM_TESTING_CONCAT_INNER_(a, b)

#define CRM_ASSERT_OK(expr) ASSERT_THAT((expr), ::crm::testing::IsOk())
#define CRM_EXPECT_OK(expr) EXPECT_THAT((expr), ::crm::testing::IsOk())

// Asserts that `rexpr` (a StatusOr) is OK and moves its value into `lhs`.
#define CRM_ASSERT_OK_AND_ASSIGN(lhs, rexpr)                                   \
  CRM_ASSERT_OK_AND_ASSIGN_IMPL_(CRM_TESTING_CONCAT_(crm_statusor_, __LINE__), \
                                 lhs, rexpr)
#define CRM_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  ASSERT_THAT(statusor.status(), ::crm::testing::IsOk());    \
  lhs = std::move(statusor).value()

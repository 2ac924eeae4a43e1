// The points account rules without a database.
#include "services/loyalty/account_rules.h"

#include <cstdint>
#include <limits>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "tests/testing/status_matchers.h"

namespace crm::loyalty {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::testing::StatusIs;
namespace reason = ::crm::type::v1;

v1::AdjustPointsRequest ValidRequest() {
  v1::AdjustPointsRequest request;
  request.set_account("accounts/c1");
  request.set_points_delta(-25);
  request.set_reason("  late delivery ");
  request.set_request_id("req-1");
  return request;
}

TEST(ValidateAdjustPoints, ReturnsTheAdjustment) {
  CRM_ASSERT_OK_AND_ASSIGN(Adjustment adjustment,
                           ValidateAdjustPoints(ValidRequest()));
  EXPECT_EQ(adjustment.customer_id, "c1");
  EXPECT_EQ(adjustment.points_delta, -25);
  EXPECT_EQ(adjustment.reason, "late delivery");
  EXPECT_EQ(adjustment.request_id, "req-1");
}

TEST(ValidateAdjustPoints, NamesTheOffendingField) {
  struct Case {
    const char* field;
    reason::ErrorReason reason;
    void (*spoil)(v1::AdjustPointsRequest&);
  };
  const Case cases[] = {
      {"account", reason::FIELD_INVALID,
       [](v1::AdjustPointsRequest& r) { r.set_account("c1"); }},
      {"account", reason::FIELD_INVALID,
       [](v1::AdjustPointsRequest& r) { r.set_account(""); }},
      {"points_delta", reason::FIELD_INVALID,
       [](v1::AdjustPointsRequest& r) { r.set_points_delta(1'000'000'001); }},
      {"points_delta", reason::FIELD_INVALID,
       [](v1::AdjustPointsRequest& r) {
         r.set_points_delta(std::numeric_limits<int64_t>::min());
       }},
      {"reason", reason::FIELD_REQUIRED,
       [](v1::AdjustPointsRequest& r) { r.set_reason(" "); }},
      {"reason", reason::FIELD_INVALID,
       [](v1::AdjustPointsRequest& r) { r.set_reason(std::string(501, 'r')); }},
      {"reason", reason::FIELD_INVALID,
       [](v1::AdjustPointsRequest& r) { r.set_reason("bad \xff utf-8"); }},
      {"request_id", reason::FIELD_INVALID,
       [](v1::AdjustPointsRequest& r) {
         r.set_request_id(std::string(65, 'k'));
       }},
  };
  for (const Case& c : cases) {
    v1::AdjustPointsRequest request = ValidRequest();
    c.spoil(request);
    absl::StatusOr<Adjustment> result = ValidateAdjustPoints(request);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument))
        << c.field;
    EXPECT_EQ(ReasonOf(result.status()), c.reason) << c.field;
    EXPECT_EQ(ErrorMetadataOf(result.status())["field"], c.field);
  }
}

TEST(ValidateAdjustPoints, ReasonLimitCountsCharacters) {
  v1::AdjustPointsRequest request = ValidRequest();
  std::string reason;
  for (int i = 0; i < 500; ++i) reason += "积";
  request.set_reason(reason);
  EXPECT_TRUE(ValidateAdjustPoints(request).ok());
}

TEST(ApplyDelta, NeverGoesBelowZero) {
  EXPECT_EQ(ApplyDelta(10, -10).value(), 0);
  EXPECT_EQ(ApplyDelta(0, 5).value(), 5);
  absl::StatusOr<int64_t> overdrawn = ApplyDelta(10, -11);
  EXPECT_THAT(overdrawn, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(overdrawn.status()), reason::INSUFFICIENT_BALANCE);
  absl::StatusOr<int64_t> overflow =
      ApplyDelta(std::numeric_limits<int64_t>::max() - 1, 2);
  EXPECT_THAT(overflow, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(overflow.status()), reason::RESOURCE_STATE_CONFLICT);
}

TEST(Names, FormatAccountsAndEntries) {
  EXPECT_EQ(AccountName("c1"), "accounts/c1");
  EXPECT_EQ(CustomerName("c1"), "customers/c1");
  EXPECT_EQ(LedgerEntryName("c1", "e9"), "accounts/c1/ledgerEntries/e9");
  EXPECT_EQ(ParseAccountName("accounts/c1", "name").value(), "c1");
  absl::StatusOr<std::string> nested =
      ParseAccountName("accounts/c1/x", "name");
  EXPECT_THAT(nested, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(nested.status()), reason::FIELD_INVALID);
  EXPECT_EQ(ErrorMetadataOf(nested.status())["field"], "name");
}

}  // namespace
}  // namespace crm::loyalty

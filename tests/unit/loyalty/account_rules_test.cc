// The points account rules without a database.
#include "services/loyalty/account_rules.h"

#include <cstdint>
#include <limits>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::StatusIs;
using ::testing::HasSubstr;

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
    void (*spoil)(v1::AdjustPointsRequest&);
  };
  const Case cases[] = {
      {"account", [](v1::AdjustPointsRequest& r) { r.set_account("c1"); }},
      {"points_delta",
       [](v1::AdjustPointsRequest& r) { r.set_points_delta(0); }},
      {"points_delta",
       [](v1::AdjustPointsRequest& r) { r.set_points_delta(1'000'000'001); }},
      {"points_delta",
       [](v1::AdjustPointsRequest& r) {
         r.set_points_delta(std::numeric_limits<int64_t>::min());
       }},
      {"reason", [](v1::AdjustPointsRequest& r) { r.set_reason(""); }},
      {"reason",
       [](v1::AdjustPointsRequest& r) { r.set_reason(std::string(501, 'r')); }},
      {"request_id", [](v1::AdjustPointsRequest& r) { r.set_request_id(""); }},
      {"request_id",
       [](v1::AdjustPointsRequest& r) {
         r.set_request_id(std::string(65, 'k'));
       }},
  };
  for (const Case& c : cases) {
    v1::AdjustPointsRequest request = ValidRequest();
    c.spoil(request);
    EXPECT_THAT(
        ValidateAdjustPoints(request),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field)))
        << c.field;
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
  EXPECT_THAT(ApplyDelta(10, -11),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("insufficient points")));
  EXPECT_THAT(ApplyDelta(std::numeric_limits<int64_t>::max() - 1, 2),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(Names, FormatAccountsAndEntries) {
  EXPECT_EQ(AccountName("c1"), "accounts/c1");
  EXPECT_EQ(LedgerEntryName("c1", "e9"), "accounts/c1/ledgerEntries/e9");
  EXPECT_EQ(ParseAccountName("accounts/c1", "name").value(), "c1");
  EXPECT_THAT(ParseAccountName("accounts/c1/x", "name"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")));
}

}  // namespace
}  // namespace crm::loyalty

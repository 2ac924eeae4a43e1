// The pure parts of GetCustomerStatistics: the name, the months asked for,
// and the figures built from per-channel and per-month counts.
#include "services/customer_profile/customer_statistics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/error_details.h"
#include "services/common/timestamps.h"
#include "tests/testing/status_matchers.h"

namespace crm::customer_profile {
namespace {

using ::crm::testing::IsOk;

TEST(CustomerStatisticsTest, AcceptsOnlyTheSingletonName) {
  EXPECT_THAT(CheckCustomerStatisticsName("customerStatistics"), IsOk());
  for (const char* bad :
       {"", "customerstatistics", "customerStatistics/x", "customers"}) {
    absl::Status status = CheckCustomerStatisticsName(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(crm::common::ErrorMetadataOf(status)["field"], "name");
  }
}

TEST(CustomerStatisticsTest, NormalizesMonths) {
  EXPECT_EQ(*NormalizeStatisticsMonths(0), 12);
  EXPECT_EQ(*NormalizeStatisticsMonths(3), 3);
  EXPECT_EQ(*NormalizeStatisticsMonths(121), 120);
  absl::StatusOr<int> negative = NormalizeStatisticsMonths(-2);
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(crm::common::ErrorMetadataOf(negative.status())["field"], "months");
}

TEST(CustomerStatisticsTest, CountsAtEachMonthsEndFromTheTotal) {
  const absl::Time now = absl::FromUnixSeconds(1773576000);  // 2026-03-15
  v1::CustomerStatistics statistics = BuildCustomerStatistics(
      {{"store", 5}, {"web", 3}, {"", 2}},
      {{absl::CivilMonth(2026, 1), 4}, {absl::CivilMonth(2026, 3), 1}},
      absl::CivilMonth(2026, 1), absl::CivilMonth(2026, 3), now);
  EXPECT_EQ(statistics.name(), "customerStatistics");
  EXPECT_EQ(statistics.customer_count(), 10);
  ASSERT_EQ(statistics.monthly_growth_size(), 3);
  EXPECT_EQ(statistics.monthly_growth(0).new_customers(), 4);
  EXPECT_EQ(statistics.monthly_growth(0).customer_count(), 9);
  EXPECT_EQ(statistics.monthly_growth(1).new_customers(), 0);
  EXPECT_EQ(statistics.monthly_growth(1).customer_count(), 9);
  EXPECT_EQ(statistics.monthly_growth(2).new_customers(), 1);
  EXPECT_EQ(statistics.monthly_growth(2).customer_count(), 10);
  EXPECT_EQ(crm::common::FromProtoTimestamp(
                statistics.monthly_growth(1).month_start_time()),
            absl::FromCivil(absl::CivilMonth(2026, 2), absl::UTCTimeZone()));
  ASSERT_EQ(statistics.channels_size(), 3);
  EXPECT_EQ(statistics.channels(0).channel(), "store");
  EXPECT_EQ(statistics.channels(2).channel(), "");
  EXPECT_EQ(crm::common::FromProtoTimestamp(statistics.compute_time()), now);
}

}  // namespace
}  // namespace crm::customer_profile

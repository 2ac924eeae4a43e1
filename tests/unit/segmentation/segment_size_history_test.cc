// The pure parts of GetSegmentSizeHistory: names, the days asked for, and
// the daily sizes from the current count and the net daily changes.
#include "services/segmentation/segment_size_history.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/error_details.h"
#include "tests/testing/status_matchers.h"

namespace crm::segmentation {
namespace {

using ::crm::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(SegmentSizeHistoryTest, ParsesOnlySizeHistoryNames) {
  absl::StatusOr<std::string> id =
      ParseSegmentSizeHistoryName("segments/abc/sizeHistory");
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(*id, "abc");
  EXPECT_EQ(SegmentSizeHistoryName("abc"), "segments/abc/sizeHistory");
  for (const char* bad :
       {"segments/abc", "segments/abc/sizehistory", "segments//sizeHistory",
        "sizeHistory", "customers/abc/sizeHistory", ""}) {
    absl::StatusOr<std::string> parsed = ParseSegmentSizeHistoryName(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_EQ(crm::common::ErrorMetadataOf(parsed.status())["field"], "name");
  }
}

TEST(SegmentSizeHistoryTest, NormalizesDays) {
  EXPECT_EQ(*NormalizeSizeHistoryDays(0), 30);
  EXPECT_EQ(*NormalizeSizeHistoryDays(1), 1);
  EXPECT_EQ(*NormalizeSizeHistoryDays(366), 366);
  EXPECT_EQ(*NormalizeSizeHistoryDays(367), 366);
  absl::StatusOr<int> negative = NormalizeSizeHistoryDays(-1);
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(crm::common::ErrorMetadataOf(negative.status())["field"], "days");
}

TEST(SegmentSizeHistoryTest, WalksBackFromTodaysCount) {
  const absl::CivilDay first(2026, 1, 10);
  const absl::CivilDay last(2026, 1, 14);
  // The first day's own change is before its end: not applied backwards.
  const std::vector<DailyNetChange> net = {{absl::CivilDay(2026, 1, 10), 5},
                                           {absl::CivilDay(2026, 1, 12), 2},
                                           {absl::CivilDay(2026, 1, 14), -1},
                                           {absl::CivilDay(2026, 1, 15), 9}};
  EXPECT_THAT(DailySegmentSizes(4, first, last, net),
              ElementsAre(3, 3, 5, 5, 4));
  EXPECT_THAT(DailySegmentSizes(7, last, last, net), ElementsAre(7));
  EXPECT_THAT(DailySegmentSizes(7, last, first, net), IsEmpty());
}

}  // namespace
}  // namespace crm::segmentation

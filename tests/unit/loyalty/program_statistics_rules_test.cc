// The pure rules of GetProgramStatistics: the resource name, the horizon of
// reported expiries and the response built from the aggregates.
#include "services/loyalty/program_statistics_rules.h"

#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "services/common/error_details.h"

namespace crm::loyalty {
namespace {

absl::Time Utc(int y, int m, int d, int hh = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, 0, 0),
                         absl::UTCTimeZone());
}

TEST(ProgramStatisticsRulesTest, NamesParseOnlyForTheDefaultProgramme) {
  EXPECT_EQ(ParseProgramStatisticsName("programs/default/statistics", "name")
                .value_or(""),
            "default");
  EXPECT_TRUE(absl::IsNotFound(
      ParseProgramStatisticsName("programs/p2/statistics", "name").status()));
  for (const char* name : {"", "programs/default", "programs/statistics",
                           "programs/default/statistics/",
                           "rewards/x/statistics", "programs/a/b/statistics"}) {
    absl::Status status = ParseProgramStatisticsName(name, "name").status();
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << name;
    EXPECT_EQ(crm::common::ErrorMetadataOf(status)["field"], "name") << name;
  }
  EXPECT_EQ(ProgramStatisticsName("default"), "programs/default/statistics");
}

TEST(ProgramStatisticsRulesTest, TheHorizonIsThirteenMonthStartsAhead) {
  EXPECT_EQ(ExpiringPointsHorizon(Utc(2026, 3, 15, 13)), Utc(2027, 4, 1));
  EXPECT_EQ(ExpiringPointsHorizon(Utc(2026, 12, 31, 23)), Utc(2028, 1, 1));
  EXPECT_EQ(ExpiringPointsHorizon(Utc(2026, 1, 1)), Utc(2027, 2, 1));
}

TEST(ProgramStatisticsRulesTest, TiersInProgrammeOrderUntieredFirst) {
  v1::Program program;
  program.add_tiers()->set_tier_id("silver");
  program.add_tiers()->set_tier_id("gold");
  program.add_tiers()->set_tier_id("platinum");
  OutstandingPointsRecord points;
  points.outstanding_points = 900;
  points.expiring_by_month[absl::CivilMonth(2026, 2)] = 5;  // before now
  points.expiring_by_month[absl::CivilMonth(2026, 5)] = 300;
  points.expiring_by_month[absl::CivilMonth(2026, 3)] = 100;
  points.expiring_by_month[absl::CivilMonth(2026, 4)] = 0;
  points.expiring_by_month[absl::CivilMonth(2027, 4)] = 7;  // beyond
  const absl::Time now = Utc(2026, 3, 15, 10);
  v1::ProgramStatistics statistics = BuildProgramStatistics(
      "default", program, {{"gold", 4}, {"", 3}, {"retired", 2}, {"silver", 1}},
      points, now);
  EXPECT_EQ(statistics.name(), "programs/default/statistics");
  EXPECT_EQ(statistics.member_count(), 10);
  ASSERT_EQ(statistics.tier_members_size(), 5);
  const std::pair<const char*, int64_t> expected[] = {
      {"", 3}, {"silver", 1}, {"gold", 4}, {"platinum", 0}, {"retired", 2}};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(statistics.tier_members(i).tier_id(), expected[i].first);
    EXPECT_EQ(statistics.tier_members(i).member_count(), expected[i].second);
  }
  EXPECT_EQ(statistics.outstanding_points(), 900);
  ASSERT_EQ(statistics.expiring_points_size(), 2);
  EXPECT_EQ(statistics.expiring_points(0).month_start_time().seconds(),
            absl::ToUnixSeconds(Utc(2026, 3, 1)));
  EXPECT_EQ(statistics.expiring_points(0).points(), 100);
  EXPECT_EQ(statistics.expiring_points(1).month_start_time().seconds(),
            absl::ToUnixSeconds(Utc(2026, 5, 1)));
  EXPECT_EQ(statistics.expiring_points(1).points(), 300);
  EXPECT_EQ(statistics.compute_time().seconds(), absl::ToUnixSeconds(now));
}

}  // namespace
}  // namespace crm::loyalty

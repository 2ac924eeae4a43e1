// The pure date rules of BIRTHDAY journeys (journey_birthdays.h): which
// month-days a UTC day stands for (29 February on 28 February of a common
// year only), the once-a-year trigger event and the stored pass day.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "services/loyalty/journey_birthdays.h"

namespace crm::loyalty {
namespace {

using ::testing::ElementsAre;

TEST(BirthdayDaysTest, MonthDaysTriggerEventsAndPassDays) {
  EXPECT_THAT(BirthdaysOn(absl::CivilDay(2027, 12, 4)), ElementsAre("12-04"));
  EXPECT_THAT(BirthdaysOn(absl::CivilDay(2027, 1, 9)), ElementsAre("01-09"));
  // 29 February birthdays on 28 February of common years only.
  EXPECT_THAT(BirthdaysOn(absl::CivilDay(2027, 2, 28)),
              ElementsAre("02-28", "02-29"));
  EXPECT_THAT(BirthdaysOn(absl::CivilDay(2100, 2, 28)),
              ElementsAre("02-28", "02-29"));
  EXPECT_THAT(BirthdaysOn(absl::CivilDay(2028, 2, 28)), ElementsAre("02-28"));
  EXPECT_THAT(BirthdaysOn(absl::CivilDay(2000, 2, 28)), ElementsAre("02-28"));
  EXPECT_THAT(BirthdaysOn(absl::CivilDay(2028, 2, 29)), ElementsAre("02-29"));
  EXPECT_THAT(BirthdaysOn(absl::CivilDay(2027, 3, 1)), ElementsAre("03-01"));
  EXPECT_EQ(BirthdayTriggerEvent(absl::CivilDay(2027, 12, 4)), "birthday:2027");
  EXPECT_EQ(BirthdayPassDay(absl::CivilDay(2027, 12, 4)), 20271204);
  EXPECT_EQ(BirthdayPassDay(absl::CivilDay(2028, 1, 1)), 20280101);
}

}  // namespace
}  // namespace crm::loyalty

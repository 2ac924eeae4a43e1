// The pure birthday rules of customer_pii_codec.h: a standardised birth
// date's "MM-DD", and which "MM-DD" literals name a day some year has
// ("02-29" yes, "02-30" no), as the `birthday` filter checks them.
#include <optional>

#include <gtest/gtest.h>

#include "services/customer_profile/customer_pii_codec.h"

namespace crm::customer_profile {
namespace {

TEST(BirthdayMonthDayTest, RealMonthDaysOnly) {
  EXPECT_EQ(BirthdayMonthDay("1990-12-04"), "12-04");
  EXPECT_EQ(BirthdayMonthDay("1992-02-29"), "02-29");
  EXPECT_EQ(BirthdayMonthDay(""), std::nullopt);
  EXPECT_EQ(BirthdayMonthDay("1990-1204"), std::nullopt);
  for (const char* good : {"01-01", "02-29", "04-30", "12-31"}) {
    EXPECT_TRUE(IsMonthDay(good)) << good;
  }
  for (const char* bad :
       {"", "12-4", "1204", "12/04", "00-10", "13-01", "02-30", "04-31",
        "12-00", "12-32", "+1-01", "12-04 ", "1990-12-04", "ab-cd"}) {
    EXPECT_FALSE(IsMonthDay(bad)) << bad;
  }
}

}  // namespace
}  // namespace crm::customer_profile

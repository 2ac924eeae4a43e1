// The SLA settings without a database: --sla_policy and --business_hours
// parse good values (their defaults equal today's policy and office hours)
// and reject bad ones naming the offending part; a deadline under a custom
// policy and Saturday hours on an injected clock.
#include "services/feedback/sla_settings.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/feedback/ticket_rules.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::testing::StatusIs;
using ::testing::HasSubstr;

void ExpectSamePolicy(const SlaPolicy& actual, const SlaPolicy& expected) {
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(actual.targets[i].first_response,
              expected.targets[i].first_response)
        << "P" << i + 1;
    EXPECT_EQ(actual.targets[i].resolution, expected.targets[i].resolution)
        << "P" << i + 1;
  }
  EXPECT_EQ(actual.imminent_share, expected.imminent_share);
}

void ExpectSameHours(const BusinessCalendar& actual,
                     const BusinessCalendar& expected) {
  for (int day = 0; day < 7; ++day) {
    ASSERT_EQ(actual.hours[day].has_value(), expected.hours[day].has_value())
        << "day " << day;
    if (!actual.hours[day].has_value()) continue;
    EXPECT_EQ(actual.hours[day]->open, expected.hours[day]->open)
        << "day " << day;
    EXPECT_EQ(actual.hours[day]->close, expected.hours[day]->close)
        << "day " << day;
  }
}

TEST(ParseSlaPolicy, TheDefaultIsTodaysPolicy) {
  absl::StatusOr<SlaPolicy> policy = ParseSlaPolicy(kDefaultSlaPolicy);
  ASSERT_TRUE(policy.ok()) << policy.status();
  ExpectSamePolicy(*policy, SlaPolicy::Default());
}

TEST(ParseSlaPolicy, AnyOrderSpacesAndCompoundDurations) {
  absl::StatusOr<SlaPolicy> policy =
      ParseSlaPolicy(" P4=1d/2d , p3=90m/1h30m,P2=2h/6h,P1=30m/4h ");
  // absl durations have no "d" unit.
  EXPECT_THAT(policy, StatusIs(absl::StatusCode::kInvalidArgument));

  policy = ParseSlaPolicy(" P4=24h/48h , p3=90m/1h30m,P2=2h/6h,P1=30m/4h ");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->For(TicketPriority::kP1).first_response, absl::Minutes(30));
  EXPECT_EQ(policy->For(TicketPriority::kP1).resolution, absl::Hours(4));
  EXPECT_EQ(policy->For(TicketPriority::kP2).first_response, absl::Hours(2));
  EXPECT_EQ(policy->For(TicketPriority::kP3).first_response, absl::Minutes(90));
  EXPECT_EQ(policy->For(TicketPriority::kP3).resolution, absl::Minutes(90));
  EXPECT_EQ(policy->For(TicketPriority::kP4).resolution, absl::Hours(48));
}

TEST(ParseSlaPolicy, BadValuesNameTheOffendingPart) {
  const struct {
    std::string text;
    std::string named;
  } cases[] = {
      {"P1=1h/8h,P2=4h/24h,P3=8h/40h,P5=16h/80h", "\"P5=16h/80h\""},
      {"P1=1h/8h,P2=4h/24h,P3=8h/40h,P3=16h/80h", "\"P3=16h/80h\""},
      {"P1=1h/8h,P2=4h/24h,P3=8h/40h", "P4 is missing"},
      {"P1=9h/8h,P2=4h/24h,P3=8h/40h,P4=16h/80h", "\"P1=9h/8h\""},
      {"P1=0s/8h,P2=4h/24h,P3=8h/40h,P4=16h/80h", "\"P1=0s/8h\""},
      {"P1=1h/-8h,P2=4h/24h,P3=8h/40h,P4=16h/80h", "\"P1=1h/-8h\""},
      {"P1=1h/8h,P2=4h,P3=8h/40h,P4=16h/80h", "\"P2=4h\""},
      {"P1=1h/8h,P2=four/24h,P3=8h/40h,P4=16h/80h", "\"P2=four/24h\""},
      {"P1=1h/8h,P2=4h/24h,P3=8h/40h,P4=inf/inf", "\"P4=inf/inf\""},
      {"P1 1h/8h,P2=4h/24h,P3=8h/40h,P4=16h/80h", "\"P1 1h/8h\""},
      {"P1=1h/8h,,P2=4h/24h,P3=8h/40h,P4=16h/80h", "empty part"},
      {"", "empty part"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<SlaPolicy> policy = ParseSlaPolicy(c.text);
    EXPECT_THAT(policy, StatusIs(absl::StatusCode::kInvalidArgument)) << c.text;
    EXPECT_THAT(std::string(policy.status().message()), HasSubstr(c.named))
        << c.text;
  }
}

TEST(ParseBusinessHours, TheDefaultIsTodaysOfficeHours) {
  const absl::TimeZone zone = absl::FixedTimeZone(3600);
  absl::StatusOr<BusinessCalendar> calendar =
      ParseBusinessHours(kDefaultBusinessHours, zone);
  ASSERT_TRUE(calendar.ok()) << calendar.status();
  ExpectSameHours(*calendar, BusinessCalendar::OfficeHours(zone));
  EXPECT_EQ(calendar->zone, zone);
  EXPECT_TRUE(calendar->holidays.empty());
}

TEST(ParseBusinessHours, SeveralRangesSingleDaysAnd24x7) {
  absl::StatusOr<BusinessCalendar> calendar =
      ParseBusinessHours("Mon-Thu 08:30-17:00, fri 08:30-15:00,Sat 10:00-14:00",
                         absl::UTCTimeZone());
  ASSERT_TRUE(calendar.ok()) << calendar.status();
  for (int day = 0; day < 4; ++day) {
    ASSERT_TRUE(calendar->hours[day].has_value());
    EXPECT_EQ(calendar->hours[day]->open, absl::Hours(8) + absl::Minutes(30));
    EXPECT_EQ(calendar->hours[day]->close, absl::Hours(17));
  }
  EXPECT_EQ(calendar->hours[4]->close, absl::Hours(15));
  EXPECT_EQ(calendar->hours[5]->open, absl::Hours(10));
  EXPECT_EQ(calendar->hours[5]->close, absl::Hours(14));
  EXPECT_FALSE(calendar->hours[6].has_value());

  calendar = ParseBusinessHours("24x7", absl::UTCTimeZone());
  ASSERT_TRUE(calendar.ok()) << calendar.status();
  for (int day = 0; day < 7; ++day) {
    ASSERT_TRUE(calendar->hours[day].has_value());
    EXPECT_EQ(calendar->hours[day]->open, absl::ZeroDuration());
    EXPECT_EQ(calendar->hours[day]->close, absl::Hours(24));
  }
  // Round the clock: 30 hours from Saturday 20:00 is Monday 02:00.
  const absl::Time saturday_eight =
      absl::FromCivil(absl::CivilHour(2026, 3, 7, 20), absl::UTCTimeZone());
  EXPECT_EQ(AddBusinessTime(*calendar, saturday_eight, absl::Hours(30)),
            saturday_eight + absl::Hours(30));

  calendar = ParseBusinessHours("Sun 00:00-24:00", absl::UTCTimeZone());
  ASSERT_TRUE(calendar.ok()) << calendar.status();
  EXPECT_EQ(calendar->hours[6]->close, absl::Hours(24));
}

TEST(ParseBusinessHours, BadValuesNameTheOffendingPart) {
  const struct {
    std::string text;
    std::string named;
  } cases[] = {
      {"Mon-Fri 09:00-18:00,Fri 10:00-12:00", "\"Fri 10:00-12:00\""},
      {"Fri-Mon 09:00-18:00", "\"Fri-Mon 09:00-18:00\""},
      {"Mon-Fri 18:00-09:00", "\"Mon-Fri 18:00-09:00\""},
      {"Mon-Fri 09:00-09:00", "\"Mon-Fri 09:00-09:00\""},
      {"Mon-Fri 9:00-18:00", "\"Mon-Fri 9:00-18:00\""},
      {"Mon-Fri 09:00-24:30", "\"Mon-Fri 09:00-24:30\""},
      {"Mon-Fri 09:60-18:00", "\"Mon-Fri 09:60-18:00\""},
      {"Mon-Fri", "\"Mon-Fri\""},
      {"Mon-Fri 09:00", "\"Mon-Fri 09:00\""},
      {"Monday 09:00-18:00", "\"Monday 09:00-18:00\""},
      {"Mon-Wed-Fri 09:00-18:00", "\"Mon-Wed-Fri 09:00-18:00\""},
      {"Mon-Fri 09:00-18:00,", "empty part"},
      {"24x5", "\"24x5\""},
      {"", "empty part"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<BusinessCalendar> calendar =
        ParseBusinessHours(c.text, absl::UTCTimeZone());
    EXPECT_THAT(calendar, StatusIs(absl::StatusCode::kInvalidArgument))
        << c.text;
    EXPECT_THAT(std::string(calendar.status().message()), HasSubstr(c.named))
        << c.text;
  }
}

// A desk open Mon-Fri 09:00-17:00 and Saturday 10:00-14:00 in UTC+8 with
// P2 = 2h first response / 6h resolution: a P2 ticket opened on Friday at
// 16:00 is answered by Saturday 11:00 and resolved by Monday 10:00.
TEST(SlaSettings, DeadlinesUnderACustomPolicyAndSaturdayHours) {
  const absl::TimeZone zone = absl::FixedTimeZone(8 * 3600);
  absl::StatusOr<BusinessCalendar> calendar =
      ParseBusinessHours("Mon-Fri 09:00-17:00,Sat 10:00-14:00", zone);
  ASSERT_TRUE(calendar.ok()) << calendar.status();
  absl::StatusOr<SlaPolicy> policy =
      ParseSlaPolicy("P1=30m/4h,P2=2h/6h,P3=8h/40h,P4=16h/80h");
  ASSERT_TRUE(policy.ok()) << policy.status();
  const auto local = [&](int day, int hour, int minute = 0) {
    return absl::FromCivil(absl::CivilMinute(2026, 3, day, hour, minute), zone);
  };

  TicketTimes ticket;
  ticket.priority = TicketPriority::kP2;
  ticket.open_time = local(6, 16);  // Friday 6 March 2026, 16:00.

  // The injected clock: Saturday 10:30, half an hour of first response left
  // (1h Friday + 30m Saturday used of 2h).
  const SlaStatus saturday =
      EvaluateSla(*calendar, *policy, ticket, local(7, 10, 30));
  EXPECT_EQ(saturday.first_response_deadline, local(7, 11));
  // 6h: Friday 1h, Saturday 4h, Monday 09:00 + 1h.
  EXPECT_EQ(saturday.resolution_deadline, local(9, 10));
  EXPECT_EQ(saturday.first_response, DeadlineState::kOnTrack);
  EXPECT_EQ(saturday.resolution, DeadlineState::kOnTrack);
  // 23 minutes left of 2h is under the 20% imminence share.
  EXPECT_EQ(
      EvaluateSla(*calendar, *policy, ticket, local(7, 10, 37)).first_response,
      DeadlineState::kImminent);
  // Sunday: the first response is breached; the resolution has 1 of its 6
  // business hours left (Monday 09:00-10:00), under the 20% share.
  const SlaStatus sunday =
      EvaluateSla(*calendar, *policy, ticket, local(8, 12));
  EXPECT_EQ(sunday.first_response, DeadlineState::kBreached);
  EXPECT_EQ(sunday.resolution, DeadlineState::kImminent);
  EXPECT_EQ(EscalationLevel(*calendar, *policy, ticket, local(8, 12)), 1);
  EXPECT_EQ(EscalationLevel(*calendar, *policy, ticket, local(9, 10, 1)), 2);

  // Under today's office hours (closed Saturday, open until 18:00) the
  // resolution is due Monday 13:00 instead: Friday 2h, Monday 4h.
  const BusinessCalendar office = BusinessCalendar::OfficeHours(zone);
  EXPECT_EQ(EvaluateSla(office, *policy, ticket, local(7, 10, 30))
                .resolution_deadline,
            local(9, 13));
}

}  // namespace
}  // namespace crm::feedback

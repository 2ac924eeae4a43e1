// Complaint ticket rules without a database: every legal and illegal
// transition, the priority table, SLA deadlines in business hours across a
// weekend and a holiday on an injected clock, breach and imminence, and an
// escalation that is safe to run twice.
#include "services/feedback/ticket_rules.h"

#include <map>
#include <utility>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::testing::StatusIs;

TEST(NextTicketState, EveryLegalAndIllegalTransition) {
  using S = TicketState;
  using A = TicketAction;
  const std::map<std::pair<S, A>, S> legal = {
      {{S::kNew, A::kAcknowledge}, S::kAcknowledged},
      {{S::kAcknowledged, A::kStart}, S::kInProgress},
      {{S::kInProgress, A::kResolve}, S::kResolved},
      {{S::kResolved, A::kClose}, S::kClosed},
      {{S::kResolved, A::kReopen}, S::kInProgress},
      {{S::kClosed, A::kReopen}, S::kInProgress},
  };
  int illegal = 0;
  for (S from :
       {S::kNew, S::kAcknowledged, S::kInProgress, S::kResolved, S::kClosed}) {
    for (A action :
         {A::kAcknowledge, A::kStart, A::kResolve, A::kClose, A::kReopen}) {
      absl::StatusOr<S> next = NextTicketState(from, action, "tickets/t1");
      auto it = legal.find({from, action});
      if (it != legal.end()) {
        ASSERT_TRUE(next.ok())
            << TicketStateName(from) << " " << TicketActionName(action);
        EXPECT_EQ(*next, it->second);
        continue;
      }
      ++illegal;
      EXPECT_THAT(next, StatusIs(absl::StatusCode::kFailedPrecondition))
          << TicketStateName(from) << " " << TicketActionName(action);
      EXPECT_EQ(ReasonOf(next.status()),
                crm::type::v1::RESOURCE_STATE_CONFLICT);
      EXPECT_EQ(ErrorMetadataOf(next.status())["state"], TicketStateName(from));
      EXPECT_EQ(ErrorMetadataOf(next.status())["action"],
                TicketActionName(action));
    }
  }
  EXPECT_EQ(illegal, 19);
}

TEST(TicketPriorityOf, TierAndSentimentWithADefaultForAnUnknownTier) {
  EXPECT_EQ(TicketPriorityOf(ValueTier::kHigh, -0.8), TicketPriority::kP1);
  EXPECT_EQ(TicketPriorityOf(ValueTier::kHigh, 0.3), TicketPriority::kP2);
  EXPECT_EQ(TicketPriorityOf(ValueTier::kMedium, -0.5), TicketPriority::kP2);
  EXPECT_EQ(TicketPriorityOf(ValueTier::kMedium, -0.2), TicketPriority::kP3);
  EXPECT_EQ(TicketPriorityOf(ValueTier::kLow, 0.0), TicketPriority::kP4);
  EXPECT_EQ(TicketPriorityOf(ValueTier::kLow, -0.2), TicketPriority::kP3);
  EXPECT_EQ(TicketPriorityOf(ValueTier::kLow, -0.9), TicketPriority::kP2);
  // Segmentation down: treated as medium.
  EXPECT_EQ(TicketPriorityOf(ValueTier::kUnknown, -0.9), TicketPriority::kP2);
  EXPECT_EQ(TicketPriorityOf(ValueTier::kUnknown, 0.5), TicketPriority::kP3);
}

class SlaTest : public ::testing::Test {
 protected:
  // Local time in the calendar's zone (UTC+8).
  absl::Time Local(int month, int day, int hour, int minute = 0) const {
    return absl::FromCivil(absl::CivilMinute(2026, month, day, hour, minute),
                           calendar_.zone);
  }

  BusinessCalendar calendar_ =
      BusinessCalendar::OfficeHours(absl::FixedTimeZone(8 * 3600));
  SlaPolicy policy_ = SlaPolicy::Default();
};

TEST_F(SlaTest, BusinessTimeSkipsNightsWeekendsAndHolidays) {
  // Friday 6 March 2026, 17:00: one business hour left that day.
  const absl::Time friday_five = Local(3, 6, 17);
  EXPECT_EQ(AddBusinessTime(calendar_, friday_five, absl::Hours(1)),
            Local(3, 6, 18));
  EXPECT_EQ(AddBusinessTime(calendar_, friday_five, absl::Hours(4)),
            Local(3, 9, 12));  // Monday noon.
  // Saturday night counts from Monday's opening.
  EXPECT_EQ(AddBusinessTime(calendar_, Local(3, 7, 23), absl::Minutes(30)),
            Local(3, 9, 9, 30));
  EXPECT_EQ(BusinessTimeBetween(calendar_, friday_five, Local(3, 9, 12)),
            absl::Hours(4));

  calendar_.holidays.insert(absl::CivilDay(2026, 3, 9));  // Monday off.
  EXPECT_EQ(AddBusinessTime(calendar_, friday_five, absl::Hours(4)),
            Local(3, 10, 12));
  EXPECT_EQ(BusinessTimeBetween(calendar_, friday_five, Local(3, 10, 12)),
            absl::Hours(4));

  BusinessCalendar closed;
  EXPECT_EQ(AddBusinessTime(closed, friday_five, absl::Hours(1)),
            absl::InfiniteFuture());
}

TEST_F(SlaTest, BreachImminenceAndEscalationOnAnInjectedClock) {
  TicketTimes ticket;
  ticket.priority = TicketPriority::kP2;  // 4h first response, 24h resolution.
  ticket.open_time = Local(3, 6, 17);     // Friday 17:00.

  SlaStatus monday_ten =
      EvaluateSla(calendar_, policy_, ticket, Local(3, 9, 10));
  EXPECT_EQ(monday_ten.first_response_deadline, Local(3, 9, 12));
  // 24h: Fri 1h, Mon 9h, Tue 9h, Wed 5h -> Wednesday 14:00.
  EXPECT_EQ(monday_ten.resolution_deadline, Local(3, 11, 14));
  EXPECT_EQ(monday_ten.first_response, DeadlineState::kOnTrack);
  // Less than a fifth of the 4h budget (48 min) left at 11:30.
  EXPECT_EQ(EvaluateSla(calendar_, policy_, ticket, Local(3, 9, 11, 30))
                .first_response,
            DeadlineState::kImminent);
  // Over the weekend nothing is imminent: 3 business hours are left.
  EXPECT_EQ(
      EvaluateSla(calendar_, policy_, ticket, Local(3, 8, 12)).first_response,
      DeadlineState::kOnTrack);
  EXPECT_EQ(EvaluateSla(calendar_, policy_, ticket, Local(3, 9, 12, 1))
                .first_response,
            DeadlineState::kBreached);

  // Escalation: 0, then 1 after the first-response deadline, 2 after the
  // resolution deadline, 3 when late by half the resolution budget (12h).
  EXPECT_EQ(EscalationLevel(calendar_, policy_, ticket, Local(3, 9, 11)), 0);
  EXPECT_EQ(EscalationLevel(calendar_, policy_, ticket, Local(3, 9, 13)), 1);
  EXPECT_EQ(EscalationLevel(calendar_, policy_, ticket, Local(3, 11, 15)), 2);
  // Wed 14:00 + 12 business hours = Thursday 17:00.
  EXPECT_EQ(EscalationLevel(calendar_, policy_, ticket, Local(3, 12, 16)), 2);
  EXPECT_EQ(EscalationLevel(calendar_, policy_, ticket, Local(3, 12, 17)), 3);

  // The job run twice escalates once; levels never go down.
  const absl::Time now = Local(3, 9, 13);
  std::optional<int> first =
      EscalationUpdate(calendar_, policy_, ticket, 0, now);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, 1);
  EXPECT_FALSE(
      EscalationUpdate(calendar_, policy_, ticket, *first, now).has_value());
  EXPECT_FALSE(
      EscalationUpdate(calendar_, policy_, ticket, 2, now).has_value());

  // A response in time is met, after the deadline breached for good.
  ticket.first_response_time = Local(3, 9, 11);
  EXPECT_EQ(
      EvaluateSla(calendar_, policy_, ticket, Local(3, 20, 9)).first_response,
      DeadlineState::kMet);
  ticket.first_response_time = Local(3, 9, 12, 30);
  EXPECT_EQ(
      EvaluateSla(calendar_, policy_, ticket, Local(3, 9, 13)).first_response,
      DeadlineState::kBreached);
  ticket.resolve_time = Local(3, 10, 9);
  EXPECT_EQ(EvaluateSla(calendar_, policy_, ticket, Local(3, 20, 9)).resolution,
            DeadlineState::kMet);
}

TEST_F(SlaTest, NextEscalationCheckIsWhenTheNextLevelCanCome) {
  TicketTimes ticket;
  ticket.priority = TicketPriority::kP2;
  ticket.open_time = Local(3, 6, 17);  // Friday 17:00.
  const absl::Duration tick = absl::Microseconds(1);
  // Level 1 just after Monday 12:00, level 2 just after Wednesday 14:00,
  // level 3 at Thursday 17:00.
  EXPECT_EQ(NextEscalationCheck(calendar_, policy_, ticket, 0),
            Local(3, 9, 12) + tick);
  EXPECT_EQ(NextEscalationCheck(calendar_, policy_, ticket, 1),
            Local(3, 11, 14) + tick);
  EXPECT_EQ(NextEscalationCheck(calendar_, policy_, ticket, 2),
            Local(3, 12, 17));
  EXPECT_FALSE(NextEscalationCheck(calendar_, policy_, ticket, 3).has_value());
  // At each check the level does rise.
  EXPECT_EQ(EscalationLevel(calendar_, policy_, ticket, Local(3, 9, 12) + tick),
            1);
  EXPECT_EQ(EscalationLevel(calendar_, policy_, ticket, Local(3, 12, 17)), 3);

  // Answered in time: the next check is the resolution deadline.
  ticket.first_response_time = Local(3, 9, 10);
  EXPECT_EQ(NextEscalationCheck(calendar_, policy_, ticket, 0),
            Local(3, 11, 14) + tick);
  // Resolved in time: nothing more can come.
  ticket.resolve_time = Local(3, 10, 10);
  EXPECT_FALSE(NextEscalationCheck(calendar_, policy_, ticket, 0).has_value());
  // Resolved late: level 2 at most, never 3.
  ticket.resolve_time = Local(3, 12, 9);
  EXPECT_EQ(NextEscalationCheck(calendar_, policy_, ticket, 0),
            Local(3, 11, 14) + tick);
  EXPECT_FALSE(NextEscalationCheck(calendar_, policy_, ticket, 2).has_value());
}

}  // namespace
}  // namespace crm::feedback

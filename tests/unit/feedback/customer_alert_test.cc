// The alert rules that depend on the customer or on time, over in-memory
// fakes: NEGATIVE_FEEDBACK_HIGH_VALUE (fires for negative feedback of a
// high-value customer; not for praise, another tier, an unknown tier or an
// anonymous item), DETRACTOR_TOP_TIER (fires for an NPS 0-6 answer of a
// top-tier member; not for a passive, a lower tier or an unknown standing),
// and SLA_BREACH_IMMINENT against SLA_BREACHED with an injected clock.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "services/feedback/alert_manager.h"
#include "services/feedback/alert_raiser.h"
#include "services/feedback/alert_rules.h"
#include "services/feedback/feedback_manager.h"
#include "services/feedback/ticket_escalation.h"
#include "services/feedback/ticket_manager.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/feedback/fake_loyalty_client.h"
#include "tests/testing/fakes/feedback/in_memory_alert_repository.h"
#include "tests/testing/fakes/feedback/in_memory_feedback_repository.h"
#include "tests/testing/fakes/feedback/in_memory_ticket_repository.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::common::RequestContext;
using ::crm::testing::IsOk;

// Monday 2026-01-05 10:00 UTC, inside the default office hours.
const absl::Time kMonday10 = absl::FromUnixSeconds(1767607200);

// A tier source that answers one tier and counts its calls.
class FixedValueTiers final : public ValueTierSource {
 public:
  ValueTier TierOf(const std::string& /*customer_id*/) override {
    ++calls;
    return tier;
  }
  ValueTier tier = ValueTier::kUnknown;
  int calls = 0;
};

class CustomerAlertTest : public ::testing::Test {
 protected:
  absl::StatusOr<v1::Feedback> Submit(const std::string& customer,
                                      v1::Feedback::Type type,
                                      const std::string& text,
                                      const std::string& request_id = "") {
    v1::SubmitFeedbackRequest request;
    if (!customer.empty()) request.mutable_feedback()->set_customer(customer);
    request.mutable_feedback()->set_channel("app");
    request.mutable_feedback()->set_type(type);
    request.mutable_feedback()->set_text(text);
    request.set_request_id(request_id);
    return feedback_manager_.SubmitFeedback(context_, request);
  }

  std::vector<AlertRecord> AlertsOf(v1::Alert::Kind kind) {
    std::vector<AlertRecord> found;
    for (const AlertRecord& alert : alerts_.alerts()) {
      if (alert.kind == kind) found.push_back(alert);
    }
    return found;
  }

  // A response record of `customer_id` with one NPS answer `score`.
  static SurveyResponseRecord NpsResponse(const std::string& id,
                                          const std::string& customer_id,
                                          int score) {
    SurveyResponseRecord response;
    response.id = id;
    response.survey_id = "s1";
    response.customer_id = customer_id;
    response.scored.push_back({v1::SurveyQuestion::NPS, score});
    response.scored.push_back({v1::SurveyQuestion::CSAT, 1});
    response.create_time = kMonday10;
    return response;
  }

  // Raises what a response gets: the standing asked first, then the rule in
  // a transaction.
  void RaiseFor(const SurveyResponseRecord& response) {
    const CustomerStanding standing = raiser_.StandingForSurveyResponse(
        response.customer_id, response.scored);
    ASSERT_THAT(unit_of_work_.Run(context_,
                                  [&](crm::common::Transaction& tx) {
                                    return raiser_.OnSurveyResponse(
                                        tx, response, standing);
                                  }),
                IsOk());
  }

  RequestContext context_;
  crm::common::FakeClock clock_{kMonday10};
  crm::common::SequentialIdGenerator ids_{"a"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryFeedbackRepository feedback_{&unit_of_work_};
  crm::testing::InMemoryTicketRepository tickets_{&unit_of_work_};
  crm::testing::InMemoryAlertRepository alerts_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  FixedValueTiers tiers_;
  crm::testing::FakeLoyaltyClient loyalty_;
  AlertRaiser raiser_{alerts_, ids_, {&tiers_, &loyalty_}};
  FeedbackManager feedback_manager_{unit_of_work_, feedback_, keys_,
                                    clock_,        ids_,      DefaultLexicon(),
                                    &raiser_};
};

TEST_F(CustomerAlertTest, NegativeFeedbackOfAHighValueCustomerAlertsOnce) {
  tiers_.tier = ValueTier::kHigh;
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Feedback item,
      Submit("customers/c-1", v1::Feedback::COMPLAINT, "快递太慢了", "req-1"));
  std::vector<AlertRecord> raised =
      AlertsOf(v1::Alert::NEGATIVE_FEEDBACK_HIGH_VALUE);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].state, v1::Alert::OPEN);
  EXPECT_EQ(raised[0].category, "delivery");
  const v1::Alert proto = ToAlertProto(raised[0]);
  EXPECT_EQ(proto.feedback(), item.name());
  EXPECT_TRUE(proto.survey_response().empty());
  EXPECT_EQ(proto.summary().find("c-1"), std::string::npos);  // No person.
  EXPECT_EQ(tiers_.calls, 1);
  // A retried request stores nothing new: still one alert.
  CRM_ASSERT_OK(
      Submit("customers/c-1", v1::Feedback::COMPLAINT, "快递太慢了", "req-1"));
  EXPECT_EQ(AlertsOf(v1::Alert::NEGATIVE_FEEDBACK_HIGH_VALUE).size(), 1u);
  // A negative suggestion (by sentiment) of the same customer is another
  // item: its own alert.
  CRM_ASSERT_OK(Submit("customers/c-1", v1::Feedback::SUGGESTION,
                       "The app is terrible and very slow"));
  EXPECT_EQ(AlertsOf(v1::Alert::NEGATIVE_FEEDBACK_HIGH_VALUE).size(), 2u);
}

TEST_F(CustomerAlertTest, NoHighValueAlertForPraiseOtherTiersOrUnknown) {
  tiers_.tier = ValueTier::kHigh;
  CRM_ASSERT_OK(
      Submit("customers/c-1", v1::Feedback::PRAISE, "快递很快，非常满意"));
  EXPECT_EQ(tiers_.calls, 0);  // Not negative: the tier is not asked.
  CRM_ASSERT_OK(Submit("", v1::Feedback::COMPLAINT, "快递太慢了"));
  EXPECT_EQ(tiers_.calls, 0);  // Anonymous: nobody to ask about.
  tiers_.tier = ValueTier::kMedium;
  CRM_ASSERT_OK(Submit("customers/c-2", v1::Feedback::COMPLAINT, "快递太慢了"));
  tiers_.tier = ValueTier::kUnknown;  // Segmentation down, slow or unscored.
  CRM_ASSERT_OK(Submit("customers/c-3", v1::Feedback::COMPLAINT, "快递太慢了"));
  EXPECT_EQ(tiers_.calls, 2);
  EXPECT_TRUE(AlertsOf(v1::Alert::NEGATIVE_FEEDBACK_HIGH_VALUE).empty());
}

TEST_F(CustomerAlertTest, DetractorOfTheTopTierAlertsOncePerResponse) {
  loyalty_.SetStanding("c-1", LoyaltyTierStanding::kTopTier);
  const SurveyResponseRecord response = NpsResponse("r1", "c-1", 3);
  RaiseFor(response);
  RaiseFor(response);  // The same response again: deduplicated.
  std::vector<AlertRecord> raised = AlertsOf(v1::Alert::DETRACTOR_TOP_TIER);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].observed, 3);
  EXPECT_EQ(ToAlertProto(raised[0]).survey_response(),
            "surveys/s1/responses/r1");
  // The boundary: 6 is a detractor, 0 too.
  RaiseFor(NpsResponse("r2", "c-1", 6));
  RaiseFor(NpsResponse("r3", "c-1", 0));
  EXPECT_EQ(AlertsOf(v1::Alert::DETRACTOR_TOP_TIER).size(), 3u);
}

TEST_F(CustomerAlertTest, NoDetractorAlertForPassivesLowerTiersOrUnknown) {
  loyalty_.SetStanding("c-1", LoyaltyTierStanding::kTopTier);
  loyalty_.SetStanding("c-2", LoyaltyTierStanding::kBelowTopTier);
  RaiseFor(NpsResponse("r1", "c-1", 7));  // A passive: loyalty not asked.
  EXPECT_EQ(loyalty_.standing_lookups(), 0);
  RaiseFor(NpsResponse("r2", "", 2));  // Anonymous: not asked.
  EXPECT_EQ(loyalty_.standing_lookups(), 0);
  RaiseFor(NpsResponse("r3", "c-2", 2));  // Below the top tier.
  RaiseFor(NpsResponse("r4", "c-9", 2));  // No standing known.
  loyalty_.set_available(false);
  RaiseFor(NpsResponse("r5", "c-1", 2));  // Loyalty down: unknown.
  EXPECT_EQ(loyalty_.standing_lookups(), 3);
  EXPECT_TRUE(AlertsOf(v1::Alert::DETRACTOR_TOP_TIER).empty());
  // Without a loyalty source the rule never fires.
  AlertRaiser without_loyalty(alerts_, ids_, {&tiers_, nullptr});
  loyalty_.set_available(true);
  EXPECT_EQ(
      without_loyalty
          .StandingForSurveyResponse("c-1", NpsResponse("r6", "c-1", 2).scored)
          .loyalty_tier,
      LoyaltyTierStanding::kUnknown);
}

class SlaImminentTest : public CustomerAlertTest {
 protected:
  absl::StatusOr<v1::Ticket> Open() {
    v1::CreateTicketRequest request;
    request.mutable_ticket()->set_title("Order 1001");
    request.mutable_ticket()->set_priority(v1::Ticket::P3);
    return ticket_manager_.CreateTicket(context_, request);
  }

  UnknownValueTiers no_tiers_;
  TicketSettings settings_;  // Lead 30 minutes.
  TicketManager ticket_manager_{unit_of_work_, tickets_, feedback_, keys_,
                                clock_,        ids_,     no_tiers_, settings_};
  TicketEscalation job_{
      unit_of_work_,
      tickets_,
      ids_,
      clock_,
      settings_,
      [this](crm::common::Transaction& tx, const TicketRecord& ticket) {
        return raiser_.OnEscalation(tx, ticket, clock_.Now());
      },
      [this](crm::common::Transaction& tx, const TicketRecord& ticket,
             const ImminentDeadline& deadline, absl::Time now) {
        return raiser_.OnSlaImminent(tx, ticket, deadline, now);
      }};
};

TEST(ImminentDeadlinesTest, WithinTheLeadAndNotPassed) {
  const BusinessCalendar calendar =
      BusinessCalendar::OfficeHours(absl::UTCTimeZone());
  const SlaPolicy policy = SlaPolicy::Default();
  TicketTimes times;
  times.priority = TicketPriority::kP3;
  times.open_time = kMonday10;  // First response due Monday 18:00.
  const absl::Time due = kMonday10 + absl::Hours(8);
  const absl::Duration lead = absl::Minutes(30);
  EXPECT_TRUE(ImminentDeadlines(calendar, policy, times, lead,
                                due - lead - absl::Seconds(1))
                  .empty());
  std::vector<ImminentDeadline> imminent =
      ImminentDeadlines(calendar, policy, times, lead, due - lead);
  ASSERT_EQ(imminent.size(), 1u);
  EXPECT_EQ(imminent[0].level, 1);
  EXPECT_EQ(imminent[0].deadline, due);
  EXPECT_TRUE(ImminentDeadlines(calendar, policy, times, lead, due).empty());
  EXPECT_TRUE(ImminentDeadlines(calendar, policy, times, absl::ZeroDuration(),
                                due - absl::Minutes(1))
                  .empty());
  EXPECT_EQ(NextSlaWarningCheck(calendar, policy, times, lead, kMonday10),
            due - lead);
  // Answered: only the resolution deadline (Friday 14:00) is left.
  times.first_response_time = kMonday10 + absl::Minutes(5);
  EXPECT_EQ(NextSlaWarningCheck(calendar, policy, times, lead, kMonday10),
            kMonday10 + absl::Hours(4 * 24 + 4) - lead);
  times.resolve_time = kMonday10 + absl::Hours(1);
  EXPECT_FALSE(NextSlaWarningCheck(calendar, policy, times, lead, kMonday10)
                   .has_value());
}

TEST_F(SlaImminentTest, WarnsOnceBeforeEachDeadlineThenTheBreachAlerts) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket ticket, Open());
  // P3 from Monday 10:00: first response due 18:00, resolution Friday 14:00.
  const absl::Time first_due = kMonday10 + absl::Hours(8);
  EXPECT_EQ(tickets_.tickets()[0].next_escalation_time,
            first_due - absl::Minutes(30));

  clock_.Set(first_due - absl::Minutes(31));  // 17:29: not yet.
  CRM_ASSERT_OK_AND_ASSIGN(EscalationRun run, job_.EscalateDue(context_));
  EXPECT_EQ(run.examined, 0);
  EXPECT_TRUE(alerts_.alerts().empty());

  clock_.Set(first_due - absl::Minutes(29));  // 17:31: imminent.
  CRM_ASSERT_OK_AND_ASSIGN(run, job_.EscalateDue(context_));
  EXPECT_EQ(run.imminent, 1);
  EXPECT_EQ(run.escalated, 0);
  std::vector<AlertRecord> imminent = AlertsOf(v1::Alert::SLA_BREACH_IMMINENT);
  ASSERT_EQ(imminent.size(), 1u);
  EXPECT_EQ(imminent[0].escalation_level, 1);
  EXPECT_EQ(imminent[0].deadline_time, first_due);
  const v1::Alert proto = ToAlertProto(imminent[0]);
  EXPECT_EQ(proto.ticket(), ticket.name());
  EXPECT_EQ(crm::common::FromProtoTimestamp(proto.deadline_time()), first_due);
  // The ticket's next check is now the breach, not the warning again.
  EXPECT_EQ(tickets_.tickets()[0].next_escalation_time,
            first_due + absl::Microseconds(1));

  clock_.Set(first_due - absl::Minutes(10));  // Run again: nothing new.
  CRM_ASSERT_OK_AND_ASSIGN(run, job_.EscalateDue(context_));
  EXPECT_EQ(AlertsOf(v1::Alert::SLA_BREACH_IMMINENT).size(), 1u);
  EXPECT_TRUE(AlertsOf(v1::Alert::SLA_BREACHED).empty());

  clock_.Set(first_due + absl::Minutes(1));  // 18:01: breached.
  CRM_ASSERT_OK_AND_ASSIGN(run, job_.EscalateDue(context_));
  EXPECT_EQ(run.escalated, 1);
  EXPECT_EQ(AlertsOf(v1::Alert::SLA_BREACHED).size(), 1u);
  EXPECT_EQ(AlertsOf(v1::Alert::SLA_BREACH_IMMINENT).size(), 1u);

  // The resolution deadline warns on its own, 30 minutes before Friday
  // 14:00.
  const absl::Time resolution_due = kMonday10 + absl::Hours(4 * 24 + 4);
  clock_.Set(resolution_due - absl::Minutes(20));
  CRM_ASSERT_OK_AND_ASSIGN(run, job_.EscalateDue(context_));
  imminent = AlertsOf(v1::Alert::SLA_BREACH_IMMINENT);
  ASSERT_EQ(imminent.size(), 2u);
  EXPECT_EQ(imminent[1].escalation_level, 2);
  EXPECT_EQ(imminent[1].deadline_time, resolution_due);
}

TEST_F(SlaImminentTest, AnsweredOrResolvedDeadlinesDoNotWarn) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket ticket, Open());
  v1::TransitionTicketRequest acknowledge;
  acknowledge.set_name(ticket.name());
  acknowledge.set_action(v1::TransitionTicketRequest::ACKNOWLEDGE);
  CRM_ASSERT_OK(ticket_manager_.TransitionTicket(context_, acknowledge));
  clock_.Set(kMonday10 + absl::Hours(8) - absl::Minutes(10));
  CRM_ASSERT_OK_AND_ASSIGN(EscalationRun run, job_.EscalateDue(context_));
  EXPECT_EQ(run.imminent, 0);
  EXPECT_TRUE(alerts_.alerts().empty());
}

TEST_F(SlaImminentTest, ATicketOpenedInsideTheLeadIsDueAtOnce) {
  // A P1 opened Monday 17:45: first response due Tuesday 09:45 (one
  // business hour), resolution Tuesday 16:45; with a lead of 24 hours both
  // are imminent at once.
  settings_.sla_warning_lead = absl::Hours(24);
  clock_.Set(kMonday10 + absl::Hours(7) + absl::Minutes(45));
  v1::CreateTicketRequest request;
  request.mutable_ticket()->set_title("Order 1002");
  request.mutable_ticket()->set_priority(v1::Ticket::P1);
  CRM_ASSERT_OK(ticket_manager_.CreateTicket(context_, request));
  EXPECT_EQ(tickets_.tickets()[0].next_escalation_time, clock_.Now());
  CRM_ASSERT_OK_AND_ASSIGN(EscalationRun run, job_.EscalateDue(context_));
  EXPECT_EQ(run.imminent, 2);  // First response and resolution.
  EXPECT_EQ(AlertsOf(v1::Alert::SLA_BREACH_IMMINENT).size(), 2u);
}

}  // namespace
}  // namespace crm::feedback

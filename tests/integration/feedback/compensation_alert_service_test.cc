// Compensation on resolution and the customer and deadline alert rules on
// MariaDB through the gRPC stub: a RESOLVE with points records the credit on
// the ticket and its history (read back from the tables), a repeat credits
// nothing twice, a loyalty that is down leaves the stored ticket as it was;
// NEGATIVE_FEEDBACK_HIGH_VALUE and DETRACTOR_TOP_TIER are raised by the
// writes that cause them and listed with their subjects; the SLA job raises
// SLA_BREACH_IMMINENT once before the deadline and SLA_BREACHED after it.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "services/common/timestamps.h"
#include "services/feedback/ticket_escalation.h"
#include "tests/integration/feedback/feedback_service_fixture.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using Q = ::crm::feedback::v1::SurveyQuestion;

class CompensationAlertServiceTest : public FeedbackServiceFixture {
 protected:
  absl::StatusOr<v1::Ticket> Resolve(const std::string& name, int64_t points,
                                     const std::string& request_id) {
    grpc::ClientContext context;
    v1::TransitionTicketRequest request;
    request.set_name(name);
    request.set_action(v1::TransitionTicketRequest::RESOLVE);
    request.set_author("agent-7");
    request.set_compensation_points(points);
    request.set_request_id(request_id);
    v1::Ticket response;
    return Reply(stub_->TransitionTicket(&context, request, &response),
                 response);
  }

  // A ticket of customers/c-2 in progress.
  std::string InProgress() {
    absl::StatusOr<v1::Ticket> ticket = CreateDirect("Parcel arrived broken");
    EXPECT_THAT(ticket.status(), IsOk());
    EXPECT_THAT(
        Move(ticket->name(), v1::TransitionTicketRequest::ACKNOWLEDGE).status(),
        IsOk());
    EXPECT_THAT(
        Move(ticket->name(), v1::TransitionTicketRequest::START).status(),
        IsOk());
    return ticket->name();
  }

  std::vector<v1::Alert> AlertsOf(v1::Alert::Kind kind) {
    grpc::ClientContext context;
    v1::ListAlertsRequest request;
    request.set_filter("kind = " + v1::Alert::Kind_Name(kind));
    v1::ListAlertsResponse response;
    EXPECT_TRUE(stub_->ListAlerts(&context, request, &response).ok());
    return {response.alerts().begin(), response.alerts().end()};
  }
};

TEST_F(CompensationAlertServiceTest, ResolveRecordsTheCompensationOnce) {
  const std::string name = InProgress();
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket resolved, Resolve(name, 250, "r-1"));
  EXPECT_EQ(resolved.compensation_points(), 250);
  EXPECT_EQ(resolved.compensation_entry(), "accounts/c-2/ledgerEntries/e1");

  // Read back from the tables.
  grpc::ClientContext get_context;
  v1::GetTicketRequest get;
  get.set_name(name);
  v1::Ticket stored;
  ASSERT_TRUE(stub_->GetTicket(&get_context, get, &stored).ok());
  EXPECT_EQ(stored.state(), v1::Ticket::RESOLVED);
  EXPECT_EQ(stored.compensation_points(), 250);
  EXPECT_EQ(stored.compensation_entry(), "accounts/c-2/ledgerEntries/e1");
  EXPECT_EQ(crm::common::FromProtoTimestamp(stored.compensation_time()),
            kMonday10);
  grpc::ClientContext events_context;
  v1::ListTicketEventsRequest list;
  list.set_parent(name);
  v1::ListTicketEventsResponse events;
  ASSERT_TRUE(stub_->ListTicketEvents(&events_context, list, &events).ok());
  int compensated = 0;
  for (const v1::TicketEvent& event : events.events()) {
    if (event.kind() != v1::TicketEvent::COMPENSATED) continue;
    ++compensated;
    EXPECT_EQ(event.compensation_points(), 250);
    EXPECT_EQ(event.compensation_entry(), "accounts/c-2/ledgerEntries/e1");
  }
  EXPECT_EQ(compensated, 1);

  // The same request again: the first answer, no second credit.
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket again, Resolve(name, 250, "r-1"));
  EXPECT_EQ(again.compensation_entry(), resolved.compensation_entry());
  EXPECT_EQ(loyalty_.balance("c-2"), 250);
  EXPECT_EQ(loyalty_.calls().size(), 1u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket_events WHERE kind = "
                  "'COMPENSATED'"),
            1);
}

TEST_F(CompensationAlertServiceTest, LoyaltyDownLeavesTheStoredTicket) {
  const std::string name = InProgress();
  const int64_t version = Count("SELECT version FROM tickets");
  loyalty_.set_available(false);
  EXPECT_THAT(Resolve(name, 100, "r-1").status(),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(Count("SELECT version FROM tickets"), version);
  EXPECT_EQ(Count("SELECT compensation_points FROM tickets"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tickets WHERE state = 'IN_PROGRESS'"),
            1);
  loyalty_.set_available(true);
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket resolved, Resolve(name, 100, "r-1"));
  EXPECT_EQ(resolved.compensation_points(), 100);
}

TEST_F(CompensationAlertServiceTest, AnAnonymousTicketIsRefused) {
  v1::CreateTicketRequest request;
  request.mutable_ticket()->set_title("No name given");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket ticket, Create(request));
  ASSERT_THAT(Move(ticket.name(), v1::TransitionTicketRequest::ACKNOWLEDGE),
              IsOk());
  ASSERT_THAT(Move(ticket.name(), v1::TransitionTicketRequest::START), IsOk());
  EXPECT_THAT(Resolve(ticket.name(), 100, "").status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ::testing::HasSubstr("ticket.customer")));
  EXPECT_TRUE(loyalty_.calls().empty());
}

TEST_F(CompensationAlertServiceTest, NegativeFeedbackOfAHighValueCustomer) {
  alert_tiers_.Set("c-1", ValueTier::kHigh);
  v1::SubmitFeedbackRequest request;
  request.mutable_feedback()->set_customer("customers/c-1");
  request.mutable_feedback()->set_channel("web");
  request.mutable_feedback()->set_type(v1::Feedback::COMPLAINT);
  request.mutable_feedback()->set_text("快递太慢了");
  grpc::ClientContext context;
  v1::Feedback item;
  ASSERT_TRUE(stub_->SubmitFeedback(&context, request, &item).ok());
  // Another customer (tier unknown) raises nothing.
  request.mutable_feedback()->set_customer("customers/c-3");
  grpc::ClientContext other_context;
  v1::Feedback other;
  ASSERT_TRUE(stub_->SubmitFeedback(&other_context, request, &other).ok());
  std::vector<v1::Alert> raised =
      AlertsOf(v1::Alert::NEGATIVE_FEEDBACK_HIGH_VALUE);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].feedback(), item.name());
  EXPECT_EQ(raised[0].state(), v1::Alert::OPEN);
  EXPECT_EQ(raised[0].category(), "delivery");
}

TEST_F(CompensationAlertServiceTest, DetractorOfTheTopTier) {
  loyalty_.SetStanding("c-1", LoyaltyTierStanding::kTopTier);
  v1::CreateSurveyRequest create;
  create.mutable_survey()->set_title("After delivery");
  Q* nps = create.mutable_survey()->add_questions();
  nps->set_id("nps");
  nps->set_text("Would you recommend us?");
  nps->set_kind(Q::NPS);
  grpc::ClientContext create_context;
  v1::Survey survey;
  ASSERT_TRUE(stub_->CreateSurvey(&create_context, create, &survey).ok());
  std::vector<std::string> names;
  for (int score : {3, 9}) {
    v1::SubmitSurveyResponseRequest request;
    request.set_parent(survey.name());
    request.mutable_response()->set_customer("customers/c-1");
    request.mutable_response()->set_channel("app");
    v1::SurveyAnswer* answer = request.mutable_response()->add_answers();
    answer->set_question_id("nps");
    answer->set_score(score);
    grpc::ClientContext context;
    v1::SurveyResponse response;
    grpc::Status status =
        stub_->SubmitSurveyResponse(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    names.push_back(response.name());
  }
  std::vector<v1::Alert> raised = AlertsOf(v1::Alert::DETRACTOR_TOP_TIER);
  ASSERT_EQ(raised.size(), 1u);  // The 3, not the 9.
  EXPECT_EQ(raised[0].survey_response(), names[0]);
  EXPECT_EQ(raised[0].observed(), 3);
}

TEST_F(CompensationAlertServiceTest, ImminentBeforeTheDeadlineBreachedAfter) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket ticket, CreateDirect("Order 1001"));
  ASSERT_EQ(ticket.priority(), v1::Ticket::P3);  // First response 18:00.
  const absl::Time due = kMonday10 + absl::Hours(8);
  crm::common::TransactionOptions read_committed;
  read_committed.read_committed = true;
  crm::common::MySqlUnitOfWork job_unit_of_work(*pool_, read_committed, clock_);
  TicketEscalation job(
      job_unit_of_work, tickets_, ids_, clock_, settings_,
      [this](crm::common::Transaction& tx, const TicketRecord& record) {
        return raiser_.OnEscalation(tx, record, clock_.Now());
      },
      [this](crm::common::Transaction& tx, const TicketRecord& record,
             const ImminentDeadline& deadline, absl::Time now) {
        return raiser_.OnSlaImminent(tx, record, deadline, now);
      });
  clock_.Set(due - absl::Minutes(45));
  CRM_ASSERT_OK_AND_ASSIGN(EscalationRun run, job.EscalateDue({}));
  EXPECT_EQ(run.examined, 0);
  for (absl::Duration before : {absl::Minutes(25), absl::Minutes(5)}) {
    clock_.Set(due - before);
    CRM_ASSERT_OK(job.EscalateDue({}).status());
  }
  std::vector<v1::Alert> imminent = AlertsOf(v1::Alert::SLA_BREACH_IMMINENT);
  ASSERT_EQ(imminent.size(), 1u);
  EXPECT_EQ(imminent[0].ticket(), ticket.name());
  EXPECT_EQ(imminent[0].escalation_level(), 1);
  EXPECT_EQ(crm::common::FromProtoTimestamp(imminent[0].deadline_time()), due);
  EXPECT_TRUE(AlertsOf(v1::Alert::SLA_BREACHED).empty());
  clock_.Set(due + absl::Minutes(1));
  CRM_ASSERT_OK_AND_ASSIGN(run, job.EscalateDue({}));
  EXPECT_EQ(run.escalated, 1);
  EXPECT_EQ(AlertsOf(v1::Alert::SLA_BREACHED).size(), 1u);
  EXPECT_EQ(AlertsOf(v1::Alert::SLA_BREACH_IMMINENT).size(), 1u);
}

}  // namespace
}  // namespace crm::feedback

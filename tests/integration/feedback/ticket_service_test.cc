// Complaint tickets end to end below the binary: the gRPC adapter, the
// ticket manager and MySqlTicketRepository on a fresh MariaDB database,
// called through a gRPC stub; and the escalation job run by two "replicas"
// at once on the same tickets.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/grpc_status.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"
#include "services/feedback/feedback_manager.h"
#include "services/feedback/feedback_service.h"
#include "services/feedback/migrations.h"
#include "services/feedback/mysql_alert_repository.h"
#include "services/feedback/mysql_feedback_repository.h"
#include "services/feedback/mysql_survey_repository.h"
#include "services/feedback/mysql_ticket_repository.h"
#include "services/feedback/ticket_escalation.h"
#include "services/feedback/ticket_manager.h"
#include "tests/integration/feedback/feedback_service_fixture.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::feedback {
namespace {

using ::crm::common::ReasonOf;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
namespace reason = ::crm::type::v1;

class TicketServiceTest : public FeedbackServiceFixture {};

TEST_F(TicketServiceTest, OpensFromFeedbackOncePerItemAndRoundTrips) {
  v1::SubmitFeedbackRequest submit;
  submit.mutable_feedback()->set_customer("customers/c-1");
  submit.mutable_feedback()->set_channel("app");
  submit.mutable_feedback()->set_type(v1::Feedback::COMPLAINT);
  submit.mutable_feedback()->set_text("The parcel was broken and late.");
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Feedback item,
      manager_->SubmitFeedback(crm::common::RequestContext(), submit));

  v1::CreateTicketRequest request;
  request.mutable_ticket()->set_feedback(item.name());
  request.set_request_id("open-1");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket created, Create(request));
  EXPECT_EQ(created.customer(), "customers/c-1");
  EXPECT_EQ(created.description(), "The parcel was broken and late.");
  EXPECT_NE(created.category(), "");

  grpc::ClientContext context;
  v1::GetTicketRequest get;
  get.set_name(created.name());
  v1::Ticket fetched;
  ASSERT_TRUE(stub_->GetTicket(&context, get, &fetched).ok());
  EXPECT_EQ(fetched.DebugString(), created.DebugString());

  // A repeat of the request id replies the same; a new request for the
  // same item is refused by the unique key.
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket repeated, Create(request));
  EXPECT_EQ(repeated.name(), created.name());
  request.set_request_id("open-2");
  absl::StatusOr<v1::Ticket> second = Create(request);
  EXPECT_THAT(second.status(), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tickets"), 1);
  // Two tickets opened directly share the empty feedback id freely.
  EXPECT_THAT(CreateDirect("Order 1001").status(), IsOk());
  EXPECT_THAT(CreateDirect("Order 1002").status(), IsOk());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tickets"), 3);
}

TEST_F(TicketServiceTest, EveryTransitionAgainstTheDatabase) {
  using Action = v1::TransitionTicketRequest;
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket ticket, CreateDirect("Order 1001"));
  // Illegal from NEW: everything but acknowledge.
  for (Action::Action action :
       {Action::START, Action::RESOLVE, Action::CLOSE, Action::REOPEN}) {
    absl::StatusOr<v1::Ticket> refused = Move(ticket.name(), action);
    EXPECT_THAT(refused.status(),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_EQ(ReasonOf(refused.status()), reason::RESOURCE_STATE_CONFLICT);
  }
  const std::vector<std::pair<Action::Action, v1::Ticket::State>> path = {
      {Action::ACKNOWLEDGE, v1::Ticket::ACKNOWLEDGED},
      {Action::START, v1::Ticket::IN_PROGRESS},
      {Action::RESOLVE, v1::Ticket::RESOLVED},
      {Action::REOPEN, v1::Ticket::IN_PROGRESS},
      {Action::RESOLVE, v1::Ticket::RESOLVED},
      {Action::CLOSE, v1::Ticket::CLOSED},
      {Action::REOPEN, v1::Ticket::IN_PROGRESS},
  };
  for (const auto& [action, state] : path) {
    clock_.Advance(absl::Minutes(1));
    CRM_ASSERT_OK_AND_ASSIGN(ticket, Move(ticket.name(), action));
    EXPECT_EQ(ticket.state(), state);
  }
  EXPECT_THAT(Move(ticket.name(), Action::CLOSE).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket_events WHERE kind = "
                  "'TRANSITION'"),
            7);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tickets WHERE first_response_time "
                  "IS NOT NULL AND resolve_time IS NULL AND close_time IS "
                  "NULL AND version = 8"),
            1);
}

TEST_F(TicketServiceTest, UpdatesAssignsCommentsAndFilters) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket first, CreateDirect("Order 1001"));
  clock_.Advance(absl::Seconds(1));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket second, CreateDirect("Order 1002"));

  v1::UpdateTicketRequest update;
  *update.mutable_ticket() = first;
  update.mutable_ticket()->set_priority(v1::Ticket::P1);
  update.mutable_ticket()->set_category("billing");
  update.mutable_update_mask()->add_paths("priority");
  update.mutable_update_mask()->add_paths("category");
  {
    grpc::ClientContext context;
    v1::Ticket updated;
    ASSERT_TRUE(stub_->UpdateTicket(&context, update, &updated).ok());
    EXPECT_EQ(updated.priority(), v1::Ticket::P1);
    EXPECT_EQ(updated.category(), "billing");
  }
  {
    grpc::ClientContext context;
    v1::Ticket stale;
    const grpc::Status status = stub_->UpdateTicket(&context, update, &stale);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  }
  {
    grpc::ClientContext context;
    v1::AssignTicketRequest assign;
    assign.set_name(second.name());
    assign.set_assignee("agent-7");
    assign.set_team("张三的团队");
    v1::Ticket assigned;
    ASSERT_TRUE(stub_->AssignTicket(&context, assign, &assigned).ok());
  }
  {
    grpc::ClientContext context;
    v1::AddTicketCommentRequest comment;
    comment.set_name(second.name());
    comment.set_text("已联系快递公司。");
    v1::TicketEvent event;
    ASSERT_TRUE(stub_->AddTicketComment(&context, comment, &event).ok());
    EXPECT_EQ(event.text(), "已联系快递公司。");
  }
  {
    grpc::ClientContext context;
    v1::ListTicketEventsRequest history;
    history.set_parent(second.name());
    v1::ListTicketEventsResponse events;
    ASSERT_TRUE(stub_->ListTicketEvents(&context, history, &events).ok());
    ASSERT_EQ(events.events_size(), 3);
    EXPECT_EQ(events.events(0).kind(), v1::TicketEvent::COMMENT);
  }

  // The SQL filters select what the predicate selects.
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"priority = P1", {first.name()}},
      {"category = \"billing\"", {first.name()}},
      {"team = \"张三的团队\" AND assignee = \"agent-7\"", {second.name()}},
      {"state = NEW", {second.name(), first.name()}},
      {"customer = \"customers/c-2\"", {second.name(), first.name()}},
      {"feedback = \"feedback/none\"", {}},
      {"escalation_level > 0", {}},
      {"create_time > \"2026-01-05T10:00:00Z\"", {second.name()}},
  };
  for (const auto& [filter, expected] : cases) {
    CRM_ASSERT_OK_AND_ASSIGN(v1::ListTicketsResponse page, List(filter));
    std::vector<std::string> names;
    for (const v1::Ticket& t : page.tickets()) names.push_back(t.name());
    EXPECT_EQ(names, expected) << filter;
  }
  EXPECT_EQ(ReasonOf(List("state = OPEN").status()), reason::FILTER_INVALID);
}

TEST_F(TicketServiceTest, TwoReplicasEscalateEachTicketOnce) {
  constexpr int kTickets = 40;
  for (int i = 0; i < kTickets; ++i) {
    ASSERT_THAT(CreateDirect("Order " + std::to_string(i)).status(), IsOk());
  }
  // Tuesday 00:00: every first response (P3, 8h, by Monday 18:00) is late.
  clock_.Set(kMonday10 + absl::Hours(14));
  MySqlTicketRepository other_tickets;
  crm::common::TransactionOptions read_committed;
  read_committed.read_committed = true;
  crm::common::MySqlUnitOfWork unit_of_work_a(*pool_, read_committed, clock_);
  crm::common::MySqlUnitOfWork other_unit_of_work(*pool_, read_committed,
                                                  clock_);
  TicketEscalation replica_a(unit_of_work_a, tickets_, ids_, clock_, settings_);
  TicketEscalation replica_b(other_unit_of_work, other_tickets, ids_, clock_,
                             settings_);
  absl::StatusOr<EscalationRun> run_a;
  absl::StatusOr<EscalationRun> run_b;
  std::thread a([&] { run_a = replica_a.EscalateDue({}, 5); });
  std::thread b([&] { run_b = replica_b.EscalateDue({}, 5); });
  a.join();
  b.join();
  ASSERT_THAT(run_a.status(), IsOk());
  ASSERT_THAT(run_b.status(), IsOk());
  EXPECT_EQ(run_a->escalated + run_b->escalated, kTickets);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket_events WHERE kind = "
                  "'ESCALATED'"),
            kTickets);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tickets WHERE escalation_level = 1"),
            kTickets);
  // Again: nothing is due until the resolution deadlines.
  CRM_ASSERT_OK_AND_ASSIGN(EscalationRun again, replica_a.EscalateDue({}));
  EXPECT_EQ(again.examined, 0);
}

}  // namespace
}  // namespace crm::feedback

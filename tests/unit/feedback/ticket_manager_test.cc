// The ticket manager and the escalation job over in-memory fakes (no
// database): opening tickets from feedback and directly, priorities,
// idempotency, every transition the API offers, updates under field masks
// and etags, assignment, comments and history, filters and paging, and
// escalation with an injected clock across business hours.
#include "services/feedback/ticket_manager.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/id_generator.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "services/feedback/feedback_manager.h"
#include "services/feedback/ticket_escalation.h"
#include "services/feedback/ticket_resources.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/feedback/in_memory_feedback_repository.h"
#include "tests/testing/fakes/feedback/in_memory_ticket_repository.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::common::ReasonOf;
using ::crm::common::RequestContext;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::google::protobuf::util::MessageDifferencer;
namespace reason = ::crm::type::v1;

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

class TicketManagerTest : public ::testing::Test {
 protected:
  // Submits a complaint of customer c-1 with `text`; returns its name.
  std::string SubmitComplaint(const std::string& text) {
    v1::SubmitFeedbackRequest request;
    request.mutable_feedback()->set_customer("customers/c-1");
    request.mutable_feedback()->set_channel("app");
    request.mutable_feedback()->set_type(v1::Feedback::COMPLAINT);
    request.mutable_feedback()->set_text(text);
    absl::StatusOr<v1::Feedback> stored =
        feedback_manager_.SubmitFeedback(context_, request);
    EXPECT_THAT(stored.status(), IsOk());
    return stored.ok() ? stored->name() : "";
  }

  absl::StatusOr<v1::Ticket> CreateDirect(const std::string& title,
                                          const std::string& request_id) {
    v1::CreateTicketRequest request;
    request.mutable_ticket()->set_customer("customers/c-2");
    request.mutable_ticket()->set_title(title);
    request.mutable_ticket()->set_description("About the parcel.");
    request.set_request_id(request_id);
    return tickets_manager_.CreateTicket(context_, request);
  }

  absl::StatusOr<v1::Ticket> Move(const std::string& name,
                                  v1::TransitionTicketRequest::Action action,
                                  const std::string& etag = "") {
    v1::TransitionTicketRequest request;
    request.set_name(name);
    request.set_action(action);
    request.set_author("agent-7");
    request.set_etag(etag);
    return tickets_manager_.TransitionTicket(context_, request);
  }

  RequestContext context_;
  crm::common::FakeClock clock_{kMonday10};
  crm::common::SequentialIdGenerator ids_{"t"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryFeedbackRepository feedback_{&unit_of_work_};
  crm::testing::InMemoryTicketRepository tickets_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  FixedValueTiers tiers_;
  TicketSettings settings_;
  FeedbackManager feedback_manager_{unit_of_work_, feedback_, keys_, clock_,
                                    ids_};
  TicketManager tickets_manager_{unit_of_work_, tickets_, feedback_, keys_,
                                 clock_,        ids_,     tiers_,    settings_};
  TicketEscalation escalation_{unit_of_work_, tickets_, ids_, clock_,
                               settings_};
};

TEST_F(TicketManagerTest, OpensFromFeedbackWithItsCustomerTextAndPriority) {
  const std::string feedback =
      SubmitComplaint("快递非常慢，太差了，我很不满意！");
  tiers_.tier = ValueTier::kHigh;
  v1::CreateTicketRequest request;
  request.mutable_ticket()->set_feedback(feedback);
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket ticket,
                           tickets_manager_.CreateTicket(context_, request));
  EXPECT_EQ(ticket.customer(), "customers/c-1");
  EXPECT_EQ(ticket.feedback(), feedback);
  EXPECT_EQ(ticket.title(), "快递非常慢，太差了，我很不满意！");
  EXPECT_EQ(ticket.description(), "快递非常慢，太差了，我很不满意！");
  EXPECT_EQ(ticket.category(), "delivery");
  EXPECT_LE(ticket.sentiment_score(), kVeryNegativeSentiment);
  EXPECT_EQ(ticket.priority(), v1::Ticket::P1);  // High tier, very negative.
  EXPECT_EQ(ticket.state(), v1::Ticket::NEW);
  EXPECT_EQ(tiers_.calls, 1);
  // P1: 1h first response, 8h resolution of Monday-Friday 09-18 UTC.
  EXPECT_EQ(crm::common::FromProtoTimestamp(ticket.first_response_deadline()),
            kMonday10 + absl::Hours(1));
  EXPECT_EQ(crm::common::FromProtoTimestamp(ticket.resolution_deadline()),
            kMonday10 + absl::Hours(8));  // Monday 18:00.
  EXPECT_EQ(ticket.first_response_sla(), v1::Ticket::ON_TRACK);
  ASSERT_EQ(tickets_.events().size(), 1u);
  EXPECT_EQ(tickets_.events()[0].kind, v1::TicketEvent::CREATED);

  // One ticket per feedback item.
  EXPECT_THAT(tickets_manager_.CreateTicket(context_, request).status(),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(TicketManagerTest, UnknownTierIsTheDocumentedDefault) {
  const std::string feedback = SubmitComplaint("非常不好，太差了，很生气");
  v1::CreateTicketRequest request;
  request.mutable_ticket()->set_feedback(feedback);
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket ticket,
                           tickets_manager_.CreateTicket(context_, request));
  EXPECT_EQ(ticket.priority(), v1::Ticket::P2);  // Unknown = medium.
}

TEST_F(TicketManagerTest, RefusesInvalidTickets) {
  absl::StatusOr<v1::Ticket> untitled = CreateDirect("   ", "");
  EXPECT_EQ(ReasonOf(untitled.status()), reason::FIELD_REQUIRED);
  EXPECT_EQ(crm::common::ErrorMetadataOf(untitled.status())["field"],
            "ticket.title");

  const std::string feedback = SubmitComplaint("太慢了");
  v1::CreateTicketRequest other_customer;
  other_customer.mutable_ticket()->set_feedback(feedback);
  other_customer.mutable_ticket()->set_customer("customers/c-9");
  EXPECT_EQ(
      ReasonOf(
          tickets_manager_.CreateTicket(context_, other_customer).status()),
      reason::FIELD_INVALID);

  v1::CreateTicketRequest bad_category;
  bad_category.mutable_ticket()->set_title("Order 1001");
  bad_category.mutable_ticket()->set_category("weather");
  EXPECT_EQ(
      ReasonOf(tickets_manager_.CreateTicket(context_, bad_category).status()),
      reason::FIELD_INVALID);

  v1::CreateTicketRequest missing_feedback;
  missing_feedback.mutable_ticket()->set_feedback("feedback/none");
  EXPECT_THAT(
      tickets_manager_.CreateTicket(context_, missing_feedback).status(),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(tickets_.tickets().empty());
}

TEST_F(TicketManagerTest, CreateIsIdempotentOnRequestId) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket first, CreateDirect("Parcel 1001", "r1"));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket again, CreateDirect("Parcel 1001", "r1"));
  EXPECT_TRUE(MessageDifferencer::Equals(first, again));
  EXPECT_EQ(tickets_.tickets().size(), 1u);
  EXPECT_EQ(ReasonOf(CreateDirect("Another title", "r1").status()),
            reason::REQUEST_ID_REUSED);
}

TEST_F(TicketManagerTest, EveryLegalAndIllegalTransition) {
  using Action = v1::TransitionTicketRequest;
  const std::vector<Action::Action> actions = {Action::ACKNOWLEDGE,
                                               Action::START, Action::RESOLVE,
                                               Action::CLOSE, Action::REOPEN};
  // The legal moves from each state; everything else is refused.
  const std::map<v1::Ticket::State, std::map<Action::Action, v1::Ticket::State>>
      legal = {
          {v1::Ticket::NEW, {{Action::ACKNOWLEDGE, v1::Ticket::ACKNOWLEDGED}}},
          {v1::Ticket::ACKNOWLEDGED,
           {{Action::START, v1::Ticket::IN_PROGRESS}}},
          {v1::Ticket::IN_PROGRESS, {{Action::RESOLVE, v1::Ticket::RESOLVED}}},
          {v1::Ticket::RESOLVED,
           {{Action::CLOSE, v1::Ticket::CLOSED},
            {Action::REOPEN, v1::Ticket::IN_PROGRESS}}},
          {v1::Ticket::CLOSED, {{Action::REOPEN, v1::Ticket::IN_PROGRESS}}},
      };
  // The path that reaches each state from NEW.
  const std::map<v1::Ticket::State, std::vector<Action::Action>> path = {
      {v1::Ticket::NEW, {}},
      {v1::Ticket::ACKNOWLEDGED, {Action::ACKNOWLEDGE}},
      {v1::Ticket::IN_PROGRESS, {Action::ACKNOWLEDGE, Action::START}},
      {v1::Ticket::RESOLVED,
       {Action::ACKNOWLEDGE, Action::START, Action::RESOLVE}},
      {v1::Ticket::CLOSED,
       {Action::ACKNOWLEDGE, Action::START, Action::RESOLVE, Action::CLOSE}},
  };
  int n = 0;
  for (const auto& [state, moves] : legal) {
    for (Action::Action action : actions) {
      CRM_ASSERT_OK_AND_ASSIGN(
          v1::Ticket ticket,
          CreateDirect("Parcel 1001", "create-" + std::to_string(++n)));
      for (Action::Action step : path.at(state)) {
        CRM_ASSERT_OK_AND_ASSIGN(ticket, Move(ticket.name(), step));
      }
      ASSERT_EQ(ticket.state(), state);
      absl::StatusOr<v1::Ticket> moved = Move(ticket.name(), action);
      const auto it = moves.find(action);
      if (it == moves.end()) {
        EXPECT_THAT(moved.status(),
                    StatusIs(absl::StatusCode::kFailedPrecondition))
            << v1::Ticket::State_Name(state) << " "
            << Action::Action_Name(action);
        EXPECT_EQ(ReasonOf(moved.status()), reason::RESOURCE_STATE_CONFLICT);
      } else {
        ASSERT_THAT(moved.status(), IsOk());
        EXPECT_EQ(moved->state(), it->second);
      }
    }
  }
}

TEST_F(TicketManagerTest, TransitionsRecordTheirTimesAndHistory) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket ticket, CreateDirect("Order 1001", ""));
  clock_.Advance(absl::Minutes(30));
  CRM_ASSERT_OK_AND_ASSIGN(
      ticket, Move(ticket.name(), v1::TransitionTicketRequest::ACKNOWLEDGE));
  EXPECT_EQ(crm::common::FromProtoTimestamp(ticket.first_response_time()),
            kMonday10 + absl::Minutes(30));
  EXPECT_EQ(ticket.first_response_sla(), v1::Ticket::MET);
  CRM_ASSERT_OK_AND_ASSIGN(
      ticket, Move(ticket.name(), v1::TransitionTicketRequest::START));
  CRM_ASSERT_OK_AND_ASSIGN(
      ticket, Move(ticket.name(), v1::TransitionTicketRequest::RESOLVE));
  EXPECT_TRUE(ticket.has_resolve_time());
  EXPECT_EQ(ticket.resolution_sla(), v1::Ticket::MET);
  CRM_ASSERT_OK_AND_ASSIGN(
      ticket, Move(ticket.name(), v1::TransitionTicketRequest::REOPEN));
  EXPECT_FALSE(ticket.has_resolve_time());
  EXPECT_EQ(ticket.state(), v1::Ticket::IN_PROGRESS);

  v1::ListTicketEventsRequest history;
  history.set_parent(ticket.name());
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::ListTicketEventsResponse events,
      tickets_manager_.ListTicketEvents(context_, history));
  ASSERT_EQ(events.events_size(), 5);  // Created + 4 moves, newest first.
  EXPECT_EQ(events.events(0).kind(), v1::TicketEvent::TRANSITION);
  EXPECT_EQ(events.events(0).from_state(), v1::Ticket::RESOLVED);
  EXPECT_EQ(events.events(0).to_state(), v1::Ticket::IN_PROGRESS);
  EXPECT_EQ(events.events(0).author(), "agent-7");
  EXPECT_EQ(events.events(4).kind(), v1::TicketEvent::CREATED);
}

TEST_F(TicketManagerTest, UpdatesUnderFieldMaskAndEtag) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket ticket, CreateDirect("Order 1001", ""));
  EXPECT_EQ(ticket.priority(), v1::Ticket::P3);
  v1::UpdateTicketRequest request;
  *request.mutable_ticket() = ticket;
  request.mutable_ticket()->set_priority(v1::Ticket::P1);
  request.mutable_ticket()->set_title("Changed but not in the mask");
  request.mutable_update_mask()->add_paths("priority");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket updated,
                           tickets_manager_.UpdateTicket(context_, request));
  EXPECT_EQ(updated.priority(), v1::Ticket::P1);
  EXPECT_EQ(updated.title(), "Order 1001");
  EXPECT_NE(updated.etag(), ticket.etag());
  EXPECT_EQ(crm::common::FromProtoTimestamp(updated.first_response_deadline()),
            kMonday10 + absl::Hours(1));

  // The etag read before is stale now.
  request.mutable_ticket()->set_priority(v1::Ticket::P4);
  EXPECT_EQ(ReasonOf(tickets_manager_.UpdateTicket(context_, request).status()),
            reason::ETAG_MISMATCH);
  // Without an etag the last write wins.
  request.mutable_ticket()->clear_etag();
  EXPECT_THAT(tickets_manager_.UpdateTicket(context_, request).status(),
              IsOk());

  v1::UpdateTicketRequest bad_path = request;
  bad_path.mutable_update_mask()->add_paths("state");
  absl::StatusOr<v1::Ticket> refused =
      tickets_manager_.UpdateTicket(context_, bad_path);
  EXPECT_EQ(ReasonOf(refused.status()), reason::FIELD_INVALID);
  EXPECT_EQ(crm::common::ErrorMetadataOf(refused.status())["field"],
            "update_mask");
  v1::UpdateTicketRequest no_mask = request;
  no_mask.clear_update_mask();
  EXPECT_EQ(ReasonOf(tickets_manager_.UpdateTicket(context_, no_mask).status()),
            reason::FIELD_REQUIRED);
}

TEST_F(TicketManagerTest, AssignsCommentsAndLists) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket first, CreateDirect("Order 1001", ""));
  clock_.Advance(absl::Seconds(1));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket second, CreateDirect("Parcel 1002", ""));
  v1::AssignTicketRequest assign;
  assign.set_name(first.name());
  assign.set_assignee("agent-7");
  assign.set_team("delivery-desk");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket assigned,
                           tickets_manager_.AssignTicket(context_, assign));
  EXPECT_EQ(assigned.assignee(), "agent-7");
  EXPECT_EQ(assigned.team(), "delivery-desk");

  v1::AddTicketCommentRequest comment;
  comment.set_name(first.name());
  comment.set_text("Called the courier.");
  comment.set_author("agent-7");
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::TicketEvent event,
      tickets_manager_.AddTicketComment(context_, comment));
  EXPECT_EQ(event.kind(), v1::TicketEvent::COMMENT);
  EXPECT_EQ(event.text(), "Called the courier.");
  comment.set_text("  ");
  EXPECT_EQ(
      ReasonOf(tickets_manager_.AddTicketComment(context_, comment).status()),
      reason::FIELD_REQUIRED);

  v1::ListTicketsRequest list;
  list.set_filter("team = \"delivery-desk\"");
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListTicketsResponse page,
                           tickets_manager_.ListTickets(context_, list));
  ASSERT_EQ(page.tickets_size(), 1);
  EXPECT_EQ(page.tickets(0).name(), first.name());

  list.set_filter("state = NEW");
  list.set_page_size(1);
  CRM_ASSERT_OK_AND_ASSIGN(page, tickets_manager_.ListTickets(context_, list));
  ASSERT_EQ(page.tickets_size(), 1);
  EXPECT_EQ(page.tickets(0).name(), second.name());  // Newest first.
  list.set_page_token(page.next_page_token());
  CRM_ASSERT_OK_AND_ASSIGN(page, tickets_manager_.ListTickets(context_, list));
  ASSERT_EQ(page.tickets_size(), 1);
  EXPECT_EQ(page.tickets(0).name(), first.name());
  EXPECT_TRUE(page.next_page_token().empty());

  list.set_filter("state = OPEN");
  list.clear_page_token();
  EXPECT_EQ(ReasonOf(tickets_manager_.ListTickets(context_, list).status()),
            reason::FILTER_INVALID);
}

TEST_F(TicketManagerTest, EscalatesOncePerLevelAcrossBusinessHours) {
  // P3 from Monday 10:00: first response by Monday 18:00, resolution after
  // 40 business hours (Friday 14:00), level 3 after 20 more (next Tuesday
  // 16:00).
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket ticket, CreateDirect("Order 1001", ""));
  ASSERT_EQ(ticket.priority(), v1::Ticket::P3);

  clock_.Set(kMonday10 + absl::Hours(8));  // Monday 18:00: not yet late.
  CRM_ASSERT_OK_AND_ASSIGN(EscalationRun run,
                           escalation_.EscalateDue(context_));
  EXPECT_EQ(run.escalated, 0);

  clock_.Set(kMonday10 + absl::Hours(14));  // Tuesday 00:00, after hours.
  CRM_ASSERT_OK_AND_ASSIGN(run, escalation_.EscalateDue(context_));
  EXPECT_EQ(run.escalated, 1);
  CRM_ASSERT_OK_AND_ASSIGN(run, escalation_.EscalateDue(context_));
  EXPECT_EQ(run.escalated, 0);  // A second run escalates nothing.
  EXPECT_EQ(tickets_.tickets()[0].escalation_level, 1);

  // Just after Friday 14:00.
  clock_.Set(kMonday10 + absl::Hours(4 * 24 + 4) + absl::Minutes(1));
  CRM_ASSERT_OK_AND_ASSIGN(run, escalation_.EscalateDue(context_));
  EXPECT_EQ(run.escalated, 1);
  EXPECT_EQ(tickets_.tickets()[0].escalation_level, 2);

  // Monday 23:00 of the next week: 4h Friday + 9h Monday = 13h late, less
  // than 20h.
  clock_.Set(kMonday10 + absl::Hours(7 * 24 + 13));
  CRM_ASSERT_OK_AND_ASSIGN(run, escalation_.EscalateDue(context_));
  EXPECT_EQ(run.escalated, 0);
  // Tuesday 17:00: 4 + 9 + 8 = 21h late.
  clock_.Set(kMonday10 + absl::Hours(8 * 24 + 7));
  CRM_ASSERT_OK_AND_ASSIGN(run, escalation_.EscalateDue(context_));
  EXPECT_EQ(run.escalated, 1);
  EXPECT_EQ(tickets_.tickets()[0].escalation_level, 3);
  EXPECT_FALSE(tickets_.tickets()[0].next_escalation_time.has_value());

  int escalations = 0;
  for (const TicketEventRecord& event : tickets_.events()) {
    if (event.kind == v1::TicketEvent::ESCALATED) ++escalations;
  }
  EXPECT_EQ(escalations, 3);
}

TEST_F(TicketManagerTest, AnsweredAndResolvedTicketsAreNotEscalated) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket ticket, CreateDirect("Order 1001", ""));
  CRM_ASSERT_OK_AND_ASSIGN(
      ticket, Move(ticket.name(), v1::TransitionTicketRequest::ACKNOWLEDGE));
  CRM_ASSERT_OK_AND_ASSIGN(
      ticket, Move(ticket.name(), v1::TransitionTicketRequest::START));
  CRM_ASSERT_OK_AND_ASSIGN(
      ticket, Move(ticket.name(), v1::TransitionTicketRequest::RESOLVE));
  EXPECT_FALSE(tickets_.tickets()[0].next_escalation_time.has_value());
  clock_.Advance(absl::Hours(24 * 30));
  CRM_ASSERT_OK_AND_ASSIGN(EscalationRun run,
                           escalation_.EscalateDue(context_));
  EXPECT_EQ(run.examined, 0);
  EXPECT_EQ(tickets_.tickets()[0].escalation_level, 0);
}

}  // namespace
}  // namespace crm::feedback

// Compensation on resolution over in-memory fakes and a fake loyalty: the
// points are credited once however often a RESOLVE is retried (the
// IssueCompensation request_id comes from the ticket), a loyalty that is down
// or not configured leaves the ticket unchanged, an anonymous ticket is
// refused naming the field, and the credit is recorded on the ticket and in
// its history.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/id_generator.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "services/feedback/ticket_manager.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/feedback/fake_loyalty_client.h"
#include "tests/testing/fakes/feedback/in_memory_feedback_repository.h"
#include "tests/testing/fakes/feedback/in_memory_ticket_repository.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::common::RequestContext;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::HasSubstr;
namespace reason = ::crm::type::v1;

// Monday 2026-01-05 10:00 UTC.
const absl::Time kMonday10 = absl::FromUnixSeconds(1767607200);

class TicketCompensationTest : public ::testing::Test {
 protected:
  // A ticket of `customer` ("" for anonymous), moved to IN_PROGRESS.
  std::string InProgressTicket(const std::string& customer) {
    v1::CreateTicketRequest create;
    if (!customer.empty()) create.mutable_ticket()->set_customer(customer);
    create.mutable_ticket()->set_title("Parcel arrived broken");
    absl::StatusOr<v1::Ticket> ticket = manager_.CreateTicket(context_, create);
    EXPECT_THAT(ticket.status(), IsOk());
    if (!ticket.ok()) return "";
    for (auto action : {v1::TransitionTicketRequest::ACKNOWLEDGE,
                        v1::TransitionTicketRequest::START}) {
      v1::TransitionTicketRequest move;
      move.set_name(ticket->name());
      move.set_action(action);
      EXPECT_THAT(manager_.TransitionTicket(context_, move).status(), IsOk());
    }
    return ticket->name();
  }

  v1::TransitionTicketRequest Resolve(const std::string& name, int64_t points,
                                      const std::string& request_id) {
    v1::TransitionTicketRequest request;
    request.set_name(name);
    request.set_action(v1::TransitionTicketRequest::RESOLVE);
    request.set_author("agent-7");
    request.set_note("Sorry about the parcel.");
    request.set_compensation_points(points);
    request.set_request_id(request_id);
    return request;
  }

  const TicketRecord& Stored() { return tickets_.tickets().at(0); }

  int CountEvents(v1::TicketEvent::Kind kind) {
    int count = 0;
    for (const TicketEventRecord& event : tickets_.events()) {
      if (event.kind == kind) ++count;
    }
    return count;
  }

  RequestContext context_;
  crm::common::FakeClock clock_{kMonday10};
  crm::common::SequentialIdGenerator ids_{"t"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryFeedbackRepository feedback_{&unit_of_work_};
  crm::testing::InMemoryTicketRepository tickets_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  UnknownValueTiers tiers_;
  TicketSettings settings_;
  crm::testing::FakeLoyaltyClient loyalty_;
  TicketManager manager_{unit_of_work_,    tickets_, feedback_, keys_,
                         clock_,           ids_,     tiers_,    settings_,
                         DefaultLexicon(), &loyalty_};
};

TEST_F(TicketCompensationTest, ResolveCreditsAndRecordsTheCompensation) {
  const std::string name = InProgressTicket("customers/c-1");
  clock_.Advance(absl::Minutes(5));
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Ticket ticket,
      manager_.TransitionTicket(context_, Resolve(name, 500, "r-1")));
  EXPECT_EQ(ticket.state(), v1::Ticket::RESOLVED);
  EXPECT_EQ(ticket.compensation_points(), 500);
  EXPECT_EQ(ticket.compensation_entry(), "accounts/c-1/ledgerEntries/e1");
  EXPECT_EQ(crm::common::FromProtoTimestamp(ticket.compensation_time()),
            clock_.Now());
  EXPECT_EQ(loyalty_.balance("c-1"), 500);
  ASSERT_EQ(loyalty_.calls().size(), 1u);
  const CompensationRequest call = loyalty_.calls()[0];
  EXPECT_EQ(call.customer_id, "c-1");
  EXPECT_EQ(call.ticket_id, Stored().id);
  EXPECT_EQ(call.request_id, CompensationRequestId(Stored().id));
  EXPECT_LE(call.request_id.size(), 64u);
  EXPECT_THAT(call.reason, HasSubstr(name));

  // History: the move and the credit.
  ASSERT_EQ(CountEvents(v1::TicketEvent::COMPENSATED), 1);
  for (const TicketEventRecord& event : tickets_.events()) {
    if (event.kind != v1::TicketEvent::COMPENSATED) continue;
    EXPECT_EQ(event.compensation_points, 500);
    EXPECT_EQ(event.compensation_entry, "accounts/c-1/ledgerEntries/e1");
    EXPECT_EQ(event.author, "agent-7");
  }
  // A repeat of the request answers the first response; loyalty is not
  // asked again.
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Ticket again,
      manager_.TransitionTicket(context_, Resolve(name, 500, "r-1")));
  EXPECT_EQ(again.compensation_entry(), ticket.compensation_entry());
  EXPECT_EQ(loyalty_.calls().size(), 1u);
  EXPECT_EQ(loyalty_.balance("c-1"), 500);
}

TEST_F(TicketCompensationTest, RetryAfterALostCommitCreditsOnce) {
  const std::string name = InProgressTicket("customers/c-1");
  // Loyalty credits, then feedback's transaction fails: nothing is stored
  // on the ticket, the points stay credited.
  loyalty_.set_after_issue([this] {
    unit_of_work_.FailNextCommit(absl::UnavailableError("database went away"));
  });
  EXPECT_THAT(
      manager_.TransitionTicket(context_, Resolve(name, 300, "r-1")).status(),
      StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(Stored().state, v1::Ticket::IN_PROGRESS);
  EXPECT_EQ(Stored().compensation_points, 0);
  EXPECT_EQ(loyalty_.balance("c-1"), 300);
  loyalty_.set_after_issue(nullptr);
  // The retry (even under another request_id) re-sends the same idempotent
  // call: the same entry, no second credit, and the ticket records it.
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Ticket ticket,
      manager_.TransitionTicket(context_, Resolve(name, 300, "r-2")));
  EXPECT_EQ(ticket.state(), v1::Ticket::RESOLVED);
  EXPECT_EQ(ticket.compensation_entry(), "accounts/c-1/ledgerEntries/e1");
  EXPECT_EQ(loyalty_.balance("c-1"), 300);
  ASSERT_EQ(loyalty_.calls().size(), 2u);
  EXPECT_EQ(loyalty_.calls()[0].request_id, loyalty_.calls()[1].request_id);
  EXPECT_EQ(CountEvents(v1::TicketEvent::COMPENSATED), 1);
}

TEST_F(TicketCompensationTest, LoyaltyDownLeavesTheTicketUnchanged) {
  const std::string name = InProgressTicket("customers/c-1");
  const TicketRecord before = Stored();
  const size_t events_before = tickets_.events().size();
  loyalty_.set_available(false);
  const absl::Status down =
      manager_.TransitionTicket(context_, Resolve(name, 200, "r-1")).status();
  EXPECT_THAT(down, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ReasonOf(down), reason::BACKEND_UNAVAILABLE);
  EXPECT_EQ(Stored().state, v1::Ticket::IN_PROGRESS);
  EXPECT_EQ(Stored().version, before.version);
  EXPECT_EQ(Stored().compensation_points, 0);
  EXPECT_EQ(tickets_.events().size(), events_before);
  // Nothing was stored under the request_id: the same request succeeds once
  // loyalty is back.
  loyalty_.set_available(true);
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Ticket ticket,
      manager_.TransitionTicket(context_, Resolve(name, 200, "r-1")));
  EXPECT_EQ(ticket.compensation_points(), 200);
  EXPECT_EQ(loyalty_.balance("c-1"), 200);
}

TEST_F(TicketCompensationTest, NoLoyaltyConfiguredIsAFailedPrecondition) {
  TicketManager without_loyalty(unit_of_work_, tickets_, feedback_, keys_,
                                clock_, ids_, tiers_, settings_);
  const std::string name = InProgressTicket("customers/c-1");
  const absl::Status refused =
      without_loyalty.TransitionTicket(context_, Resolve(name, 200, "r-1"))
          .status();
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition,
                                HasSubstr("no loyalty address")));
  EXPECT_EQ(ErrorMetadataOf(refused)["field"], "compensation_points");
  EXPECT_EQ(Stored().state, v1::Ticket::IN_PROGRESS);
  // Without points, resolving needs no loyalty.
  CRM_EXPECT_OK(
      without_loyalty.TransitionTicket(context_, Resolve(name, 0, "r-2")));
}

TEST_F(TicketCompensationTest, AnAnonymousTicketCannotBeCompensated) {
  const std::string name = InProgressTicket("");
  const absl::Status refused =
      manager_.TransitionTicket(context_, Resolve(name, 100, "r-1")).status();
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition,
                                HasSubstr("ticket.customer")));
  EXPECT_EQ(ErrorMetadataOf(refused)["field"], "ticket.customer");
  EXPECT_TRUE(loyalty_.calls().empty());
  EXPECT_EQ(Stored().state, v1::Ticket::IN_PROGRESS);
}

TEST_F(TicketCompensationTest, RefusesBadPointsAndASecondCompensation) {
  const std::string name = InProgressTicket("customers/c-1");
  EXPECT_THAT(
      manager_.TransitionTicket(context_, Resolve(name, -5, "")).status(),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(manager_.TransitionTicket(context_, Resolve(name, 1000000001, ""))
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  v1::TransitionTicketRequest close = Resolve(name, 10, "");
  close.set_action(v1::TransitionTicketRequest::CLOSE);
  EXPECT_THAT(manager_.TransitionTicket(context_, close).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("compensation_points")));
  EXPECT_TRUE(loyalty_.calls().empty());

  CRM_ASSERT_OK(manager_.TransitionTicket(context_, Resolve(name, 50, "")));
  v1::TransitionTicketRequest reopen;
  reopen.set_name(name);
  reopen.set_action(v1::TransitionTicketRequest::REOPEN);
  CRM_ASSERT_OK(manager_.TransitionTicket(context_, reopen));
  // A reopened ticket keeps its compensation and gets no second one.
  const absl::Status again =
      manager_.TransitionTicket(context_, Resolve(name, 50, "")).status();
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorMetadataOf(again)["field"], "compensation_points");
  EXPECT_EQ(Stored().compensation_points, 50);
  EXPECT_EQ(loyalty_.balance("c-1"), 50);
  // Resolving it again without points works.
  CRM_EXPECT_OK(manager_.TransitionTicket(context_, Resolve(name, 0, "")));
}

TEST_F(TicketCompensationTest, AStateConflictAsksNoLoyalty) {
  v1::CreateTicketRequest create;
  create.mutable_ticket()->set_customer("customers/c-1");
  create.mutable_ticket()->set_title("Parcel arrived broken");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket ticket,
                           manager_.CreateTicket(context_, create));
  // NEW cannot be resolved.
  const absl::Status conflict =
      manager_.TransitionTicket(context_, Resolve(ticket.name(), 100, ""))
          .status();
  EXPECT_THAT(conflict, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(conflict), reason::RESOURCE_STATE_CONFLICT);
  EXPECT_TRUE(loyalty_.calls().empty());
}

}  // namespace
}  // namespace crm::feedback

// Feedback's change feed over in-memory fakes (no database): the events'
// contents as pure functions (first NPS and CSAT answers, names, no free
// text) and TicketManager's TICKET_RESOLVED appended with the move's unit of
// work — once per resolution, none when the commit fails, none for a
// repeated request.
#include "services/feedback/feedback_change_feed.h"

#include <string>

#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/request_context.h"
#include "services/feedback/ticket_manager.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/feedback/in_memory_feedback_repository.h"
#include "tests/testing/fakes/feedback/in_memory_ticket_repository.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/fakes/recording_change_feed_writer.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::testing::IsOk;
using Action = v1::TransitionTicketRequest;

// Monday 2026-01-05 10:00 UTC.
const absl::Time kMonday10 = absl::FromUnixSeconds(1767607200);

TEST(SurveyAnsweredEventTest, TakesTheFirstNpsAndCsatAnswersAndNoText) {
  SurveyResponseRecord response;
  response.id = "r1";
  response.survey_id = "s1";
  response.customer_id = "c1";
  response.channel = "app";
  response.invitation_id = "i1";
  response.scored = {{v1::SurveyQuestion::CES, 2},
                     {v1::SurveyQuestion::NPS, 7},
                     {v1::SurveyQuestion::CSAT, 1},
                     {v1::SurveyQuestion::NPS, 10},
                     {v1::SurveyQuestion::CSAT, 5}};
  v1::SurveyAnswer text;
  text.set_question_id("why");
  text.set_text("call me");
  response.answers = {text};
  response.subject = "customers/c1/orders/o1";

  const v1::ChangeEvent event = SurveyAnsweredEvent(response);
  EXPECT_EQ(event.customer(), "customers/c1");
  const v1::SurveyAnswerChange& change = event.survey_answer();
  EXPECT_EQ(change.response(), "surveys/s1/responses/r1");
  EXPECT_EQ(change.survey(), "surveys/s1");
  EXPECT_EQ(change.invitation(), "surveys/s1/invitations/i1");
  EXPECT_EQ(change.nps_score(), 7);
  EXPECT_EQ(change.csat_score(), 1);
  EXPECT_EQ(change.channel(), "app");
  const std::string bytes = event.SerializeAsString();
  EXPECT_EQ(bytes.find("call me"), std::string::npos);
  EXPECT_EQ(bytes.find("orders/o1"), std::string::npos);

  // Anonymous, without an invitation or scores.
  response.customer_id.clear();
  response.invitation_id.clear();
  response.scored = {{v1::SurveyQuestion::CES, 3}};
  const v1::ChangeEvent anonymous = SurveyAnsweredEvent(response);
  EXPECT_EQ(anonymous.customer(), "");
  EXPECT_EQ(anonymous.survey_answer().invitation(), "");
  EXPECT_FALSE(anonymous.survey_answer().has_nps_score());
  EXPECT_FALSE(anonymous.survey_answer().has_csat_score());
}

class TicketFeedTest : public ::testing::Test {
 protected:
  std::string Open() {
    v1::CreateTicketRequest request;
    request.mutable_ticket()->set_customer("customers/c-2");
    request.mutable_ticket()->set_title("Parcel crushed");
    absl::StatusOr<v1::Ticket> ticket = manager_.CreateTicket({}, request);
    EXPECT_THAT(ticket.status(), IsOk());
    return ticket.ok() ? ticket->name() : "";
  }

  absl::StatusOr<v1::Ticket> Move(const std::string& name,
                                  Action::Action action,
                                  const std::string& request_id = "") {
    v1::TransitionTicketRequest request;
    request.set_name(name);
    request.set_action(action);
    request.set_note("Refund sent to 13912345678");
    request.set_request_id(request_id);
    return manager_.TransitionTicket({}, request);
  }

  crm::common::FakeClock clock_{kMonday10};
  crm::common::SequentialIdGenerator ids_{"t"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryFeedbackRepository feedback_{&unit_of_work_};
  crm::testing::InMemoryTicketRepository tickets_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  crm::testing::RecordingChangeFeedWriter feed_{&unit_of_work_};
  UnknownValueTiers tiers_;
  TicketSettings settings_;
  TicketManager manager_{unit_of_work_,    tickets_, feedback_, keys_,
                         clock_,           ids_,     tiers_,    settings_,
                         DefaultLexicon(), nullptr,  &feed_};
};

TEST_F(TicketFeedTest, OneEventPerResolutionCommittedWithTheMove) {
  const std::string name = Open();
  ASSERT_THAT(Move(name, Action::ACKNOWLEDGE).status(), IsOk());
  ASSERT_THAT(Move(name, Action::START).status(), IsOk());
  EXPECT_TRUE(feed_.events().empty());

  // A failed commit leaves neither the move nor the event.
  unit_of_work_.FailNextCommit(absl::UnavailableError("commit lost"));
  EXPECT_FALSE(Move(name, Action::RESOLVE, "resolve-1").ok());
  EXPECT_TRUE(feed_.events().empty());
  EXPECT_EQ(feed_.notifications(), 0);

  clock_.Advance(absl::Minutes(1));
  absl::StatusOr<v1::Ticket> resolved =
      Move(name, Action::RESOLVE, "resolve-1");
  ASSERT_THAT(resolved.status(), IsOk());
  ASSERT_EQ(feed_.events().size(), 1u);
  EXPECT_EQ(feed_.notifications(), 1);
  const crm::common::FeedEventRecord& record = feed_.events()[0];
  EXPECT_EQ(record.type, v1::ChangeEvent::TICKET_RESOLVED);
  EXPECT_EQ(record.key, "c-2");
  v1::ChangeEvent event;
  ASSERT_TRUE(event.ParseFromString(record.payload));
  EXPECT_EQ(event.customer(), "customers/c-2");
  EXPECT_EQ(event.ticket_change().ticket(), name);
  EXPECT_EQ(event.ticket_change().state(), v1::Ticket::RESOLVED);
  EXPECT_EQ(event.ticket_change().resolve_time().seconds(),
            absl::ToUnixSeconds(kMonday10 + absl::Minutes(1)));
  EXPECT_EQ(record.payload.find("Parcel"), std::string::npos);
  EXPECT_EQ(record.payload.find("13912345678"), std::string::npos);

  // The repeat is answered from the store: nothing more.
  ASSERT_THAT(Move(name, Action::RESOLVE, "resolve-1").status(), IsOk());
  EXPECT_EQ(feed_.events().size(), 1u);
  // Closing and reopening write nothing; resolving again one more.
  ASSERT_THAT(Move(name, Action::CLOSE).status(), IsOk());
  ASSERT_THAT(Move(name, Action::REOPEN).status(), IsOk());
  EXPECT_EQ(feed_.events().size(), 1u);
  ASSERT_THAT(Move(name, Action::RESOLVE).status(), IsOk());
  EXPECT_EQ(feed_.events().size(), 2u);
  EXPECT_EQ(feed_.notifications(), 2);
}

}  // namespace
}  // namespace crm::feedback

// Feedback's own change feed on MariaDB behind the in-process gRPC server:
// TICKET_RESOLVED in the transaction of each move into RESOLVED (once per
// resolution, nothing for a repeated request), SURVEY_ANSWERED in the
// transaction of each recorded response (scores, invitation, channel; an
// anonymous one without a customer), no free text on the feed, an erasure
// arriving on customer-profile's feed re-keying the customer's events to a
// tombstone, and WatchChanges replaying stored events after a cursor, then
// a new one live, filtered by type.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/feedback/v1/change_event.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/change_feed_sequencer.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/timestamps.h"
#include "tests/integration/feedback/feedback_service_fixture.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::testing::IsOk;
namespace cp = ::crm::customerprofile::v1;
using Action = v1::TransitionTicketRequest;
using Event = v1::ChangeEvent;

// Words that appear only in tickets' and responses' free text.
constexpr char kTitleWord[] = "Parcelcrushed";
constexpr char kNoteWord[] = "Refundednote";
constexpr char kAnswerWord[] = "Slowcourier";

class ChangeFeedServiceTest : public FeedbackServiceFixture {
 protected:
  void SetUp() override {
    FeedbackServiceFixture::SetUp();
    if (HasFatalFailure()) return;
    crm::common::FeedConsumerOptions options;
    options.consumer = "feedback";
    consumer_ = std::make_unique<crm::common::FeedConsumer>(
        *pool_,
        [](int64_t)
            -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
          return absl::UnavailableError("no stream in this test");
        },
        [this](sql::Connection& connection, int64_t,
               absl::string_view payload) {
          const crm::common::RequestContext request;
          crm::common::MySqlTransaction tx(connection, request);
          return ApplyCustomerProfileEvent(stores_, tx, payload);
        },
        options);
    // NPS, CSAT and a free-text question.
    v1::CreateSurveyRequest request;
    request.mutable_survey()->set_title("After your order");
    for (auto [id, kind] :
         std::vector<std::pair<std::string, v1::SurveyQuestion::Kind>>{
             {"nps", v1::SurveyQuestion::NPS},
             {"csat", v1::SurveyQuestion::CSAT},
             {"why", v1::SurveyQuestion::FREE_TEXT}}) {
      v1::SurveyQuestion* question = request.mutable_survey()->add_questions();
      question->set_id(id);
      question->set_text("Question " + id);
      question->set_kind(kind);
    }
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->CreateSurvey(&context, request, &survey_).ok());
  }

  // Feeds customer-profile's event `sequence` to the consumer.
  void Feed(int64_t sequence, cp::ChangeEvent event) {
    event.set_sequence(sequence);
    CRM_ASSERT_OK_AND_ASSIGN(
        bool applied, consumer_->ApplyOne(sequence, event.SerializeAsString()));
    EXPECT_TRUE(applied);
  }

  absl::StatusOr<v1::Ticket> Open(const std::string& customer) {
    v1::CreateTicketRequest request;
    request.mutable_ticket()->set_customer(customer);
    request.mutable_ticket()->set_title(absl::StrCat(kTitleWord, " box"));
    request.mutable_ticket()->set_category("delivery");
    request.mutable_ticket()->set_priority(v1::Ticket::P2);
    return Create(request);
  }

  absl::StatusOr<v1::Ticket> Transition(const std::string& name,
                                        Action::Action action,
                                        const std::string& request_id = "") {
    grpc::ClientContext context;
    v1::TransitionTicketRequest request;
    request.set_name(name);
    request.set_action(action);
    request.set_note(absl::StrCat(kNoteWord, " customer"));
    request.set_request_id(request_id);
    v1::Ticket response;
    return Reply(stub_->TransitionTicket(&context, request, &response),
                 response);
  }

  // A ticket of `customer` moved to RESOLVED.
  v1::Ticket Resolved(const std::string& customer) {
    absl::StatusOr<v1::Ticket> ticket = Open(customer);
    EXPECT_THAT(ticket.status(), IsOk());
    if (!ticket.ok()) return {};
    for (Action::Action action :
         {Action::ACKNOWLEDGE, Action::START, Action::RESOLVE}) {
      clock_.Advance(absl::Minutes(5));
      ticket = Transition(ticket->name(), action);
      EXPECT_THAT(ticket.status(), IsOk());
      if (!ticket.ok()) return {};
    }
    return *ticket;
  }

  absl::StatusOr<v1::SurveyResponse> Answer(
      const std::string& customer, std::optional<int> nps,
      std::optional<int> csat, const std::string& invitation = "",
      const std::string& request_id = "") {
    v1::SubmitSurveyResponseRequest request;
    request.set_parent(survey_.name());
    request.set_request_id(request_id);
    request.mutable_response()->set_customer(customer);
    request.mutable_response()->set_channel("email");
    request.mutable_response()->set_invitation(invitation);
    if (nps.has_value()) {
      v1::SurveyAnswer* answer = request.mutable_response()->add_answers();
      answer->set_question_id("nps");
      answer->set_score(*nps);
    }
    if (csat.has_value()) {
      v1::SurveyAnswer* answer = request.mutable_response()->add_answers();
      answer->set_question_id("csat");
      answer->set_score(*csat);
    }
    v1::SurveyAnswer* why = request.mutable_response()->add_answers();
    why->set_question_id("why");
    why->set_text(absl::StrCat(kAnswerWord, " again"));
    grpc::ClientContext context;
    v1::SurveyResponse response;
    return Reply(stub_->SubmitSurveyResponse(&context, request, &response),
                 response);
  }

  int64_t Events(const std::string& where = "TRUE") {
    return Count(
        "SELECT COUNT(*) FROM change_feed_events WHERE feed = 'feedback' "
        "AND " +
        where);
  }

  // The events after `after` of `types` over gRPC, read until `count`
  // arrived or `wait` passed.
  std::vector<Event> Watch(int64_t after, size_t count,
                           const std::vector<Event::Type>& types = {},
                           absl::Duration wait = absl::Seconds(5)) {
    v1::WatchChangesRequest request;
    request.set_after_sequence(after);
    for (Event::Type type : types) request.add_types(type);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + wait));
    std::unique_ptr<grpc::ClientReader<Event>> reader =
        stub_->WatchChanges(&context, request);
    std::vector<Event> events;
    Event event;
    while (events.size() < count && reader->Read(&event)) {
      events.push_back(event);
    }
    context.TryCancel();
    reader->Finish();
    return events;
  }

  std::unique_ptr<crm::common::FeedConsumer> consumer_;
  v1::Survey survey_;
};

TEST_F(ChangeFeedServiceTest, EachResolutionAppendsOneTicketResolved) {
  const v1::Ticket resolved = Resolved("customers/c-r1");
  EXPECT_EQ(resolved.state(), v1::Ticket::RESOLVED);
  // Acknowledge and start appended nothing; the resolution one event.
  EXPECT_EQ(Events(), 1);
  EXPECT_EQ(Events("type = 1 AND `key` = 'c-r1' AND sequence IS NULL"), 1);
  Sequence();

  std::vector<Event> events = Watch(0, 1);
  ASSERT_EQ(events.size(), 1u);
  const Event& event = events[0];
  EXPECT_EQ(event.sequence(), 1);
  EXPECT_EQ(event.type(), Event::TICKET_RESOLVED);
  EXPECT_EQ(event.customer(), "customers/c-r1");
  EXPECT_EQ(crm::common::FromProtoTimestamp(event.event_time()),
            crm::common::FromProtoTimestamp(resolved.resolve_time()));
  const v1::TicketChange& change = event.ticket_change();
  EXPECT_EQ(change.ticket(), resolved.name());
  EXPECT_EQ(change.category(), "delivery");
  EXPECT_EQ(change.priority(), v1::Ticket::P2);
  EXPECT_EQ(change.state(), v1::Ticket::RESOLVED);
  EXPECT_EQ(crm::common::FromProtoTimestamp(change.create_time()), kMonday10);
  EXPECT_EQ(crm::common::FromProtoTimestamp(change.resolve_time()),
            kMonday10 + absl::Minutes(15));
  EXPECT_EQ(change.resolution_sla(), resolved.resolution_sla());
  EXPECT_NE(change.resolution_sla(), v1::Ticket::DEADLINE_STATE_UNSPECIFIED);
  EXPECT_FALSE(event.has_survey_answer());

  // Reopened (nothing) and resolved again (a second event); closing adds
  // nothing.
  clock_.Advance(absl::Minutes(5));
  ASSERT_THAT(Transition(resolved.name(), Action::REOPEN).status(), IsOk());
  EXPECT_EQ(Events(), 1);
  clock_.Advance(absl::Minutes(5));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket again,
                           Transition(resolved.name(), Action::RESOLVE));
  ASSERT_THAT(Transition(resolved.name(), Action::CLOSE).status(), IsOk());
  EXPECT_EQ(Events("type = 1 AND `key` = 'c-r1'"), 2);
  Sequence();
  events = Watch(1, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].sequence(), 2);
  EXPECT_EQ(events[0].ticket_change().ticket(), resolved.name());
  EXPECT_EQ(
      crm::common::FromProtoTimestamp(events[0].ticket_change().resolve_time()),
      crm::common::FromProtoTimestamp(again.resolve_time()));

  // No title or note on the feed.
  EXPECT_EQ(Events(absl::StrCat("(LOCATE('", kTitleWord,
                                "', payload) > 0 OR LOCATE('", kNoteWord,
                                "', payload) > 0)")),
            0);
}

TEST_F(ChangeFeedServiceTest, ARepeatedResolveRequestAppendsNothing) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket ticket, Open("customers/c-rep"));
  ASSERT_THAT(Transition(ticket.name(), Action::ACKNOWLEDGE).status(), IsOk());
  ASSERT_THAT(Transition(ticket.name(), Action::START).status(), IsOk());
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Ticket first,
      Transition(ticket.name(), Action::RESOLVE, "resolve-1"));
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Ticket repeat,
      Transition(ticket.name(), Action::RESOLVE, "resolve-1"));
  EXPECT_EQ(repeat.etag(), first.etag());
  EXPECT_EQ(Events(), 1);
  // A refused move appends nothing either.
  EXPECT_FALSE(Transition(ticket.name(), Action::RESOLVE).ok());
  EXPECT_EQ(Events(), 1);
}

TEST_F(ChangeFeedServiceTest, ASurveyResponseAppendsSurveyAnswered) {
  Feed(1, [] {
    cp::ChangeEvent event;
    event.set_type(cp::ChangeEvent::CUSTOMER_UPDATED);
    event.set_customer_name("customers/c-s1");
    event.mutable_customer()->set_name("customers/c-s1");
    event.mutable_customer()->set_state(cp::Customer::ACTIVE);
    cp::Consent* consent = event.mutable_customer()->add_consents();
    consent->set_purpose(cp::Consent::EMAIL_MARKETING);
    consent->set_status(cp::Consent::GRANTED);
    return event;
  }());
  v1::CreateSurveyInvitationRequest invite;
  invite.set_parent(survey_.name());
  invite.mutable_invitation()->set_customer("customers/c-s1");
  invite.mutable_invitation()->set_subject("customers/c-s1/orders/o-1");
  invite.mutable_invitation()->set_channel(v1::SurveyInvitation::EMAIL);
  v1::SurveyInvitation invitation;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(
        stub_->CreateSurveyInvitation(&context, invite, &invitation).ok());
  }
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyResponse response,
                           Answer("", 3, 4, invitation.name(), "answer-1"));
  // The repeat is answered from the store and appends nothing.
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyResponse repeat,
                           Answer("", 3, 4, invitation.name(), "answer-1"));
  EXPECT_EQ(repeat.name(), response.name());
  EXPECT_EQ(Events(), 1);
  EXPECT_EQ(Events("type = 2 AND `key` = 'c-s1'"), 1);
  Sequence();

  std::vector<Event> events = Watch(0, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type(), Event::SURVEY_ANSWERED);
  EXPECT_EQ(events[0].customer(), "customers/c-s1");
  const v1::SurveyAnswerChange& answer = events[0].survey_answer();
  EXPECT_EQ(answer.response(), response.name());
  EXPECT_EQ(answer.survey(), survey_.name());
  EXPECT_EQ(answer.invitation(), invitation.name());
  ASSERT_TRUE(answer.has_nps_score());
  EXPECT_EQ(answer.nps_score(), 3);
  ASSERT_TRUE(answer.has_csat_score());
  EXPECT_EQ(answer.csat_score(), 4);
  EXPECT_EQ(answer.channel(), "email");
  EXPECT_FALSE(events[0].has_ticket_change());
  // No free-text answer, no subject on the feed.
  EXPECT_EQ(Events(absl::StrCat("(LOCATE('", kAnswerWord,
                                "', payload) > 0 OR LOCATE('orders/o-1', "
                                "payload) > 0)")),
            0);
}

TEST_F(ChangeFeedServiceTest, AnAnonymousResponseHasNoCustomer) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyResponse response,
                           Answer("", std::nullopt, 5));
  EXPECT_EQ(Events("type = 2 AND `key` = ''"), 1);
  Sequence();
  std::vector<Event> events = Watch(0, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].customer(), "");
  EXPECT_EQ(events[0].survey_answer().response(), response.name());
  EXPECT_EQ(events[0].survey_answer().invitation(), "");
  EXPECT_FALSE(events[0].survey_answer().has_nps_score());
  ASSERT_TRUE(events[0].survey_answer().has_csat_score());
  EXPECT_EQ(events[0].survey_answer().csat_score(), 5);
}

TEST_F(ChangeFeedServiceTest, AnErasureReKeysTheCustomersEventsToATombstone) {
  const v1::Ticket ticket = Resolved("customers/c-erase");
  ASSERT_THAT(Answer("customers/c-erase", 9, std::nullopt).status(), IsOk());
  ASSERT_THAT(Answer("customers/c-keep", 10, std::nullopt).status(), IsOk());
  Sequence();
  ASSERT_EQ(Events("`key` = 'c-erase'"), 2);

  cp::ChangeEvent erased;
  erased.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  erased.set_customer_name("customers/c-erase");
  Feed(1, erased);

  EXPECT_EQ(Events("`key` = 'c-erase'"), 0);
  EXPECT_EQ(Events("LOCATE('c-erase', payload) > 0"), 0);
  EXPECT_EQ(Events("`key` LIKE 'erased-%'"), 2);
  EXPECT_EQ(Events("`key` = 'c-keep'"), 1);
  EXPECT_EQ(Events("sequence IS NOT NULL"), 3);

  std::vector<Event> events = Watch(0, 3);
  ASSERT_EQ(events.size(), 3u);
  // Sequences, types and the rest stay; both events name one tombstone.
  EXPECT_EQ(events[0].type(), Event::TICKET_RESOLVED);
  EXPECT_EQ(events[0].ticket_change().ticket(), ticket.name());
  EXPECT_EQ(events[1].type(), Event::SURVEY_ANSWERED);
  EXPECT_EQ(events[1].survey_answer().nps_score(), 9);
  EXPECT_TRUE(absl::StartsWith(events[0].customer(), "customers/erased-"))
      << events[0].customer();
  EXPECT_EQ(events[1].customer(), events[0].customer());
  EXPECT_EQ(events[2].customer(), "customers/c-keep");
}

TEST_F(ChangeFeedServiceTest, AMergeMovesTheDuplicatesEventsToTheSurvivor) {
  ASSERT_THAT(Answer("customers/c-dup", 6, std::nullopt).status(), IsOk());
  cp::ChangeEvent merged;
  merged.set_type(cp::ChangeEvent::CUSTOMER_MERGED);
  merged.set_customer_name("customers/c-surv");
  merged.mutable_merge()->set_survivor("customers/c-surv");
  merged.mutable_merge()->set_duplicate("customers/c-dup");
  Feed(1, merged);
  EXPECT_EQ(Events("`key` = 'c-dup' OR LOCATE('c-dup', payload) > 0"), 0);
  EXPECT_EQ(Events("`key` = 'c-surv'"), 1);
  // So the survivor's erasure reaches it.
  cp::ChangeEvent erased;
  erased.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  erased.set_customer_name("customers/c-surv");
  Feed(2, erased);
  EXPECT_EQ(Events("`key` = 'c-surv' OR LOCATE('c-surv', payload) > 0"), 0);
  EXPECT_EQ(Events("`key` LIKE 'erased-%'"), 1);
}

TEST_F(ChangeFeedServiceTest, WatchChangesReplaysThenTailsAndFiltersByType) {
  const v1::Ticket first = Resolved("customers/c-w1");
  ASSERT_THAT(Answer("customers/c-w2", 8, 2).status(), IsOk());
  const v1::Ticket third = Resolved("customers/c-w3");
  Sequence();

  // The stored events after the first, in order.
  std::vector<Event> stored = Watch(1, 2);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].sequence(), 2);
  EXPECT_EQ(stored[0].type(), Event::SURVEY_ANSWERED);
  EXPECT_EQ(stored[0].customer(), "customers/c-w2");
  EXPECT_EQ(stored[1].sequence(), 3);
  EXPECT_EQ(stored[1].ticket_change().ticket(), third.name());

  // Only ticket events: the first and the third.
  std::vector<Event> tickets = Watch(0, 2, {Event::TICKET_RESOLVED});
  ASSERT_EQ(tickets.size(), 2u);
  EXPECT_EQ(tickets[0].ticket_change().ticket(), first.name());
  EXPECT_EQ(tickets[1].ticket_change().ticket(), third.name());
  // Only survey events: none after the second.
  std::vector<Event> surveys =
      Watch(0, 2, {Event::SURVEY_ANSWERED}, absl::Seconds(1));
  ASSERT_EQ(surveys.size(), 1u);
  EXPECT_EQ(surveys[0].sequence(), 2);

  // Live: a stream reading after the last stored event receives the next
  // one once committed, numbered by the sequencer main.cc runs.
  crm::common::ChangeFeedSequencer sequencer(*pool_, std::string(kFeedbackFeed),
                                             feed_written_, feed_sequenced_);
  sequencer.Start();
  v1::WatchChangesRequest request;
  request.set_after_sequence(3);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  std::unique_ptr<grpc::ClientReader<Event>> reader =
      stub_->WatchChanges(&context, request);
  ASSERT_THAT(Answer("", 10, std::nullopt).status(), IsOk());
  Event live;
  const absl::Time start = absl::Now();
  ASSERT_TRUE(reader->Read(&live));
  const absl::Duration latency = absl::Now() - start;
  EXPECT_LT(latency, absl::Seconds(2));
  RecordProperty("live_event_latency_ms",
                 absl::StrCat(absl::ToInt64Milliseconds(latency)));
  EXPECT_EQ(live.sequence(), 4);
  EXPECT_EQ(live.type(), Event::SURVEY_ANSWERED);
  EXPECT_EQ(live.survey_answer().nps_score(), 10);
  context.TryCancel();
  reader->Finish();
  sequencer.Stop();

  // A negative cursor and an unknown type are refused.
  v1::WatchChangesRequest negative;
  negative.set_after_sequence(-1);
  v1::WatchChangesRequest unknown;
  unknown.add_types(static_cast<Event::Type>(99));
  for (const v1::WatchChangesRequest& bad : {negative, unknown}) {
    grpc::ClientContext bad_context;
    std::unique_ptr<grpc::ClientReader<Event>> refused =
        stub_->WatchChanges(&bad_context, bad);
    Event none;
    EXPECT_FALSE(refused->Read(&none));
    EXPECT_EQ(refused->Finish().error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
}

}  // namespace
}  // namespace crm::feedback

// Journeys triggered by feedback's feed and the SEND_SURVEY action on
// MariaDB (journey_engine.h, feedback_feed_apply.h): a resolved complaint
// awards points once per ticket event however often the feed is replayed
// (the same batch twice, a consumer restarted from a fresh cursor), the
// category and survey filters, a condition over the answer's score,
// anonymous answers and events from before the journey starting nothing;
// a survey invitation sent through the SurveySender once per run — the
// same request id after feedback was unreachable, no call without the
// marketing consent, skipped for an unknown survey or feedback's consent
// refusal — and no SEND_SURVEY journey without feedback configured.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/feedback/v1/change_event.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/timestamps.h"
#include "services/loyalty/feedback_feed_apply.h"
#include "services/loyalty/journey_engine.h"
#include "services/loyalty/journey_manager.h"
#include "services/loyalty/journey_rules.h"
#include "tests/integration/loyalty/journey_database_test.h"
#include "tests/integration/loyalty/profile_events.h"
#include "tests/testing/fakes/loyalty/fake_survey_sender.h"
#include "tests/testing/status_matchers.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
namespace cp = ::crm::customerprofile::v1;
namespace fb = ::crm::feedback::v1;
using testing::EmailConsentEvent;
using testing::OrderEvent;

const absl::Time kStart = testing::kJourneyStart;

// A TICKET_RESOLVED event of `customer` (empty: none) at `time`.
std::string TicketResolved(const std::string& customer,
                           const std::string& ticket,
                           const std::string& category,
                           absl::Time time = kStart + absl::Hours(1)) {
  fb::ChangeEvent event;
  event.set_type(fb::ChangeEvent::TICKET_RESOLVED);
  if (!customer.empty()) {
    event.set_customer(absl::StrCat("customers/", customer));
  }
  *event.mutable_event_time() = crm::common::ToProtoTimestamp(time);
  fb::TicketChange* change = event.mutable_ticket_change();
  change->set_ticket(absl::StrCat("tickets/", ticket));
  change->set_category(category);
  change->set_state(fb::Ticket::RESOLVED);
  return event.SerializeAsString();
}

// A SURVEY_ANSWERED event of `customer` (empty: anonymous) with a CSAT
// score of `csat_score`.
std::string SurveyAnswered(const std::string& customer,
                           const std::string& survey, int csat_score = 5) {
  fb::ChangeEvent event;
  event.set_type(fb::ChangeEvent::SURVEY_ANSWERED);
  if (!customer.empty()) {
    event.set_customer(absl::StrCat("customers/", customer));
  }
  *event.mutable_event_time() =
      crm::common::ToProtoTimestamp(kStart + absl::Hours(1));
  event.mutable_survey_answer()->set_survey(survey);
  event.mutable_survey_answer()->set_response(
      absl::StrCat(survey, "/responses/r1"));
  event.mutable_survey_answer()->set_csat_score(csat_score);
  return event.SerializeAsString();
}

class FeedbackJourneysTest
    : public testing::JourneyDatabaseTest<FeedbackJourneysTest> {
 public:
  static constexpr char kDatabase[] = "loyalty_feedback_journeys";

 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(JourneyDatabaseTest::SetUp());
    surveys_.AddSurvey("surveys/csat");
  }

  SurveySender* Surveys() override { return &surveys_; }
  JourneyEngineOptions EngineOptions() override {
    JourneyEngineOptions options;
    options.survey_sender = &surveys_;
    return options;
  }

  // The clock an hour after the feedback events' time (they act at once).
  void AfterTheEvents() { clock_.Set(kStart + absl::Hours(2)); }

  crm::common::FeedConsumer FeedbackConsumer(const std::string& name) {
    crm::common::FeedConsumerOptions options;
    options.consumer = name;
    return crm::common::FeedConsumer(*pool_, NoStream(),
                                     MakeFeedbackFeedApply(*engine_), options);
  }

  // Points owed after a resolved complaint (SERVICE: no consent needed).
  v1::Journey PointsOnResolved(int64_t points, const std::string& category) {
    v1::Journey journey;
    journey.set_display_name("Sorry for the trouble");
    journey.mutable_trigger()->set_kind(v1::JourneyTrigger::COMPLAINT_RESOLVED);
    journey.mutable_trigger()->set_ticket_category(category);
    journey.mutable_action()->set_kind(v1::JourneyAction::AWARD_POINTS);
    journey.mutable_action()->set_points(points);
    journey.set_purpose(v1::Journey::SERVICE);
    return Create(journey);
  }

  v1::Journey SurveyOnOrder(const std::string& survey, absl::Duration delay) {
    v1::Journey journey;
    journey.set_display_name("CSAT survey after an order");
    journey.mutable_trigger()->set_kind(v1::JourneyTrigger::ORDER_RECORDED);
    journey.mutable_delay()->set_seconds(absl::ToInt64Seconds(delay));
    journey.mutable_action()->set_kind(v1::JourneyAction::SEND_SURVEY);
    journey.mutable_action()->set_survey(survey);
    journey.set_marketing_channel(v1::Campaign::EMAIL);
    return Create(journey);
  }

  // The calls the fake sender saw for `customer`.
  std::vector<crm::testing::FakeSurveySender::Call> CallsFor(
      const std::string& customer) {
    std::vector<crm::testing::FakeSurveySender::Call> calls;
    for (const auto& call : surveys_.calls()) {
      if (call.request.customer_id == customer) calls.push_back(call);
    }
    return calls;
  }

  crm::testing::FakeSurveySender surveys_;
};

TEST_F(FeedbackJourneysTest, ResolvedComplaintAwardsPointsOncePerTicketEvent) {
  const v1::Journey journey = PointsOnResolved(100, "");
  AfterTheEvents();
  const std::vector<crm::common::FeedItem> batch = {
      Item(1, TicketResolved("cr1", "t1", "delivery")),
      Item(2, TicketResolved("cr1", "t2", "billing")),
      // No customer: nothing.
      Item(3, TicketResolved("", "t3", "delivery")),
      // Resolved before the journey existed: nothing.
      Item(4, TicketResolved("cr2", "t4", "delivery", kStart - absl::Hours(1))),
      Item(5, TicketResolved("cr2", "t5", "delivery"))};
  crm::common::FeedConsumer consumer = FeedbackConsumer("fj-a");
  ASSERT_THAT(consumer.ApplyBatch(batch).status(), IsOk());
  // The same batch again (skipped by the cursor), then a restarted consumer
  // with a fresh cursor replaying everything (the unique run key holds).
  ASSERT_THAT(consumer.ApplyBatch(batch).status(), IsOk());
  crm::common::FeedConsumer restarted = FeedbackConsumer("fj-a-restarted");
  ASSERT_THAT(restarted.ApplyBatch(batch).status(), IsOk());
  for (const crm::common::FeedItem& item : batch) {
    ASSERT_THAT(restarted.ApplyOne(item.sequence, item.payload).status(),
                IsOk());
  }

  EXPECT_EQ(Balance("cr1"), 200);
  EXPECT_EQ(Balance("cr2"), 100);
  std::vector<v1::JourneyRun> runs = Runs(journey, "cr1");
  ASSERT_EQ(runs.size(), 2u);
  std::vector<std::string> events;
  for (const v1::JourneyRun& run : runs) {
    EXPECT_EQ(run.state(), v1::JourneyRun::COMPLETED);
    EXPECT_FALSE(run.ledger_entry().empty());
    events.push_back(run.trigger_event());
  }
  EXPECT_THAT(events,
              ::testing::UnorderedElementsAre("feedback:1", "feedback:2"));
  runs = Runs(journey, "cr2");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].trigger_event(), "feedback:5");
  EXPECT_EQ(Runs(journey).size(), 3u);
}

TEST_F(FeedbackJourneysTest, CategoryFilterPicksTheTicketsOfItsCategory) {
  const v1::Journey journey = PointsOnResolved(30, "delivery");
  AfterTheEvents();
  crm::common::FeedConsumer consumer = FeedbackConsumer("fj-b");
  ASSERT_THAT(
      consumer.ApplyOne(1, TicketResolved("cat1", "t1", "delivery")).status(),
      IsOk());
  ASSERT_THAT(
      consumer.ApplyOne(2, TicketResolved("cat1", "t2", "billing")).status(),
      IsOk());
  ASSERT_THAT(consumer.ApplyOne(3, TicketResolved("cat2", "t3", "")).status(),
              IsOk());
  EXPECT_EQ(Balance("cat1"), 30);
  EXPECT_EQ(Balance("cat2"), 0);
  std::vector<v1::JourneyRun> runs = Runs(journey);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].trigger_event(), "feedback:1");
}

TEST_F(FeedbackJourneysTest, SurveyAnsweredWithASurveyFilter) {
  v1::Journey spec;
  spec.set_display_name("Thanks for answering");
  spec.mutable_trigger()->set_kind(v1::JourneyTrigger::SURVEY_ANSWERED);
  spec.mutable_trigger()->set_survey("surveys/nps");
  spec.mutable_action()->set_kind(v1::JourneyAction::AWARD_POINTS);
  spec.mutable_action()->set_points(15);
  spec.set_purpose(v1::Journey::SERVICE);
  const v1::Journey journey = Create(spec);
  AfterTheEvents();
  crm::common::FeedConsumer consumer = FeedbackConsumer("fj-c");
  const std::vector<crm::common::FeedItem> batch = {
      Item(1, SurveyAnswered("sa1", "surveys/nps")),
      Item(2, SurveyAnswered("sa1", "surveys/csat")),
      Item(3, SurveyAnswered("", "surveys/nps")),  // Anonymous.
      Item(4, SurveyAnswered("sa2", "surveys/csat")),
      // A ticket event is no survey answer.
      Item(5, TicketResolved("sa2", "t1", "delivery"))};
  ASSERT_THAT(consumer.ApplyBatch(batch).status(), IsOk());
  crm::common::FeedConsumer restarted = FeedbackConsumer("fj-c-restarted");
  ASSERT_THAT(restarted.ApplyBatch(batch).status(), IsOk());
  EXPECT_EQ(Balance("sa1"), 15);
  EXPECT_EQ(Balance("sa2"), 0);
  std::vector<v1::JourneyRun> runs = Runs(journey);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].customer(), "customers/sa1");
  EXPECT_EQ(runs[0].trigger_event(), "feedback:1");
}

TEST_F(FeedbackJourneysTest, ConditionOverTheAnswersScore) {
  v1::Journey spec;
  spec.set_display_name("Sorry it was not better");
  spec.mutable_trigger()->set_kind(v1::JourneyTrigger::SURVEY_ANSWERED);
  spec.set_condition("csat_score <= 2");
  spec.mutable_action()->set_kind(v1::JourneyAction::AWARD_POINTS);
  spec.mutable_action()->set_points(30);
  spec.set_purpose(v1::Journey::SERVICE);
  const v1::Journey journey = Create(spec);
  AfterTheEvents();
  crm::common::FeedConsumer consumer = FeedbackConsumer("fj-score");
  ASSERT_THAT(
      consumer
          .ApplyBatch({Item(1, SurveyAnswered("sc1", "surveys/csat", 1)),
                       Item(2, SurveyAnswered("sc2", "surveys/csat", 5)),
                       Item(3, SurveyAnswered("sc3", "surveys/csat", 2))})
          .status(),
      IsOk());
  EXPECT_EQ(Balance("sc1"), 30);
  EXPECT_EQ(Balance("sc2"), 0);
  EXPECT_EQ(Balance("sc3"), 30);
  EXPECT_EQ(Runs(journey).size(), 2u);
}

TEST_F(FeedbackJourneysTest, SendSurveyOncePerRunWithTheSameRequestId) {
  const v1::Journey journey =
      SurveyOnOrder("surveys/csat", absl::Hours(7 * 24));
  crm::common::FeedConsumer profile = ProfileConsumer("fj-d");
  ASSERT_THAT(
      profile.ApplyOne(1, EmailConsentEvent("sv-yes", cp::Consent::GRANTED))
          .status(),
      IsOk());
  ASSERT_THAT(
      profile.ApplyOne(2, EmailConsentEvent("sv-no", cp::Consent::DENIED))
          .status(),
      IsOk());
  ASSERT_THAT(profile
                  .ApplyOne(3, OrderEvent(cp::ChangeEvent::ORDER_RECORDED,
                                          "sv-yes", "o1", 100))
                  .status(),
              IsOk());
  ASSERT_THAT(profile
                  .ApplyOne(4, OrderEvent(cp::ChangeEvent::ORDER_RECORDED,
                                          "sv-no", "o1", 100))
                  .status(),
              IsOk());
  ASSERT_EQ(Runs(journey).size(), 2u);
  EXPECT_TRUE(surveys_.calls().empty());

  // Not due yet: nothing asked.
  clock_.Set(kStart + absl::Hours(7 * 24 - 1));
  EXPECT_EQ(*engine_->RunDue({}), 0);
  EXPECT_TRUE(surveys_.calls().empty());

  // Due; feedback unreachable: the run stays SCHEDULED. The member without
  // consent is skipped without a call.
  clock_.Set(kStart + absl::Hours(7 * 24));
  surveys_.FailNext(absl::UnavailableError("feedback is down"));
  const absl::Time before = absl::Now();
  EXPECT_EQ(*engine_->RunDue({}), 1);
  std::vector<v1::JourneyRun> yes = Runs(journey, "sv-yes");
  ASSERT_EQ(yes.size(), 1u);
  EXPECT_EQ(yes[0].state(), v1::JourneyRun::SCHEDULED);
  std::vector<v1::JourneyRun> no = Runs(journey, "sv-no");
  ASSERT_EQ(no.size(), 1u);
  EXPECT_EQ(no[0].state(), v1::JourneyRun::SKIPPED);
  EXPECT_EQ(no[0].skip_reason(), v1::JourneyRun::NO_CONSENT);
  EXPECT_TRUE(CallsFor("sv-no").empty());
  ASSERT_EQ(CallsFor("sv-yes").size(), 1u);

  // The next pass asks again, under the same request id, and completes.
  EXPECT_EQ(*engine_->RunDue({}), 1);
  EXPECT_EQ(*engine_->RunDue({}), 0);
  const std::vector<crm::testing::FakeSurveySender::Call> calls =
      CallsFor("sv-yes");
  ASSERT_EQ(calls.size(), 2u);
  const std::string run_id = yes[0].name().substr(yes[0].name().rfind('/') + 1);
  for (const auto& call : calls) {
    EXPECT_EQ(call.request.request_id, SurveyInvitationRequestId(run_id));
    EXPECT_EQ(call.request.survey, "surveys/csat");
    EXPECT_EQ(call.request.subject, "customers/sv-yes/orders/o1");
    EXPECT_EQ(call.request.channel, v1::Campaign::EMAIL);
    EXPECT_GE(call.deadline, before + absl::Seconds(5));
    EXPECT_LE(call.deadline, absl::Now() + absl::Seconds(5));
  }
  EXPECT_EQ(surveys_.invitation_count(), 1);
  yes = Runs(journey, "sv-yes");
  ASSERT_EQ(yes.size(), 1u);
  EXPECT_EQ(yes[0].state(), v1::JourneyRun::COMPLETED);
  EXPECT_TRUE(absl::StrContains(yes[0].message_payload(),
                                "\"survey_invitation\":\"surveys/csat/"
                                "invitations/i1\""))
      << yes[0].message_payload();
  EXPECT_TRUE(absl::StrContains(yes[0].message_payload(),
                                "customers/sv-yes/orders/o1"));

  // The order delivered again starts nothing and asks nothing.
  ASSERT_THAT(ProfileConsumer("fj-d-restarted")
                  .ApplyOne(3, OrderEvent(cp::ChangeEvent::ORDER_RECORDED,
                                          "sv-yes", "o1", 100))
                  .status(),
              IsOk());
  EXPECT_EQ(*engine_->RunDue({}), 0);
  EXPECT_EQ(CallsFor("sv-yes").size(), 2u);
}

TEST_F(FeedbackJourneysTest, CreateChecksTheSurveyWithFeedback) {
  v1::CreateJourneyRequest request;
  v1::Journey* journey = request.mutable_journey();
  journey->set_display_name("Ask about it");
  journey->mutable_trigger()->set_kind(v1::JourneyTrigger::ORDER_RECORDED);
  journey->mutable_action()->set_kind(v1::JourneyAction::SEND_SURVEY);
  journey->mutable_action()->set_survey("surveys/missing");
  journey->set_marketing_channel(v1::Campaign::EMAIL);
  absl::StatusOr<v1::Journey> created = manager_->CreateJourney({}, request);
  EXPECT_TRUE(absl::IsNotFound(created.status())) << created.status();
  EXPECT_EQ(crm::common::ErrorMetadataOf(created.status()).at("field"),
            "journey.action.survey");
  // Feedback that cannot say: refused as unavailable, nothing stored.
  journey->mutable_action()->set_survey("surveys/csat");
  surveys_.FailNext(absl::UnavailableError("feedback is down"));
  created = manager_->CreateJourney({}, request);
  EXPECT_TRUE(absl::IsUnavailable(created.status())) << created.status();
  v1::ListJourneysRequest list;
  list.set_page_size(1000);
  absl::StatusOr<v1::ListJourneysResponse> journeys =
      manager_->ListJourneys({}, list);
  ASSERT_THAT(journeys.status(), IsOk());
  for (const v1::Journey& stored : journeys->journeys()) {
    EXPECT_NE(stored.display_name(), "Ask about it");
  }
  // Known: created.
  request.set_request_id("create-ask-about-it");
  created = manager_->CreateJourney({}, request);
  ASSERT_THAT(created.status(), IsOk());
  // Repeated while feedback cannot say: the stored journey, feedback not
  // asked (its queued failure is still there for the next question).
  surveys_.FailNext(absl::UnavailableError("feedback is down"));
  absl::StatusOr<v1::Journey> repeated = manager_->CreateJourney({}, request);
  ASSERT_THAT(repeated.status(), IsOk());
  EXPECT_EQ(repeated->name(), created->name());
  EXPECT_TRUE(absl::IsUnavailable(surveys_.CheckSurvey("surveys/csat", {})));
  // The same request id with another survey is refused as reused.
  request.mutable_journey()->mutable_action()->set_survey("surveys/other");
  EXPECT_TRUE(
      absl::IsInvalidArgument(manager_->CreateJourney({}, request).status()));
}

TEST_F(FeedbackJourneysTest, UnknownSurveyIsSkippedAndNeverAskedInTheFeed) {
  // Feedback had the survey when the journey was created, not since.
  surveys_.AddSurvey("surveys/gone");
  const v1::Journey journey =
      SurveyOnOrder("surveys/gone", absl::ZeroDuration());
  surveys_.RemoveSurvey("surveys/gone");
  crm::common::FeedConsumer profile = ProfileConsumer("fj-e");
  ASSERT_THAT(
      profile.ApplyOne(1, EmailConsentEvent("gone1", cp::Consent::GRANTED))
          .status(),
      IsOk());
  ASSERT_THAT(profile
                  .ApplyOne(2, OrderEvent(cp::ChangeEvent::ORDER_RECORDED,
                                          "gone1", "o1", 100))
                  .status(),
              IsOk());
  // Due at once, but feedback is called by the job, not in the feed's
  // transaction.
  std::vector<v1::JourneyRun> runs = Runs(journey, "gone1");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].state(), v1::JourneyRun::SCHEDULED);
  EXPECT_TRUE(CallsFor("gone1").empty());
  EXPECT_EQ(*engine_->RunDue({}), 1);
  runs = Runs(journey, "gone1");
  EXPECT_EQ(runs[0].state(), v1::JourneyRun::SKIPPED);
  EXPECT_EQ(runs[0].skip_reason(), v1::JourneyRun::SURVEY_UNAVAILABLE);
  EXPECT_EQ(CallsFor("gone1").size(), 1u);
  EXPECT_EQ(*engine_->RunDue({}), 0);
  EXPECT_EQ(CallsFor("gone1").size(), 1u);
}

// Feeds `profile` the member's email marketing grant (at `sequence`) and
// then an order o1 (at `sequence` + 1).
void GrantEmailAndOrder(crm::common::FeedConsumer& profile, int64_t sequence,
                        const std::string& member) {
  ASSERT_THAT(
      profile
          .ApplyOne(sequence, EmailConsentEvent(member, cp::Consent::GRANTED))
          .status(),
      IsOk());
  ASSERT_THAT(
      profile
          .ApplyOne(sequence + 1, OrderEvent(cp::ChangeEvent::ORDER_RECORDED,
                                             member, "o1", 100))
          .status(),
      IsOk());
}

TEST_F(FeedbackJourneysTest, ConsentRefusalOfAMarketingSurveyIsAskedAgain) {
  const v1::Journey journey =
      SurveyOnOrder("surveys/csat", absl::ZeroDuration());
  crm::common::FeedConsumer profile = ProfileConsumer("fj-grace");
  const absl::Status refusal = crm::common::ErrorWithReason(
      absl::FailedPreconditionError("no consent"),
      ::crm::type::v1::CONSENT_REQUIRED, {{"purpose", "EMAIL_MARKETING"}});
  // Loyalty knows the member's grant; feedback has not applied it yet, then
  // has: the run stays SCHEDULED, then completes.
  GrantEmailAndOrder(profile, 1, "gr1");
  surveys_.FailNext(refusal);
  EXPECT_EQ(*engine_->RunDue({}), 0);
  EXPECT_EQ(Runs(journey, "gr1")[0].state(), v1::JourneyRun::SCHEDULED);
  EXPECT_EQ(*engine_->RunDue({}), 1);
  EXPECT_EQ(Runs(journey, "gr1")[0].state(), v1::JourneyRun::COMPLETED);
  EXPECT_EQ(CallsFor("gr1").size(), 2u);

  // Still refused once the grace (10 minutes after the due time) is over:
  // NO_CONSENT, and never asked again.
  GrantEmailAndOrder(profile, 3, "gr2");
  surveys_.FailNext(refusal);
  EXPECT_EQ(*engine_->RunDue({}), 0);
  clock_.Set(clock_.Now() + absl::Minutes(10));
  surveys_.FailNext(refusal);
  EXPECT_EQ(*engine_->RunDue({}), 1);
  const std::vector<v1::JourneyRun> runs = Runs(journey, "gr2");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].state(), v1::JourneyRun::SKIPPED);
  EXPECT_EQ(runs[0].skip_reason(), v1::JourneyRun::NO_CONSENT);
  EXPECT_EQ(*engine_->RunDue({}), 0);
  EXPECT_EQ(CallsFor("gr2").size(), 2u);
}

TEST_F(FeedbackJourneysTest, ServiceSurveyAfterAComplaintAsksFeedbackForIt) {
  v1::Journey spec;
  spec.set_display_name("How did we handle it?");
  spec.mutable_trigger()->set_kind(v1::JourneyTrigger::COMPLAINT_RESOLVED);
  spec.mutable_action()->set_kind(v1::JourneyAction::SEND_SURVEY);
  spec.mutable_action()->set_survey("surveys/csat");
  spec.set_marketing_channel(v1::Campaign::SMS);
  spec.set_purpose(v1::Journey::SERVICE);
  const v1::Journey journey = Create(spec);
  AfterTheEvents();
  crm::common::FeedConsumer consumer = FeedbackConsumer("fj-f");
  // No consent known in loyalty: a SERVICE survey is still asked for;
  // feedback keeps its own consent rule.
  ASSERT_THAT(
      consumer.ApplyOne(1, TicketResolved("svc1", "t9", "delivery")).status(),
      IsOk());
  ASSERT_THAT(
      consumer.ApplyOne(2, TicketResolved("svc2", "t10", "delivery")).status(),
      IsOk());
  // The first call is refused by feedback for want of consent.
  surveys_.FailNext(crm::common::ErrorWithReason(
      absl::FailedPreconditionError("no consent"),
      ::crm::type::v1::CONSENT_REQUIRED, {{"purpose", "SMS_MARKETING"}}));
  EXPECT_EQ(*engine_->RunDue({}), 2);
  const std::vector<crm::testing::FakeSurveySender::Call> calls =
      surveys_.calls();
  ASSERT_EQ(calls.size(), 2u);
  const std::string refused = calls[0].request.customer_id;
  const std::string sent = calls[1].request.customer_id;
  EXPECT_EQ(calls[1].request.channel, v1::Campaign::SMS);
  EXPECT_EQ(calls[1].request.subject,
            sent == "svc1" ? "tickets/t9" : "tickets/t10");
  std::vector<v1::JourneyRun> runs = Runs(journey, refused);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].state(), v1::JourneyRun::SKIPPED);
  EXPECT_EQ(runs[0].skip_reason(), v1::JourneyRun::NO_CONSENT);
  runs = Runs(journey, sent);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].state(), v1::JourneyRun::COMPLETED);
  EXPECT_TRUE(absl::StrContains(runs[0].message_payload(), "\"SMS\""));
}

TEST_F(FeedbackJourneysTest,
       SendSurveyWithoutFeedbackIsRefusedNamingTheAction) {
  JourneyManager without(*unit_of_work_, journeys_, rewards_, idempotency_,
                         clock_, ids_);
  v1::CreateJourneyRequest request;
  v1::Journey* journey = request.mutable_journey();
  journey->set_display_name("CSAT survey");
  journey->mutable_trigger()->set_kind(v1::JourneyTrigger::ORDER_RECORDED);
  journey->mutable_action()->set_kind(v1::JourneyAction::SEND_SURVEY);
  journey->mutable_action()->set_survey("surveys/csat");
  journey->set_marketing_channel(v1::Campaign::EMAIL);
  absl::Status status = without.CreateJourney({}, request).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(crm::common::ErrorMetadataOf(status)["field"], "journey.action");
  EXPECT_TRUE(absl::StrContains(status.message(), "LOYALTY_FEEDBACK_ADDR"));
  // Other actions need no feedback.
  journey->mutable_action()->set_kind(v1::JourneyAction::AWARD_POINTS);
  journey->mutable_action()->set_points(5);
  EXPECT_THAT(without.CreateJourney({}, request).status(), IsOk());
}

}  // namespace
}  // namespace crm::loyalty

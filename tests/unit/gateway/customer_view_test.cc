// GET /v1/customers/{customer}:view against in-process fake backends: the
// parts, partial answers when a backend is down or slow, access.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/customer_view_route.h"
#include "gateway/latest_survey_scores.h"
#include "services/common/timestamps.h"
#include "tests/testing/wait.h"
#include "tests/unit/gateway/view_fixture.h"

namespace crm::gateway {
namespace {

namespace seg = ::crm::segmentation::v1;
namespace loy = ::crm::loyalty::v1;
namespace fb = ::crm::feedback::v1;
using ::google::protobuf::Struct;
using ::google::protobuf::Value;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

Struct ParseObject(const std::string& json) {
  Struct object;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &object).ok())
      << json;
  return object;
}

const Value& Field(const Struct& object, const std::string& name) {
  static const Value* const kAbsent = new Value();
  auto it = object.fields().find(name);
  if (it == object.fields().end()) {
    ADD_FAILURE() << "no field " << name;
    return *kAbsent;
  }
  return it->second;
}

// The `part` names of the view's `missing` list.
std::vector<std::string> MissingParts(const Struct& view) {
  std::vector<std::string> parts;
  for (const Value& entry : Field(view, "missing").list_value().values()) {
    parts.push_back(entry.struct_value().fields().at("part").string_value());
  }
  return parts;
}

// The `type` of each next-best offer.
std::vector<std::string> OfferTypes(const Struct& view) {
  std::vector<std::string> types;
  for (const Value& offer :
       Field(view, "nextBestOffers").list_value().values()) {
    types.push_back(offer.struct_value().fields().at("type").string_value());
  }
  return types;
}

class CustomerViewTest : public ViewBackendsTest {
 protected:
  // customers/c1, Mei, who agreed to e-mail marketing.
  void CreateConsentingCustomer() {
    TestHttpResponse created =
        Call("POST", "/v1/customers",
             R"({"givenName":"Mei","email":"mei@example.com","consents":[)"
             R"({"purpose":"EMAIL_MARKETING","status":"GRANTED"}]})");
    ASSERT_EQ(created.status, 200) << created.body;
  }

  // A scored customer in two segments with two lifecycle transitions, a
  // Silver member 100 points short of Gold with one ledger entry and one
  // issued coupon, a campaign for every member running, one feedback item,
  // one open ticket escalated once with its open alert, and three survey
  // responses (newest first: a CSAT 4, an NPS 9, an older NPS 3).
  void GiveTheBackendsACustomer() {
    seg::ListCustomerSegmentsResponse segments;
    for (const char* id : {"vip", "web"}) {
      seg::SegmentMember* member = segments.add_segment_members();
      member->set_name(absl::StrCat("segments/", id, "/members/c1"));
      member->set_segment(absl::StrCat("segments/", id));
      member->set_segment_display_name(id);
      member->set_customer("customers/c1");
    }
    seg::CustomerScore* score = segments.mutable_customer_score();
    score->set_name("customers/c1/score");
    score->set_value_tier(seg::CustomerScore::HIGH);
    score->set_lifecycle_stage(seg::CustomerScore::ACTIVE);
    score->mutable_rfm()->set_segment("Champions");
    view_segmentation_.segments.Set(segments);

    loy::Account account;
    account.set_points_balance(640);
    account.set_tier("silver");
    account.set_qualifying_points(900);
    view_loyalty_.account.Set(account);
    loy::Program program;
    program.set_name("programs/default");
    for (auto [id, min] : {std::pair<const char*, int>{"silver", 500},
                           std::pair<const char*, int>{"gold", 1000}}) {
      loy::Tier* tier = program.add_tiers();
      tier->set_tier_id(id);
      tier->set_display_name(absl::StrCat(id, " tier"));
      tier->set_min_qualifying_points(min);
    }
    view_loyalty_.program.Set(program);
    loy::ListLedgerEntriesResponse ledger;
    ledger.add_ledger_entries()->set_name("accounts/c1/ledgerEntries/1");
    view_loyalty_.ledger.Set(ledger);
    loy::ListCampaignsResponse campaigns;
    loy::Campaign* campaign = campaigns.add_campaigns();
    campaign->set_name("campaigns/double");
    campaign->set_display_name("Double points");
    *campaign->mutable_start_time() =
        common::ToProtoTimestamp(absl::Now() - absl::Hours(1));
    *campaign->mutable_end_time() =
        common::ToProtoTimestamp(absl::Now() + absl::Hours(24));
    campaign->set_multiplier_percent(200);
    campaign->set_points_budget(1000);
    view_loyalty_.campaigns.Set(campaigns);

    fb::ListFeedbackResponse feedback;
    fb::Feedback* item = feedback.add_feedback();
    item->set_name("feedback/f1");
    item->set_text("Mei says the parcel was late");
    view_feedback_.feedback.Set(feedback);
    fb::ListTicketsResponse tickets;
    fb::Ticket* ticket = tickets.add_tickets();
    ticket->set_name("tickets/t1");
    ticket->set_title("Late parcel for Mei");
    ticket->set_description("Call Mei on 13800000000");
    ticket->set_state(fb::Ticket::IN_PROGRESS);
    ticket->set_escalation_level(1);
    view_feedback_.tickets.Set(tickets);
    fb::ListAlertsResponse alerts;
    fb::Alert* alert = alerts.add_alerts();
    alert->set_name("alerts/a1");
    alert->set_kind(fb::Alert::SLA_BREACHED);
    alert->set_state(fb::Alert::OPEN);
    alert->set_ticket("tickets/t1");
    view_feedback_.alerts.Set(alerts);

    seg::ListLifecycleTransitionsResponse transitions;
    seg::LifecycleTransition* newest = transitions.add_lifecycle_transitions();
    newest->set_from_stage(seg::CustomerScore::NEW);
    newest->set_to_stage(seg::CustomerScore::ACTIVE);
    transitions.add_lifecycle_transitions()->set_to_stage(
        seg::CustomerScore::NEW);
    view_segmentation_.transitions.Set(transitions);

    loy::ListCouponsResponse coupons;
    loy::Coupon* coupon = coupons.add_coupons();
    coupon->set_name("coupons/k1");
    coupon->set_customer("customers/c1");
    coupon->set_state(loy::Coupon::ISSUED);
    view_loyalty_.coupons.Set(coupons);

    fb::ListSurveyResponsesResponse responses;
    struct Answered {
      const char* name;
      fb::SurveyQuestion::Kind kind;
      int score;
      int days_ago;
    };
    for (const Answered& answered :
         {Answered{"surveys/csat/responses/r3", fb::SurveyQuestion::CSAT, 4, 1},
          Answered{"surveys/nps/responses/r2", fb::SurveyQuestion::NPS, 9, 2},
          Answered{"surveys/nps/responses/r1", fb::SurveyQuestion::NPS, 3,
                   30}}) {
      fb::SurveyResponse* response = responses.add_responses();
      response->set_name(answered.name);
      response->set_customer("customers/c1");
      *response->mutable_create_time() =
          common::ToProtoTimestamp(absl::FromUnixSeconds(1764633600) -
                                   absl::Hours(24 * answered.days_ago));
      fb::SurveyAnswer* free_text = response->add_answers();
      free_text->set_question_id("why");
      free_text->set_question_kind(fb::SurveyQuestion::FREE_TEXT);
      free_text->set_text("Mei liked it");
      fb::SurveyAnswer* score = response->add_answers();
      score->set_question_id("score");
      score->set_question_kind(answered.kind);
      score->set_score(answered.score);
    }
    view_feedback_.survey_responses.Set(responses);
  }
};

TEST_F(CustomerViewTest, GathersEveryPart) {
  CreateConsentingCustomer();
  GiveTheBackendsACustomer();
  TestHttpResponse response = Call("GET", "/v1/customers/c1:view");
  ASSERT_EQ(response.status, 200) << response.body;
  Struct view = ParseObject(response.body);
  EXPECT_THAT(MissingParts(view), IsEmpty()) << response.body;
  EXPECT_EQ(
      Field(Field(view, "customer").struct_value(), "givenName").string_value(),
      "Mei");
  EXPECT_EQ(
      Field(Field(view, "score").struct_value(), "valueTier").string_value(),
      "HIGH");
  ASSERT_EQ(Field(view, "segments").list_value().values_size(), 2);
  EXPECT_EQ(Field(Field(view, "segments").list_value().values(1).struct_value(),
                  "segment")
                .string_value(),
            "segments/web");
  EXPECT_EQ(Field(Field(view, "account").struct_value(), "pointsBalance")
                .string_value(),
            "640");
  const Struct& progress = Field(view, "tierProgress").struct_value();
  EXPECT_EQ(Field(progress, "currentTier").string_value(), "silver");
  EXPECT_EQ(Field(progress, "nextTier").string_value(), "gold");
  EXPECT_EQ(Field(progress, "nextTierDisplayName").string_value(), "gold tier");
  EXPECT_EQ(Field(progress, "qualifyingPoints").number_value(), 900);
  EXPECT_EQ(Field(progress, "nextTierMinQualifyingPoints").number_value(),
            1000);
  EXPECT_EQ(Field(progress, "pointsToNextTier").number_value(), 100);
  EXPECT_EQ(Field(view, "recentLedgerEntries").list_value().values_size(), 1);
  EXPECT_EQ(Field(view, "recentFeedback").list_value().values_size(), 1);
  ASSERT_EQ(Field(view, "openTickets").list_value().values_size(), 1);
  EXPECT_EQ(
      Field(Field(view, "openTickets").list_value().values(0).struct_value(),
            "state")
          .string_value(),
      "IN_PROGRESS");
  // Silver 100 points short of Gold, a running campaign, active and high
  // value: the documented rules' order.
  EXPECT_THAT(OfferTypes(view),
              ElementsAre("TIER_UPGRADE", "CAMPAIGN", "VIP_PERK"));
  const Struct& campaign_offer =
      Field(view, "nextBestOffers").list_value().values(1).struct_value();
  EXPECT_EQ(Field(campaign_offer, "campaign").string_value(),
            "campaigns/double");
  EXPECT_THAT(Field(campaign_offer, "reason").string_value(),
              HasSubstr("Double points"));

  // What the backends were asked: four calls (and the cached two).
  const seg::SummarizeCustomerSegmentationRequest segmentation_asked =
      view_segmentation_.requests
          .last<seg::SummarizeCustomerSegmentationRequest>();
  EXPECT_EQ(segmentation_asked.customer(), "customers/c1");
  EXPECT_EQ(segmentation_asked.segment_count(), kViewSegments);
  EXPECT_EQ(segmentation_asked.lifecycle_transition_count(),
            kViewLifecycleTransitions);
  EXPECT_EQ(
      view_segmentation_.requests.count<seg::ListCustomerSegmentsRequest>(), 0);
  const loy::SummarizeAccountRequest account_asked =
      view_loyalty_.requests.last<loy::SummarizeAccountRequest>();
  EXPECT_EQ(account_asked.name(), "accounts/c1");
  EXPECT_EQ(account_asked.ledger_entry_count(), kViewRecentItems);
  EXPECT_EQ(account_asked.coupon_count(), kViewCoupons);
  EXPECT_EQ(view_loyalty_.requests.last<loy::GetProgramRequest>().name(),
            "programs/default");
  EXPECT_EQ(
      view_loyalty_.requests.last<loy::ListCampaignsRequest>().page_size(),
      kViewCampaigns);
  const fb::SummarizeCustomerFeedbackRequest feedback_asked =
      view_feedback_.requests.last<fb::SummarizeCustomerFeedbackRequest>();
  EXPECT_EQ(feedback_asked.customer(), "customers/c1");
  EXPECT_EQ(feedback_asked.feedback_count(), kViewRecentItems);
  EXPECT_EQ(feedback_asked.open_ticket_count(), kViewRecentItems);
  EXPECT_EQ(feedback_asked.survey_response_count(), kViewSurveyResponses);
  EXPECT_EQ(feedback_asked.open_alert_count(), kViewOpenAlerts);
  // Nothing else: one call per summary.
  EXPECT_EQ(view_loyalty_.requests.count<loy::GetAccountRequest>(), 0);
  EXPECT_EQ(view_loyalty_.requests.count<loy::ListCouponsRequest>(), 0);
  EXPECT_EQ(view_feedback_.requests.count<fb::ListTicketsRequest>(), 0);
  EXPECT_EQ(view_feedback_.requests.count<fb::ListAlertsRequest>(), 0);
  EXPECT_TRUE(view_feedback_.last_had_deadline());
  EXPECT_TRUE(view_loyalty_.last_had_deadline());

  // The new parts.
  ASSERT_EQ(Field(view, "coupons").list_value().values_size(), 1);
  EXPECT_EQ(Field(Field(view, "coupons").list_value().values(0).struct_value(),
                  "name")
                .string_value(),
            "coupons/k1");
  const Struct& nps = Field(view, "latestNps").struct_value();
  EXPECT_EQ(Field(nps, "score").number_value(), 9);
  EXPECT_EQ(Field(nps, "survey").string_value(), "surveys/nps");
  EXPECT_EQ(Field(nps, "response").string_value(), "surveys/nps/responses/r2");
  EXPECT_EQ(Field(nps, "time").string_value(), "2025-11-30T00:00:00Z");
  const Struct& csat = Field(view, "latestCsat").struct_value();
  EXPECT_EQ(Field(csat, "score").number_value(), 4);
  EXPECT_EQ(Field(csat, "survey").string_value(), "surveys/csat");
  ASSERT_EQ(Field(view, "lifecycleHistory").list_value().values_size(), 2);
  EXPECT_EQ(
      Field(
          Field(view, "lifecycleHistory").list_value().values(0).struct_value(),
          "toStage")
          .string_value(),
      "ACTIVE");
  ASSERT_EQ(Field(view, "openAlerts").list_value().values_size(), 1);
  EXPECT_EQ(
      Field(Field(view, "openAlerts").list_value().values(0).struct_value(),
            "ticket")
          .string_value(),
      "tickets/t1");
}

TEST_F(CustomerViewTest, EachCallsPartsAreMissingWhenItFails) {
  CreateCustomer("Mei");
  GiveTheBackendsACustomer();
  struct Case {
    crm::testing::MethodFailures* fake;
    const char* method;
    std::vector<std::string> parts;
  };
  for (const Case& c : std::vector<Case>{
           {&view_loyalty_.fail,
            "SummarizeAccount",
            {"account", "tierProgress", "recentLedgerEntries", "coupons",
             "nextBestOffers"}},
           {&view_segmentation_.fail,
            "SummarizeCustomerSegmentation",
            {"score", "segments", "lifecycleHistory", "nextBestOffers"}},
           {&view_feedback_.fail,
            "SummarizeCustomerFeedback",
            {"recentFeedback", "openTickets", "openAlerts", "latestNps",
             "latestCsat"}},
       }) {
    c.fake->Set(c.method, crm::testing::ServiceStatus(
                              absl::UnavailableError("down"), "x"));
    TestHttpResponse response = Call("GET", "/v1/customers/c1:view");
    ASSERT_EQ(response.status, 200) << c.method << " " << response.body;
    Struct view = ParseObject(response.body);
    EXPECT_THAT(MissingParts(view),
                ::testing::UnorderedElementsAreArray(c.parts))
        << c.method;
    for (const std::string& part : c.parts) {
      const Value& value = Field(view, part);
      EXPECT_TRUE(value.kind_case() == Value::kNullValue ||
                  value.list_value().values_size() == 0)
          << part;
    }
    // The rest is there.
    EXPECT_EQ(Field(view, "customer").struct_value().fields().count("name"),
              1u);
    c.fake->Clear(c.method);
  }
}

TEST_F(CustomerViewTest, NoAlertsWithoutAnEscalatedOpenTicket) {
  CreateCustomer("Mei");
  GiveTheBackendsACustomer();
  fb::ListTicketsResponse tickets = view_feedback_.tickets.Get();
  tickets.mutable_tickets(0)->set_escalation_level(0);
  view_feedback_.tickets.Set(tickets);
  TestHttpResponse response = Call("GET", "/v1/customers/c1:view");
  ASSERT_EQ(response.status, 200) << response.body;
  Struct view = ParseObject(response.body);
  EXPECT_THAT(MissingParts(view), IsEmpty());
  EXPECT_EQ(Field(view, "openAlerts").list_value().values_size(), 0);
  // Without any survey answer, the latest scores are null.
  view_feedback_.survey_responses.Set(fb::ListSurveyResponsesResponse());
  view = ParseObject(Call("GET", "/v1/customers/c1:view").body);
  EXPECT_EQ(Field(view, "latestNps").kind_case(), Value::kNullValue);
  EXPECT_EQ(Field(view, "latestCsat").kind_case(), Value::kNullValue);
}

TEST_F(CustomerViewTest,
       AnUnscoredCustomerHasANullScoreAndAFirstPurchaseOffer) {
  CreateCustomer("Mei");
  TestHttpResponse response = Call("GET", "/v1/customers/c1:view");
  ASSERT_EQ(response.status, 200) << response.body;
  Struct view = ParseObject(response.body);
  EXPECT_THAT(MissingParts(view), IsEmpty());
  EXPECT_EQ(Field(view, "score").kind_case(), Value::kNullValue);
  EXPECT_EQ(Field(view, "segments").list_value().values_size(), 0);
  // A programme without tiers: no next tier.
  EXPECT_EQ(Field(Field(view, "tierProgress").struct_value(), "nextTier")
                .string_value(),
            "");
  EXPECT_THAT(OfferTypes(view), ElementsAre("FIRST_PURCHASE"));
}

TEST_F(CustomerViewTest, AnswersWithLoyaltyDown) {
  CreateCustomer("Mei");
  GiveTheBackendsACustomer();
  loyalty_server_.reset();  // loyalty stops.
  TestHttpResponse response = Call("GET", "/v1/customers/c1:view");
  ASSERT_EQ(response.status, 200) << response.body;
  Struct view = ParseObject(response.body);
  EXPECT_THAT(
      MissingParts(view),
      UnorderedElementsAre("account", "tierProgress", "recentLedgerEntries",
                           "coupons", "nextBestOffers"));
  EXPECT_THAT(response.body, HasSubstr("\"backend\":\"loyalty\""));
  EXPECT_THAT(response.body, HasSubstr("\"status\":\"UNAVAILABLE\""));
  EXPECT_THAT(response.body, Not(HasSubstr("\"backend\":\"segmentation\"")));
  EXPECT_EQ(Field(view, "account").kind_case(), Value::kNullValue);
  EXPECT_EQ(Field(view, "tierProgress").kind_case(), Value::kNullValue);
  EXPECT_EQ(Field(view, "nextBestOffers").list_value().values_size(), 0);
  // The other services' parts are all there.
  EXPECT_EQ(
      Field(Field(view, "customer").struct_value(), "name").string_value(),
      "customers/c1");
  EXPECT_EQ(Field(view, "segments").list_value().values_size(), 2);
  EXPECT_EQ(Field(view, "openTickets").list_value().values_size(), 1);
}

TEST_F(CustomerViewTest, AnswersWithSegmentationOrFeedbackDown) {
  CreateCustomer("Mei");
  GiveTheBackendsACustomer();
  segment_server_.reset();
  Struct view = ParseObject(Call("GET", "/v1/customers/c1:view").body);
  EXPECT_THAT(MissingParts(view),
              UnorderedElementsAre("score", "segments", "lifecycleHistory",
                                   "nextBestOffers"));
  EXPECT_EQ(Field(Field(view, "tierProgress").struct_value(), "nextTier")
                .string_value(),
            "gold");

  feedback_server_.reset();
  TestHttpResponse response = Call("GET", "/v1/customers/c1:view");
  ASSERT_EQ(response.status, 200) << response.body;
  view = ParseObject(response.body);
  EXPECT_THAT(
      MissingParts(view),
      UnorderedElementsAre("score", "segments", "lifecycleHistory",
                           "nextBestOffers", "recentFeedback", "openTickets",
                           "openAlerts", "latestNps", "latestCsat"));
  EXPECT_EQ(Field(view, "account").struct_value().fields().count("tier"), 1u);
}

TEST_F(CustomerViewTest, SlowBackendsCostOneDeadlineNotOneEach) {
  config_.backend_timeout = absl::Milliseconds(600);
  CreateCustomer("Mei");
  GiveTheBackendsACustomer();
  // Every call but GetCustomer hangs until its deadline.
  view_segmentation_.HangUntilDeadline(true);
  view_loyalty_.HangUntilDeadline(true);
  view_feedback_.HangUntilDeadline(true);
  const absl::Time start = absl::Now();
  TestHttpResponse response = Call("GET", "/v1/customers/c1:view");
  const absl::Duration elapsed = absl::Now() - start;
  ASSERT_EQ(response.status, 200) << response.body;
  Struct view = ParseObject(response.body);
  // Every part but the customer.
  EXPECT_EQ(MissingParts(view).size(), 13u) << response.body;
  EXPECT_THAT(response.body, HasSubstr("\"status\":\"DEADLINE_EXCEEDED\""));
  EXPECT_EQ(
      Field(Field(view, "customer").struct_value(), "givenName").string_value(),
      "Mei");
  // Concurrent calls: about one deadline (600 ms); one after another would
  // take six (3.6 s).
  EXPECT_LT(elapsed, absl::Milliseconds(1800));
}

TEST_F(CustomerViewTest, WaitingViewsHoldNoHttpThread) {
  config_.backend_timeout = absl::Seconds(3);
  http_threads_ = 1;
  CreateCustomer("Mei");  // Starts the gateway: one HTTP thread.
  GiveTheBackendsACustomer();
  view_segmentation_.HangUntilDeadline(true);
  view_loyalty_.HangUntilDeadline(true);
  view_feedback_.HangUntilDeadline(true);
  // Three views waiting for their backends on the one thread.
  std::vector<std::thread> views;
  for (int i = 0; i < 3; ++i) {
    views.emplace_back([this] {
      EXPECT_EQ(Call("GET", "/v1/customers/c1:view").status, 200);
    });
  }
  // All three are out long before the first could end (a view holding the
  // thread would keep the others from starting until its deadline).
  EXPECT_TRUE(crm::testing::WaitUntil(
      [&] { return view_feedback_.recorded_calls() >= 3; },
      absl::Milliseconds(1500)));
  // And the gateway still answers at once.
  const absl::Time start = absl::Now();
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(700));
  for (std::thread& view : views) view.join();
}

TEST_F(CustomerViewTest, TheProgrammeAndCampaignsAreReusedForAFewSeconds) {
  CreateConsentingCustomer();
  GiveTheBackendsACustomer();
  ASSERT_EQ(Call("GET", "/v1/customers/c1:view").status, 200);
  // Gold moves to 2000 points and the campaign ends: within
  // kViewReferenceDataTtl the view still shows what it read.
  loy::Program program = view_loyalty_.program.Get();
  program.mutable_tiers(1)->set_min_qualifying_points(2000);
  view_loyalty_.program.Set(program);
  view_loyalty_.campaigns.Set(loy::ListCampaignsResponse());
  TestHttpResponse response = Call("GET", "/v1/customers/c1:view");
  ASSERT_EQ(response.status, 200) << response.body;
  Struct view = ParseObject(response.body);
  EXPECT_EQ(Field(Field(view, "tierProgress").struct_value(),
                  "nextTierMinQualifyingPoints")
                .number_value(),
            1000);
  EXPECT_THAT(OfferTypes(view),
              ElementsAre("TIER_UPGRADE", "CAMPAIGN", "VIP_PERK"));
  EXPECT_EQ(view_loyalty_.requests.count<loy::GetProgramRequest>(), 1);
  EXPECT_EQ(view_loyalty_.requests.count<loy::ListCampaignsRequest>(), 1);
  EXPECT_EQ(view_loyalty_.requests.count<loy::SummarizeAccountRequest>(), 2);
}

TEST_F(CustomerViewTest, AFailedProgrammeReadIsNotReused) {
  CreateConsentingCustomer();
  GiveTheBackendsACustomer();
  view_loyalty_.FailWith(crm::testing::ServiceStatus(
      absl::UnavailableError("loyalty restarting"), "loyalty"));
  Struct failed = ParseObject(Call("GET", "/v1/customers/c1:view").body);
  EXPECT_THAT(
      MissingParts(failed),
      UnorderedElementsAre("account", "tierProgress", "recentLedgerEntries",
                           "coupons", "nextBestOffers"));
  view_loyalty_.FailWith(std::nullopt);
  Struct view = ParseObject(Call("GET", "/v1/customers/c1:view").body);
  EXPECT_THAT(MissingParts(view), IsEmpty());
  EXPECT_EQ(view_loyalty_.requests.count<loy::GetProgramRequest>(), 1);
  EXPECT_EQ(Field(Field(view, "tierProgress").struct_value(), "nextTier")
                .string_value(),
            "gold");
}

TEST_F(CustomerViewTest, CampaignsAreOfferedOnlyWithAMarketingConsent) {
  CreateCustomer("Mei");  // No consents.
  GiveTheBackendsACustomer();
  Struct view = ParseObject(Call("GET", "/v1/customers/c1:view").body);
  EXPECT_THAT(OfferTypes(view), ElementsAre("TIER_UPGRADE", "VIP_PERK"));
}

TEST_F(CustomerViewTest, AnUnknownCustomerIs404AndIdsAreChecked) {
  EXPECT_EQ(Call("GET", "/v1/customers/nobody:view").status, 404);
  // An id that would change the feedback filter is refused.
  TestHttpResponse injected =
      Call("GET", "/v1/customers/a%22%20OR%20customer%21%3D%22b:view");
  EXPECT_EQ(injected.status, 400) << injected.body;
  EXPECT_EQ(Call("GET", "/v1/customers/c1:view?x=1").status, 400);
}

TEST_F(CustomerViewTest, ShowsTheTypeToAllAndTheCompanyToThoseWhoMaySeeIt) {
  TestHttpResponse created =
      Call("POST", "/v1/customers",
           R"({"givenName":"Mei","customerType":"BUSINESS",)"
           R"("companyName":"Lee Garden Trading Ltd","taxId":"DE-123456789"})");
  ASSERT_EQ(created.status, 200) << created.body;
  GiveTheBackendsACustomer();
  seg::ListCustomerSegmentsResponse segments =
      view_segmentation_.segments.Get();
  segments.mutable_customer_score()->set_cluster(3);
  view_segmentation_.segments.Set(segments);

  Struct full = ParseObject(Call("GET", "/v1/customers/c1:view").body);
  const Struct& customer = Field(full, "customer").struct_value();
  EXPECT_EQ(Field(customer, "customerType").string_value(), "BUSINESS");
  EXPECT_EQ(Field(customer, "companyName").string_value(),
            "Lee Garden Trading Ltd");
  EXPECT_EQ(Field(customer, "taxId").string_value(), "DE-123456789");
  EXPECT_EQ(
      Field(Field(full, "score").struct_value(), "cluster").number_value(), 3);

  ASSERT_TRUE(config_.api_keys.Add("bi analyst analyst-key-0123456789").ok());
  server_->Shutdown(absl::Seconds(1));
  server_.reset();
  gateway_.reset();
  send_admin_key_ = false;
  TestHttpResponse masked = Call("GET", "/v1/customers/c1:view", "",
                                 {{"X-API-Key", "analyst-key-0123456789"}});
  send_admin_key_ = true;
  ASSERT_EQ(masked.status, 200) << masked.body;
  EXPECT_THAT(masked.body, Not(HasSubstr("Lee Garden")));
  EXPECT_THAT(masked.body, Not(HasSubstr("123456789")));
  const Struct masked_view = ParseObject(masked.body);
  const Struct& seen = Field(masked_view, "customer").struct_value();
  EXPECT_EQ(Field(seen, "customerType").string_value(), "BUSINESS");
  EXPECT_EQ(Field(seen, "companyName").string_value(), "***");
  EXPECT_EQ(Field(seen, "taxId").string_value(), "***");
}

TEST_F(CustomerViewTest, AnalystsSeeItMaskedAgentsInFull) {
  CreateConsentingCustomer();
  GiveTheBackendsACustomer();
  ASSERT_TRUE(config_.api_keys.Add("bi analyst analyst-key-0123456789").ok());
  server_->Shutdown(absl::Seconds(1));
  server_.reset();
  gateway_.reset();
  send_admin_key_ = false;
  TestHttpResponse masked = Call("GET", "/v1/customers/c1:view", "",
                                 {{"X-API-Key", "analyst-key-0123456789"}});
  send_admin_key_ = true;
  ASSERT_EQ(masked.status, 200) << masked.body;
  EXPECT_THAT(masked.body, Not(HasSubstr("mei@example.com")));
  EXPECT_THAT(masked.body, Not(HasSubstr("Mei")));  // Feedback and tickets.
  EXPECT_THAT(masked.body, Not(HasSubstr("13800000000")));
  EXPECT_THAT(masked.body, HasSubstr("\"email\":\"***\""));
  EXPECT_THAT(masked.body, HasSubstr("\"title\":\"***\""));
  // Offers and scores are not personal data.
  EXPECT_THAT(ParseObject(masked.body)
                  .fields()
                  .at("nextBestOffers")
                  .list_value()
                  .values_size(),
              3);
  // Coupons are not the analyst's (ListCoupons is not on the normal
  // routes): not asked of loyalty's summary, and named in `missing`; the
  // other parts are there.
  Struct view = ParseObject(masked.body);
  EXPECT_THAT(MissingParts(view), ElementsAre("coupons"));
  EXPECT_THAT(masked.body, HasSubstr(R"("status":"PERMISSION_DENIED")"));
  EXPECT_THAT(masked.body, HasSubstr(R"("reason":"ACCESS_DENIED")"));
  EXPECT_EQ(view.fields().at("coupons").list_value().values_size(), 0);
  EXPECT_EQ(view_loyalty_.requests.last<loy::SummarizeAccountRequest>()
                .coupon_count(),
            0);
  EXPECT_EQ(view.fields()
                .at("latestNps")
                .struct_value()
                .fields()
                .at("score")
                .number_value(),
            9);
  EXPECT_EQ(view.fields().at("lifecycleHistory").list_value().values_size(), 2);
  EXPECT_EQ(view.fields().at("openAlerts").list_value().values_size(), 1);
  TestHttpResponse full = Call("GET", "/v1/customers/c1:view");
  EXPECT_THAT(full.body, HasSubstr("mei@example.com"));
  EXPECT_THAT(full.body, HasSubstr("Call Mei on 13800000000"));
  EXPECT_THAT(MissingParts(ParseObject(full.body)), IsEmpty());
  EXPECT_EQ(Field(ParseObject(full.body), "coupons").list_value().values_size(),
            1);
}

TEST(LatestSurveyScoresTest, TheFirstAnswerOfEachKindNewestFirst) {
  fb::ListSurveyResponsesResponse page;
  EXPECT_FALSE(LatestSurveyScoresOf(page).nps.has_value());
  fb::SurveyResponse* csat_only = page.add_responses();
  csat_only->set_name("surveys/a/responses/1");
  fb::SurveyAnswer* csat = csat_only->add_answers();
  csat->set_question_kind(fb::SurveyQuestion::CSAT);
  csat->set_score(5);
  fb::SurveyResponse* both = page.add_responses();
  both->set_name("surveys/b/responses/2");
  both->add_answers()->set_question_kind(fb::SurveyQuestion::CES);
  fb::SurveyAnswer* nps = both->add_answers();
  nps->set_question_kind(fb::SurveyQuestion::NPS);
  nps->set_score(0);  // A zero is a score, not an absence.
  fb::SurveyAnswer* older_csat = both->add_answers();
  older_csat->set_question_kind(fb::SurveyQuestion::CSAT);
  older_csat->set_score(1);
  const LatestSurveyScores latest = LatestSurveyScoresOf(page);
  ASSERT_TRUE(latest.nps.has_value());
  EXPECT_EQ(latest.nps->score, 0);
  EXPECT_EQ(latest.nps->survey, "surveys/b");
  ASSERT_TRUE(latest.csat.has_value());
  EXPECT_EQ(latest.csat->score, 5);
  EXPECT_EQ(latest.csat->response, "surveys/a/responses/1");
}

}  // namespace
}  // namespace crm::gateway

// The pure rules of journeys (journey_rules.h): validation naming the
// field (feedback triggers and SEND_SURVEY too), trigger matching (ticket
// category and survey filters included), the condition language over a trigger
// event, due times, the frequency cap and which actions need a marketing
// consent.
#include "services/loyalty/journey_rules.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "services/common/error_details.h"

namespace crm::loyalty {
namespace {

v1::Journey CouponOnAtRisk() {
  v1::Journey journey;
  journey.set_display_name("  Win back   at-risk members ");
  journey.mutable_trigger()->set_kind(
      v1::JourneyTrigger::LIFECYCLE_STAGE_CHANGED);
  journey.mutable_trigger()->set_lifecycle_stage("AT_RISK");
  journey.mutable_action()->set_kind(v1::JourneyAction::ISSUE_COUPON);
  journey.mutable_action()->set_reward("rewards/r1");
  return journey;
}

v1::Journey PointsOnOrder(int64_t points) {
  v1::Journey journey;
  journey.set_display_name("Thank you");
  journey.mutable_trigger()->set_kind(v1::JourneyTrigger::ORDER_RECORDED);
  journey.mutable_action()->set_kind(v1::JourneyAction::AWARD_POINTS);
  journey.mutable_action()->set_points(points);
  return journey;
}

std::string FieldOf(const absl::Status& status) {
  const std::map<std::string, std::string> metadata =
      crm::common::ErrorMetadataOf(status);
  auto it = metadata.find("field");
  return it == metadata.end() ? "" : it->second;
}

TEST(JourneyRulesTest, ValidJourneyIsNormalised) {
  absl::StatusOr<v1::Journey> spec = ValidateNewJourney(CouponOnAtRisk());
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->display_name(), "Win back at-risk members");
  EXPECT_EQ(spec->purpose(), v1::Journey::MARKETING);
}

TEST(JourneyRulesTest, ErrorsNameTheField) {
  struct Case {
    std::function<void(v1::Journey&)> change;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](v1::Journey& j) { j.clear_display_name(); }, "journey.display_name"},
      {[](v1::Journey& j) { j.clear_trigger(); }, "journey.trigger"},
      {[](v1::Journey& j) { j.mutable_trigger()->set_lifecycle_stage("SAD"); },
       "journey.trigger.lifecycle_stage"},
      {[](v1::Journey& j) {
         j.mutable_trigger()->set_kind(v1::JourneyTrigger::SEGMENT_ENTERED);
       },
       "journey.trigger.segment"},
      {[](v1::Journey& j) {
         j.mutable_trigger()->set_kind(v1::JourneyTrigger::SEGMENT_LEFT);
         j.mutable_trigger()->set_segment("vip");
       },
       "journey.trigger.segment"},
      {[](v1::Journey& j) {
         j.mutable_trigger()->set_kind(v1::JourneyTrigger::VALUE_TIER_CHANGED);
         j.mutable_trigger()->set_value_tier("GOLD");
       },
       "journey.trigger.value_tier"},
      {[](v1::Journey& j) {
         j.mutable_trigger()->set_kind(v1::JourneyTrigger::NO_ORDER_FOR_DAYS);
       },
       "journey.trigger.days_without_order"},
      {[](v1::Journey& j) { j.mutable_action()->set_reward("r1"); },
       "journey.action.reward"},
      {[](v1::Journey& j) {
         j.mutable_action()->set_kind(v1::JourneyAction::AWARD_POINTS);
       },
       "journey.action.points"},
      {[](v1::Journey& j) {
         j.mutable_action()->set_kind(v1::JourneyAction::EMIT_MESSAGE);
         j.mutable_action()->set_message_type("Win Back!");
       },
       "journey.action.message_type"},
      {[](v1::Journey& j) { j.set_purpose(v1::Journey::SERVICE); },
       "journey.purpose"},
      {[](v1::Journey& j) { j.mutable_delay()->set_seconds(-1); },
       "journey.delay"},
      {[](v1::Journey& j) { j.mutable_delay()->set_nanos(5); },
       "journey.delay"},
      {[](v1::Journey& j) { j.set_condition("points_balance >"); },
       "journey.condition"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    v1::Journey journey = CouponOnAtRisk();
    cases[i].change(journey);
    absl::Status status = ValidateNewJourney(journey).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << i;
    EXPECT_EQ(FieldOf(status), cases[i].field) << i << ": " << status;
    EXPECT_TRUE(absl::StartsWith(status.message(), cases[i].field))
        << i << ": " << status;
  }
}

TEST(JourneyRulesTest, UnknownConditionFieldIsNamedWithTheKnownOnes) {
  absl::Status status = ParseJourneyCondition("balance > 5").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(status), "journey.condition");
  EXPECT_EQ(crm::common::ReasonOf(status), ::crm::type::v1::FILTER_INVALID);
  EXPECT_TRUE(absl::StrContains(status.message(), "'balance'")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "points_balance")) << status;
  // A value of the wrong type names the field it was compared with.
  status = ParseJourneyCondition("order_total_minor > lots").status();
  EXPECT_EQ(FieldOf(status), "journey.condition");
  EXPECT_TRUE(absl::StrContains(status.message(), "order_total_minor"))
      << status;
}

TEST(JourneyRulesTest, TriggerMatchesKindAndItsParameter) {
  v1::Journey journey = *ValidateNewJourney(CouponOnAtRisk());
  TriggerEvent event;
  event.kind = v1::JourneyTrigger::LIFECYCLE_STAGE_CHANGED;
  event.lifecycle_stage = "AT_RISK";
  EXPECT_TRUE(TriggerMatches(journey, event));
  event.lifecycle_stage = "CHURNED";
  EXPECT_FALSE(TriggerMatches(journey, event));
  event.kind = v1::JourneyTrigger::VALUE_TIER_CHANGED;
  event.value_tier = "AT_RISK";
  EXPECT_FALSE(TriggerMatches(journey, event));

  journey.mutable_trigger()->set_kind(v1::JourneyTrigger::SEGMENT_ENTERED);
  journey.mutable_trigger()->set_segment("segments/vip");
  event.kind = v1::JourneyTrigger::SEGMENT_ENTERED;
  event.segment = "segments/vip";
  EXPECT_TRUE(TriggerMatches(journey, event));
  event.segment = "segments/other";
  EXPECT_FALSE(TriggerMatches(journey, event));
  event.kind = v1::JourneyTrigger::SEGMENT_LEFT;
  event.segment = "segments/vip";
  EXPECT_FALSE(TriggerMatches(journey, event));

  journey.mutable_trigger()->set_kind(v1::JourneyTrigger::NO_ORDER_FOR_DAYS);
  journey.mutable_trigger()->set_days_without_order(30);
  event.kind = v1::JourneyTrigger::NO_ORDER_FOR_DAYS;
  event.days_without_order = 29;
  EXPECT_FALSE(TriggerMatches(journey, event));
  event.days_without_order = 30;
  EXPECT_TRUE(TriggerMatches(journey, event));
}

TEST(JourneyRulesTest, ConditionOverEventAndMember) {
  absl::StatusOr<crm::common::filter::Filter> condition = ParseJourneyCondition(
      "order_total_minor >= 10000 AND (tier_id = \"gold\" OR points_balance "
      "> 500)");
  ASSERT_TRUE(condition.ok()) << condition.status();
  TriggerEvent order;
  order.kind = v1::JourneyTrigger::ORDER_RECORDED;
  order.order_total_minor = 12000;
  order.order_currency = "CNY";
  MemberFacts gold{.tier_id = "gold", .points_balance = 0};
  MemberFacts rich{.tier_id = "", .points_balance = 800};
  MemberFacts poor{.tier_id = "silver", .points_balance = 100};
  EXPECT_TRUE(ConditionHolds(*condition, order, gold));
  EXPECT_TRUE(ConditionHolds(*condition, order, rich));
  EXPECT_FALSE(ConditionHolds(*condition, order, poor));
  order.order_total_minor = 9999;
  EXPECT_FALSE(ConditionHolds(*condition, order, gold));
  // An event without an order total satisfies no comparison of it.
  TriggerEvent segment;
  segment.kind = v1::JourneyTrigger::SEGMENT_ENTERED;
  segment.segment = "segments/vip";
  EXPECT_FALSE(ConditionHolds(*condition, segment, gold));
  // The empty condition always holds.
  EXPECT_TRUE(ConditionHolds(*ParseJourneyCondition(""), segment, poor));
}

TEST(JourneyRulesTest, ConditionOverFeedbackEvents) {
  absl::StatusOr<crm::common::filter::Filter> unhappy =
      ParseJourneyCondition("csat_score <= 2 OR nps_score <= 6");
  ASSERT_TRUE(unhappy.ok()) << unhappy.status();
  const MemberFacts member{.tier_id = "", .points_balance = 0};
  TriggerEvent answer;
  answer.kind = v1::JourneyTrigger::SURVEY_ANSWERED;
  answer.survey = "surveys/csat";
  answer.csat_score = 2;
  EXPECT_TRUE(ConditionHolds(*unhappy, answer, member));
  answer.csat_score = 4;
  EXPECT_FALSE(ConditionHolds(*unhappy, answer, member));
  // An answer without an NPS score satisfies no comparison of it.
  answer.csat_score.reset();
  EXPECT_FALSE(ConditionHolds(*unhappy, answer, member));
  answer.nps_score = 6;
  EXPECT_TRUE(ConditionHolds(*unhappy, answer, member));

  absl::StatusOr<crm::common::filter::Filter> not_billing =
      ParseJourneyCondition("ticket_category != \"billing\"");
  ASSERT_TRUE(not_billing.ok()) << not_billing.status();
  TriggerEvent resolved;
  resolved.kind = v1::JourneyTrigger::COMPLAINT_RESOLVED;
  resolved.ticket_category = "delivery";
  EXPECT_TRUE(ConditionHolds(*not_billing, resolved, member));
  resolved.ticket_category = "billing";
  EXPECT_FALSE(ConditionHolds(*not_billing, resolved, member));
  // Only a resolved ticket carries a category.
  EXPECT_FALSE(ConditionHolds(*not_billing, answer, member));
}

TEST(JourneyRulesTest, DelayAndCap) {
  v1::Journey journey = PointsOnOrder(10);
  const absl::Time t = absl::FromUnixSeconds(1'800'000'000);
  EXPECT_EQ(DueTime(journey, t), t);
  journey.mutable_delay()->set_seconds(3 * 24 * 3600);
  EXPECT_EQ(DueTime(journey, t), t + absl::Hours(72));
  EXPECT_TRUE(CapAllows(0, 3));
  EXPECT_TRUE(CapAllows(2, 3));
  EXPECT_FALSE(CapAllows(3, 3));
  EXPECT_FALSE(CapAllows(7, 3));
  EXPECT_TRUE(CapAllows(1000, 0));  // No cap.
}

TEST(JourneyRulesTest, WhichActionsNeedMarketingConsent) {
  v1::Journey points = PointsOnOrder(10);
  EXPECT_TRUE(NeedsMarketingConsent(points));  // MARKETING by default.
  points.set_purpose(v1::Journey::SERVICE);
  EXPECT_TRUE(ValidateNewJourney(points).ok());
  EXPECT_FALSE(NeedsMarketingConsent(points));
  v1::Journey coupon = *ValidateNewJourney(CouponOnAtRisk());
  EXPECT_TRUE(NeedsMarketingConsent(coupon));
  // SERVICE is refused for coupons and messages (ErrorsNameTheField), so
  // they always need it.
}

TEST(JourneyRulesTest, TriggerEventIdsAndNames) {
  EXPECT_EQ(OrderTriggerEvent("customers/c1/orders/o1"),
            "order:customers/c1/orders/o1");
  EXPECT_EQ(SegmentationTriggerEvent(42), "segmentation:42");
  EXPECT_EQ(NoOrderTriggerEvent(absl::FromUnixMicros(5)), "no-order:5");
  EXPECT_EQ(JourneyRunName("j1", "r1"), "journeys/j1/runs/r1");
  EXPECT_EQ(*ParseJourneyName("journeys/j1", "name"), "j1");
  EXPECT_EQ(FieldOf(ParseJourneyName("campaigns/j1", "parent").status()),
            "parent");
}

v1::Journey SurveyAfterOrder() {
  v1::Journey journey;
  journey.set_display_name("CSAT survey");
  journey.mutable_trigger()->set_kind(v1::JourneyTrigger::ORDER_RECORDED);
  journey.mutable_action()->set_kind(v1::JourneyAction::SEND_SURVEY);
  journey.mutable_action()->set_survey("surveys/csat");
  journey.set_marketing_channel(v1::Campaign::EMAIL);
  return journey;
}

TEST(JourneyRulesTest, FeedbackTriggersAndSendSurveyErrorsNameTheField) {
  struct Case {
    std::function<void(v1::Journey&)> change;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](v1::Journey& j) {
         j.mutable_trigger()->set_kind(v1::JourneyTrigger::COMPLAINT_RESOLVED);
         j.mutable_trigger()->set_ticket_category(std::string(65, 'x'));
       },
       "journey.trigger.ticket_category"},
      {[](v1::Journey& j) {
         j.mutable_trigger()->set_kind(v1::JourneyTrigger::COMPLAINT_RESOLVED);
         j.mutable_trigger()->set_ticket_category("\xff");
       },
       "journey.trigger.ticket_category"},
      {[](v1::Journey& j) {
         j.mutable_trigger()->set_kind(v1::JourneyTrigger::SURVEY_ANSWERED);
         j.mutable_trigger()->set_survey("csat");
         j.mutable_action()->set_kind(v1::JourneyAction::AWARD_POINTS);
         j.mutable_action()->set_points(5);
       },
       "journey.trigger.survey"},
      {[](v1::Journey& j) { j.mutable_action()->clear_survey(); },
       "journey.action.survey"},
      {[](v1::Journey& j) {
         j.mutable_action()->set_survey("surveys/a/invitations/b");
       },
       "journey.action.survey"},
      {[](v1::Journey& j) {
         j.clear_marketing_channel();  // Either: no channel to invite on.
       },
       "journey.marketing_channel"},
      {[](v1::Journey& j) {
         // An invitation is for an order or a ticket.
         j.mutable_trigger()->set_kind(v1::JourneyTrigger::SURVEY_ANSWERED);
       },
       "journey.action.kind"},
      {[](v1::Journey& j) {
         j.mutable_trigger()->set_kind(
             v1::JourneyTrigger::LIFECYCLE_STAGE_CHANGED);
         j.mutable_trigger()->set_lifecycle_stage("AT_RISK");
       },
       "journey.action.kind"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    v1::Journey journey = SurveyAfterOrder();
    cases[i].change(journey);
    absl::Status status = ValidateNewJourney(journey).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << i;
    EXPECT_EQ(FieldOf(status), cases[i].field) << i << ": " << status;
    EXPECT_TRUE(absl::StartsWith(status.message(), cases[i].field))
        << i << ": " << status;
  }
}

TEST(JourneyRulesTest, ValidFeedbackJourneys) {
  v1::Journey survey = SurveyAfterOrder();
  ASSERT_TRUE(ValidateNewJourney(survey).ok());
  survey.set_marketing_channel(v1::Campaign::SMS);
  survey.mutable_trigger()->set_kind(v1::JourneyTrigger::COMPLAINT_RESOLVED);
  survey.mutable_trigger()->set_ticket_category(std::string(64, 'x'));
  survey.set_purpose(v1::Journey::SERVICE);  // A survey may be service.
  absl::StatusOr<v1::Journey> spec = ValidateNewJourney(survey);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->purpose(), v1::Journey::SERVICE);

  v1::Journey answered = PointsOnOrder(20);
  answered.mutable_trigger()->set_kind(v1::JourneyTrigger::SURVEY_ANSWERED);
  EXPECT_TRUE(ValidateNewJourney(answered).ok());  // Every survey.
  answered.mutable_trigger()->set_survey("surveys/nps");
  EXPECT_TRUE(ValidateNewJourney(answered).ok());
  v1::Journey resolved = PointsOnOrder(20);
  resolved.mutable_trigger()->set_kind(v1::JourneyTrigger::COMPLAINT_RESOLVED);
  EXPECT_TRUE(ValidateNewJourney(resolved).ok());  // Every category.
}

TEST(JourneyRulesTest, FeedbackTriggersMatchCategoryAndSurvey) {
  v1::Journey journey = PointsOnOrder(10);
  journey.mutable_trigger()->set_kind(v1::JourneyTrigger::COMPLAINT_RESOLVED);
  TriggerEvent resolved;
  resolved.kind = v1::JourneyTrigger::COMPLAINT_RESOLVED;
  resolved.ticket_category = "delivery";
  EXPECT_TRUE(TriggerMatches(journey, resolved));  // Every category.
  journey.mutable_trigger()->set_ticket_category("delivery");
  EXPECT_TRUE(TriggerMatches(journey, resolved));
  resolved.ticket_category = "billing";
  EXPECT_FALSE(TriggerMatches(journey, resolved));
  resolved.ticket_category = "";
  EXPECT_FALSE(TriggerMatches(journey, resolved));

  journey.mutable_trigger()->set_kind(v1::JourneyTrigger::SURVEY_ANSWERED);
  TriggerEvent answered;
  answered.kind = v1::JourneyTrigger::SURVEY_ANSWERED;
  answered.survey = "surveys/nps";
  EXPECT_TRUE(TriggerMatches(journey, answered));  // Every survey.
  journey.mutable_trigger()->set_survey("surveys/csat");
  EXPECT_FALSE(TriggerMatches(journey, answered));
  answered.survey = "surveys/csat";
  EXPECT_TRUE(TriggerMatches(journey, answered));
  // Another kind never matches, whatever it carries.
  resolved.ticket_category = "delivery";
  EXPECT_FALSE(TriggerMatches(journey, resolved));
}

TEST(JourneyRulesTest, SurveysNeedConsentUnlessServiceAndActThroughFeedback) {
  v1::Journey survey = SurveyAfterOrder();
  EXPECT_TRUE(NeedsMarketingConsent(survey));
  EXPECT_TRUE(ActsThroughAnotherService(survey));
  survey.set_purpose(v1::Journey::SERVICE);
  EXPECT_FALSE(NeedsMarketingConsent(survey));
  EXPECT_FALSE(ActsThroughAnotherService(PointsOnOrder(5)));
  EXPECT_EQ(FeedbackTriggerEvent(7), "feedback:7");
  const std::string request_id =
      SurveyInvitationRequestId("abcdefghij0123456789");
  EXPECT_EQ(request_id, SurveyInvitationRequestId("abcdefghij0123456789"));
  EXPECT_NE(request_id, SurveyInvitationRequestId("abcdefghij0123456780"));
  EXPECT_LE(request_id.size(), 64u);
}

}  // namespace
}  // namespace crm::loyalty

// Survey scores by loyalty tier and segment without a database: the
// filter's parsing, ComputeSurveyScores' by_loyalty_tier rows, and the
// survey manager over the in-memory fakes storing the loyalty tier and the
// segments at answer time (unknown / none when anonymous, when loyalty or
// segmentation does not answer or is not configured) and grouping and
// filtering the scores by them.
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/id_generator.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "services/feedback/survey_manager.h"
#include "services/feedback/survey_rules.h"
#include "tests/testing/fakes/consents/in_memory_consent_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/feedback/fake_customer_segments.h"
#include "tests/testing/fakes/feedback/fake_loyalty_tiers.h"
#include "tests/testing/fakes/feedback/fake_value_tiers.h"
#include "tests/testing/fakes/feedback/in_memory_survey_invitation_repository.h"
#include "tests/testing/fakes/feedback/in_memory_survey_repository.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::testing::StatusIs;
using Q = v1::SurveyQuestion;

TEST(LoyaltyTierFilter, ParsesEveryUnknownOrOneTier) {
  CRM_ASSERT_OK_AND_ASSIGN(std::optional<std::string> every,
                           ParseLoyaltyTierFilter(""));
  EXPECT_FALSE(every.has_value());
  CRM_ASSERT_OK_AND_ASSIGN(std::optional<std::string> unknown,
                           ParseLoyaltyTierFilter("UNKNOWN"));
  EXPECT_EQ(unknown, std::string());
  CRM_ASSERT_OK_AND_ASSIGN(std::optional<std::string> gold,
                           ParseLoyaltyTierFilter("gold_2-x"));
  EXPECT_EQ(gold, "gold_2-x");
  for (const std::string& bad : std::vector<std::string>{
           "Gold", "gold tier", "unknown!", std::string(33, 'a')}) {
    absl::StatusOr<std::optional<std::string>> parsed =
        ParseLoyaltyTierFilter(bad);
    EXPECT_THAT(parsed.status(), StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
    EXPECT_EQ(ErrorMetadataOf(parsed.status())["field"], "loyalty_tier");
  }
}

TEST(LoyaltyTierScores, OneRowPerTierSeenThenUnknown) {
  const absl::CivilDay day(2026, 3, 4);
  const std::vector<ScoreCount> counts = {
      {day, "app", Q::NPS, 10, 2, v1::SurveyResponse::HIGH, "silver"},
      {day, "app", Q::NPS, 1, 1, v1::SurveyResponse::HIGH, "gold"},
      {day, "web", Q::NPS, 8, 1, v1::SurveyResponse::LOW, ""},
  };
  const std::vector<ResponseCount> responses = {
      {day, "app", 2, v1::SurveyResponse::HIGH, "silver"},
      {day, "app", 1, v1::SurveyResponse::HIGH, "gold"},
      {day, "web", 1, v1::SurveyResponse::LOW, ""},
  };
  const ScorePeriod period{day, day, TrendInterval::kDay};
  v1::SurveyScores scores =
      ComputeSurveyScores("surveys/s1", counts, responses, period);
  ASSERT_EQ(scores.by_loyalty_tier_size(), 3);
  EXPECT_EQ(scores.by_loyalty_tier(0).loyalty_tier(), "gold");
  EXPECT_EQ(scores.by_loyalty_tier(0).scores().detractors(), 1);
  EXPECT_EQ(scores.by_loyalty_tier(1).loyalty_tier(), "silver");
  EXPECT_EQ(scores.by_loyalty_tier(1).scores().responses(), 2);
  EXPECT_DOUBLE_EQ(scores.by_loyalty_tier(1).scores().nps(), 100);
  EXPECT_EQ(scores.by_loyalty_tier(2).loyalty_tier(), "");
  EXPECT_EQ(scores.by_loyalty_tier(2).scores().passives(), 1);

  scores = ComputeSurveyScores("surveys/s1", counts, responses, period,
                               v1::SurveyResponse::VALUE_TIER_UNSPECIFIED,
                               std::string("silver"));
  EXPECT_EQ(scores.total().responses(), 2);
  ASSERT_EQ(scores.by_loyalty_tier_size(), 1);
  EXPECT_EQ(scores.by_loyalty_tier(0).loyalty_tier(), "silver");

  // The unknown row alone, even without responses; both filters together.
  scores = ComputeSurveyScores("surveys/s1", counts, responses, period,
                               v1::SurveyResponse::HIGH, std::string());
  EXPECT_EQ(scores.total().responses(), 0);
  ASSERT_EQ(scores.by_loyalty_tier_size(), 1);
  EXPECT_EQ(scores.by_loyalty_tier(0).loyalty_tier(), "");

  // A tier without responses is still listed when filtered on.
  scores = ComputeSurveyScores("surveys/s1", counts, responses, period,
                               v1::SurveyResponse::VALUE_TIER_UNSPECIFIED,
                               std::string("platinum"));
  ASSERT_EQ(scores.by_loyalty_tier_size(), 1);
  EXPECT_EQ(scores.by_loyalty_tier(0).loyalty_tier(), "platinum");
  EXPECT_EQ(scores.by_loyalty_tier(0).scores().responses(), 0);
}

class SurveyLoyaltyTierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v1::CreateSurveyRequest request;
    v1::SurveyQuestion* nps = request.mutable_survey()->add_questions();
    nps->set_id("nps");
    nps->set_text("Recommend us?");
    nps->set_kind(Q::NPS);
    request.mutable_survey()->set_title("After your order");
    CRM_ASSERT_OK_AND_ASSIGN(survey_, manager_.CreateSurvey(context_, request));
  }

  absl::StatusOr<v1::SurveyResponse> Answer(SurveyManager& manager,
                                            const std::string& customer,
                                            int nps) {
    v1::SubmitSurveyResponseRequest request;
    request.set_parent(survey_.name());
    request.mutable_response()->set_customer(customer);
    request.mutable_response()->set_channel("email");
    v1::SurveyAnswer* answer = request.mutable_response()->add_answers();
    answer->set_question_id("nps");
    answer->set_score(nps);
    return manager.SubmitSurveyResponse(context_, request);
  }

  v1::GetSurveyScoresRequest ScoresToday() {
    v1::GetSurveyScoresRequest request;
    request.set_survey(survey_.name());
    *request.mutable_start_time() = crm::common::ToProtoTimestamp(clock_.Now());
    *request.mutable_end_time() = request.start_time();
    return request;
  }

  crm::common::RequestContext context_;
  crm::common::FakeClock clock_{absl::FromUnixSeconds(1772582400)};  // 4 Mar
  crm::common::SequentialIdGenerator ids_{"sl"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemorySurveyRepository surveys_{&unit_of_work_};
  crm::testing::InMemorySurveyInvitationRepository invitations_{&unit_of_work_};
  crm::testing::InMemoryConsentRepository consents_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  crm::testing::FakeValueTiers tiers_;
  crm::testing::FakeLoyaltyTiers loyalty_tiers_;
  crm::testing::FakeCustomerSegments segments_;
  SurveyManager manager_{
      unit_of_work_, surveys_, invitations_, consents_,       keys_,     clock_,
      ids_,          tiers_,   nullptr,      &loyalty_tiers_, &segments_};
  v1::Survey survey_;
};

TEST_F(SurveyLoyaltyTierTest, TheTierAtAnswerTimeIsStored) {
  loyalty_tiers_.Set("c1", "gold");
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyResponse gold,
                           Answer(manager_, "customers/c1", 10));
  EXPECT_EQ(gold.loyalty_tier(), "gold");
  // Loyalty down or not knowing the customer: unknown, never a refusal.
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyResponse down,
                           Answer(manager_, "customers/c2", 3));
  EXPECT_EQ(down.loyalty_tier(), "");
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyResponse anonymous,
                           Answer(manager_, "", 8));
  EXPECT_EQ(anonymous.loyalty_tier(), "");
  EXPECT_EQ(loyalty_tiers_.asked(), 2);  // Anonymous responses ask nobody.

  // A later tier change leaves the stored tier as it was.
  loyalty_tiers_.Set("c1", "bronze");
  v1::ListSurveyResponsesRequest list;
  list.set_parent(survey_.name());
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListSurveyResponsesResponse listed,
                           manager_.ListSurveyResponses(context_, list));
  ASSERT_EQ(listed.responses_size(), 3);
  EXPECT_EQ(listed.responses(2).name(), gold.name());
  EXPECT_EQ(listed.responses(2).loyalty_tier(), "gold");
}

TEST_F(SurveyLoyaltyTierTest, WithoutALoyaltySourceEveryTierIsUnknown) {
  SurveyManager unconfigured(unit_of_work_, surveys_, invitations_, consents_,
                             keys_, clock_, ids_, tiers_);
  loyalty_tiers_.Set("c1", "gold");
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyResponse response,
                           Answer(unconfigured, "customers/c1", 10));
  EXPECT_EQ(response.loyalty_tier(), "");
  EXPECT_EQ(loyalty_tiers_.asked(), 0);
}

TEST_F(SurveyLoyaltyTierTest, ScoresGroupAndFilterByLoyaltyTier) {
  loyalty_tiers_.Set("g1", "gold");
  loyalty_tiers_.Set("g2", "gold");
  loyalty_tiers_.Set("s1", "silver");
  CRM_ASSERT_OK(Answer(manager_, "customers/g1", 10).status());  // Promoter.
  CRM_ASSERT_OK(Answer(manager_, "customers/g2", 9).status());   // Promoter.
  CRM_ASSERT_OK(Answer(manager_, "customers/s1", 2).status());   // Detractor.
  CRM_ASSERT_OK(Answer(manager_, "", 8).status());               // Passive.

  v1::GetSurveyScoresRequest request = ScoresToday();
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyScores scores,
                           manager_.GetSurveyScores(context_, request));
  EXPECT_EQ(scores.total().responses(), 4);
  ASSERT_EQ(scores.by_loyalty_tier_size(), 3);
  EXPECT_EQ(scores.by_loyalty_tier(0).loyalty_tier(), "gold");
  EXPECT_EQ(scores.by_loyalty_tier(0).scores().responses(), 2);
  EXPECT_DOUBLE_EQ(scores.by_loyalty_tier(0).scores().nps(), 100);
  EXPECT_EQ(scores.by_loyalty_tier(1).loyalty_tier(), "silver");
  EXPECT_DOUBLE_EQ(scores.by_loyalty_tier(1).scores().nps(), -100);
  EXPECT_EQ(scores.by_loyalty_tier(2).loyalty_tier(), "");
  EXPECT_EQ(scores.by_loyalty_tier(2).scores().passives(), 1);

  request.set_loyalty_tier("gold");
  CRM_ASSERT_OK_AND_ASSIGN(scores, manager_.GetSurveyScores(context_, request));
  EXPECT_EQ(scores.total().responses(), 2);
  ASSERT_EQ(scores.by_channel_size(), 1);
  EXPECT_EQ(scores.by_channel(0).scores().responses(), 2);
  EXPECT_EQ(scores.trend(0).scores().promoters(), 2);
  ASSERT_EQ(scores.by_loyalty_tier_size(), 1);

  request.set_loyalty_tier("UNKNOWN");
  CRM_ASSERT_OK_AND_ASSIGN(scores, manager_.GetSurveyScores(context_, request));
  EXPECT_EQ(scores.total().responses(), 1);
  EXPECT_EQ(scores.total().passives(), 1);

  request.set_loyalty_tier("Gold!");
  absl::StatusOr<v1::SurveyScores> bad =
      manager_.GetSurveyScores(context_, request);
  EXPECT_THAT(bad.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ErrorMetadataOf(bad.status())["field"], "loyalty_tier");
}

TEST_F(SurveyLoyaltyTierTest, ScoresFilterBySegmentAtAnswerTime) {
  segments_.Set("v1", {"vip", "churn_risk"});
  segments_.Set("v2", {"vip", "vip"});  // Repeats are stored once.
  segments_.Set("r1", {"churn_risk"});
  CRM_ASSERT_OK(Answer(manager_, "customers/v1", 10).status());
  CRM_ASSERT_OK(Answer(manager_, "customers/v2", 2).status());
  CRM_ASSERT_OK(Answer(manager_, "customers/r1", 8).status());
  CRM_ASSERT_OK(Answer(manager_, "customers/none", 9).status());  // Down.
  CRM_ASSERT_OK(Answer(manager_, "", 9).status());
  EXPECT_EQ(segments_.asked(), 4);  // Anonymous responses ask nobody.
  // Memberships change later; the stored segments are those at answer time.
  segments_.Set("r1", {"vip"});

  v1::GetSurveyScoresRequest request = ScoresToday();
  request.set_segment("segments/vip");
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyScores scores,
                           manager_.GetSurveyScores(context_, request));
  EXPECT_EQ(scores.total().responses(), 2);
  EXPECT_EQ(scores.total().promoters(), 1);
  EXPECT_EQ(scores.total().detractors(), 1);
  EXPECT_EQ(scores.trend(0).scores().responses(), 2);

  request.set_segment("segments/churn_risk");
  request.set_loyalty_tier("UNKNOWN");
  CRM_ASSERT_OK_AND_ASSIGN(scores, manager_.GetSurveyScores(context_, request));
  EXPECT_EQ(scores.total().responses(), 2);
  EXPECT_EQ(scores.total().passives(), 1);

  request.set_segment("segments/nobody_in_it");
  CRM_ASSERT_OK_AND_ASSIGN(scores, manager_.GetSurveyScores(context_, request));
  EXPECT_EQ(scores.total().responses(), 0);

  request.set_segment("vip");
  absl::StatusOr<v1::SurveyScores> bad =
      manager_.GetSurveyScores(context_, request);
  EXPECT_THAT(bad.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ErrorMetadataOf(bad.status())["field"], "segment");
}

}  // namespace
}  // namespace crm::feedback

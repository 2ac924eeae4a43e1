// Survey scores by loyalty tier and segment on MariaDB through the gRPC
// service: the loyalty tier stored at answer time on the response and its
// scored answers and the segments in survey_response_segments (migration
// 0010), unknown ('') / none when anonymous or not known, a later change
// not moving old responses, and the scores grouped and filtered by them in
// SQL, also together with the value tier filter.
#include <string>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "services/common/timestamps.h"
#include "tests/integration/feedback/feedback_service_fixture.h"

namespace crm::feedback {
namespace {

using Response = v1::SurveyResponse;

class SurveyLoyaltyTierServiceTest : public FeedbackServiceFixture {
 protected:
  void SetUp() override {
    FeedbackServiceFixture::SetUp();
    v1::CreateSurveyRequest request;
    request.mutable_survey()->set_title("After your order");
    v1::SurveyQuestion* nps = request.mutable_survey()->add_questions();
    nps->set_id("nps");
    nps->set_text("Recommend us?");
    nps->set_kind(v1::SurveyQuestion::NPS);
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->CreateSurvey(&context, request, &survey_).ok());
  }

  absl::StatusOr<v1::SurveyResponse> Answer(const std::string& customer,
                                            int nps) {
    v1::SubmitSurveyResponseRequest request;
    request.set_parent(survey_.name());
    request.mutable_response()->set_customer(customer);
    request.mutable_response()->set_channel("email");
    v1::SurveyAnswer* answer = request.mutable_response()->add_answers();
    answer->set_question_id("nps");
    answer->set_score(nps);
    grpc::ClientContext context;
    v1::SurveyResponse response;
    return Reply(stub_->SubmitSurveyResponse(&context, request, &response),
                 response);
  }

  absl::StatusOr<v1::SurveyScores> Scores(
      const std::string& loyalty_tier,
      Response::ValueTier value_tier = Response::VALUE_TIER_UNSPECIFIED,
      const std::string& segment = "") {
    v1::GetSurveyScoresRequest request;
    request.set_survey(survey_.name());
    *request.mutable_start_time() = crm::common::ToProtoTimestamp(kMonday10);
    *request.mutable_end_time() = request.start_time();
    request.set_loyalty_tier(loyalty_tier);
    request.set_value_tier(value_tier);
    request.set_segment(segment);
    grpc::ClientContext context;
    v1::SurveyScores scores;
    return Reply(stub_->GetSurveyScores(&context, request, &scores), scores);
  }

  v1::Survey survey_;
};

TEST_F(SurveyLoyaltyTierServiceTest, ScoresGroupedAndFilteredByLoyaltyTier) {
  survey_loyalty_tiers_.Set("g1", "gold");
  survey_loyalty_tiers_.Set("s1", "silver");
  survey_tiers_.Set("g1", ValueTier::kHigh);
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyResponse gold, Answer("customers/g1", 10));
  EXPECT_EQ(gold.loyalty_tier(), "gold");
  CRM_ASSERT_OK(Answer("customers/g1", 6).status());
  CRM_ASSERT_OK(Answer("customers/s1", 9).status());
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyResponse unknown,
                           Answer("customers/nobody", 3));
  EXPECT_EQ(unknown.loyalty_tier(), "");
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyResponse anonymous, Answer("", 8));
  EXPECT_EQ(anonymous.loyalty_tier(), "");
  survey_loyalty_tiers_.Set("s1", "gold");  // Later changes do not count.

  EXPECT_EQ(Count("SELECT COUNT(*) FROM survey_responses "
                  "WHERE loyalty_tier = 'gold'"),
            2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM survey_scored_answers "
                  "WHERE loyalty_tier = 'silver'"),
            1);

  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyScores scores, Scores(""));
  EXPECT_EQ(scores.total().responses(), 5);
  ASSERT_EQ(scores.by_loyalty_tier_size(), 3);
  EXPECT_EQ(scores.by_loyalty_tier(0).loyalty_tier(), "gold");
  EXPECT_EQ(scores.by_loyalty_tier(0).scores().responses(), 2);
  EXPECT_DOUBLE_EQ(scores.by_loyalty_tier(0).scores().nps(), 0);
  EXPECT_EQ(scores.by_loyalty_tier(1).loyalty_tier(), "silver");
  EXPECT_DOUBLE_EQ(scores.by_loyalty_tier(1).scores().nps(), 100);
  EXPECT_EQ(scores.by_loyalty_tier(2).loyalty_tier(), "");
  EXPECT_EQ(scores.by_loyalty_tier(2).scores().responses(), 2);
  EXPECT_EQ(scores.by_loyalty_tier(2).scores().detractors(), 1);
  EXPECT_EQ(scores.by_loyalty_tier(2).scores().passives(), 1);

  CRM_ASSERT_OK_AND_ASSIGN(scores, Scores("silver"));
  EXPECT_EQ(scores.total().responses(), 1);
  EXPECT_EQ(scores.total().promoters(), 1);
  ASSERT_EQ(scores.by_loyalty_tier_size(), 1);
  ASSERT_EQ(scores.trend_size(), 1);
  EXPECT_EQ(scores.trend(0).scores().responses(), 1);

  CRM_ASSERT_OK_AND_ASSIGN(scores, Scores("UNKNOWN"));
  EXPECT_EQ(scores.total().responses(), 2);

  CRM_ASSERT_OK_AND_ASSIGN(scores, Scores("gold", Response::HIGH));
  EXPECT_EQ(scores.total().responses(), 2);
  CRM_ASSERT_OK_AND_ASSIGN(scores, Scores("silver", Response::HIGH));
  EXPECT_EQ(scores.total().responses(), 0);

  EXPECT_THAT(Scores("Gold!").status(),
              crm::testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(SurveyLoyaltyTierServiceTest, ScoresFilteredBySegmentAtAnswerTime) {
  survey_segments_.Set("v1", {"vip", "churn_risk"});
  survey_segments_.Set("v2", {"vip"});
  survey_loyalty_tiers_.Set("v2", "gold");
  CRM_ASSERT_OK(Answer("customers/v1", 10).status());
  CRM_ASSERT_OK(Answer("customers/v2", 2).status());
  CRM_ASSERT_OK(Answer("customers/v3", 9).status());  // In no segment.
  CRM_ASSERT_OK(Answer("", 8).status());
  survey_segments_.Set("v3", {"vip"});  // Later changes do not count.

  EXPECT_EQ(Count("SELECT COUNT(*) FROM survey_response_segments"), 3);
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::SurveyScores scores,
      Scores("", Response::VALUE_TIER_UNSPECIFIED, "segments/vip"));
  EXPECT_EQ(scores.total().responses(), 2);
  EXPECT_EQ(scores.total().nps_answers(), 2);
  EXPECT_DOUBLE_EQ(scores.total().nps(), 0);
  ASSERT_EQ(scores.by_loyalty_tier_size(), 2);
  EXPECT_EQ(scores.by_loyalty_tier(0).loyalty_tier(), "gold");
  EXPECT_EQ(scores.by_loyalty_tier(0).scores().detractors(), 1);

  CRM_ASSERT_OK_AND_ASSIGN(
      scores,
      Scores("UNKNOWN", Response::VALUE_TIER_UNSPECIFIED, "segments/vip"));
  EXPECT_EQ(scores.total().responses(), 1);
  EXPECT_EQ(scores.total().promoters(), 1);
  CRM_ASSERT_OK_AND_ASSIGN(
      scores, Scores("", Response::VALUE_TIER_UNSPECIFIED, "segments/other"));
  EXPECT_EQ(scores.total().responses(), 0);
  EXPECT_THAT(Scores("", Response::VALUE_TIER_UNSPECIFIED, "vip").status(),
              crm::testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace crm::feedback

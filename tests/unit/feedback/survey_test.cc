// Surveys without a database: definitions and responses (rules), the scores
// (NPS = % promoters - % detractors, CSAT % satisfied, CES mean, trend
// intervals), the answers' question kinds, and the survey manager over the
// in-memory fakes (versions, etags, idempotency, the lists).
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/id_generator.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "services/feedback/survey_manager.h"
#include "services/feedback/survey_rules.h"
#include "services/feedback/value_tier_source.h"
#include "tests/testing/fakes/consents/in_memory_consent_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/feedback/in_memory_survey_invitation_repository.h"
#include "tests/testing/fakes/feedback/in_memory_survey_repository.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::google::protobuf::util::MessageDifferencer;
namespace reason = ::crm::type::v1;
using Q = v1::SurveyQuestion;

v1::Survey Definition() {
  v1::Survey survey;
  survey.set_title(" After your order ");
  auto add = [&](const std::string& id, Q::Kind kind, bool required,
                 std::vector<std::string> options = {}) {
    Q* question = survey.add_questions();
    question->set_id(id);
    question->set_text("Question " + id);
    question->set_kind(kind);
    question->set_required(required);
    for (const std::string& option : options) question->add_options(option);
  };
  add("nps", Q::NPS, true);
  add("csat", Q::CSAT, false);
  add("ces", Q::CES, false);
  add("reason", Q::SINGLE_CHOICE, false, {"价格", "质量", "配送"});
  add("liked", Q::MULTIPLE_CHOICE, false, {"app", "staff", "speed"});
  add("comment", Q::FREE_TEXT, false);
  return survey;
}

v1::SurveyAnswer Score(const std::string& id, int score) {
  v1::SurveyAnswer answer;
  answer.set_question_id(id);
  answer.set_score(score);
  return answer;
}

v1::SurveyResponse Response(int nps) {
  v1::SurveyResponse response;
  response.set_customer("customers/c1");
  response.set_channel("WeChat");
  response.set_subject("customers/c1/orders/o-1");
  *response.add_answers() = Score("nps", nps);
  return response;
}

TEST(SurveyRules, DefinitionIsNormalisedAndChecked) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Survey survey,
                           NormalizeSurveyDefinition(Definition()));
  EXPECT_EQ(survey.title(), "After your order");
  EXPECT_EQ(survey.questions_size(), 6);

  struct Case {
    const char* field;
    void (*spoil)(v1::Survey&);
  };
  const Case cases[] = {
      {"survey.title",
       [](v1::Survey& s) { s.set_title(std::string(201, 't')); }},
      {"survey.questions[1].id",
       [](v1::Survey& s) { s.mutable_questions(1)->set_id("nps"); }},
      {"survey.questions[0].id",
       [](v1::Survey& s) { s.mutable_questions(0)->set_id("Bad Id"); }},
      {"survey.questions[0].options",
       [](v1::Survey& s) { s.mutable_questions(0)->add_options("x"); }},
      {"survey.questions[3].options",
       [](v1::Survey& s) {
         s.mutable_questions(3)->clear_options();
         s.mutable_questions(3)->add_options("only one");
       }},
      {"survey.questions[4].options[1]",
       [](v1::Survey& s) { s.mutable_questions(4)->set_options(1, "app"); }},
      {"survey.questions[2].kind",
       [](v1::Survey& s) {
         s.mutable_questions(2)->set_kind(static_cast<Q::Kind>(99));
       }},
  };
  for (const Case& c : cases) {
    v1::Survey input = Definition();
    c.spoil(input);
    absl::StatusOr<v1::Survey> result = NormalizeSurveyDefinition(input);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument))
        << c.field;
    EXPECT_EQ(ReasonOf(result.status()), reason::FIELD_INVALID) << c.field;
    EXPECT_EQ(ErrorMetadataOf(result.status())["field"], c.field);
  }
  v1::Survey no_questions = Definition();
  no_questions.clear_questions();
  EXPECT_EQ(ReasonOf(NormalizeSurveyDefinition(no_questions).status()),
            reason::FIELD_REQUIRED);
}

TEST(SurveyRules, ResponsesAreCheckedAgainstTheDefinition) {
  const v1::Survey survey = NormalizeSurveyDefinition(Definition()).value();
  v1::SurveyResponse full = Response(9);
  *full.add_answers() = Score("csat", 4);
  *full.add_answers() = Score("ces", 2);
  v1::SurveyAnswer* reason = full.add_answers();
  reason->set_question_id("reason");
  reason->add_choices("配送");
  v1::SurveyAnswer* liked = full.add_answers();
  liked->set_question_id("liked");
  liked->add_choices("app");
  liked->add_choices("speed");
  v1::SurveyAnswer* comment = full.add_answers();
  comment->set_question_id("comment");
  comment->set_text("很快，谢谢");
  CRM_ASSERT_OK_AND_ASSIGN(NewSurveyResponse normalized,
                           NormalizeSurveyResponse(survey, full));
  EXPECT_EQ(normalized.customer_id, "c1");
  EXPECT_EQ(normalized.channel, "wechat");
  EXPECT_EQ(normalized.answers.size(), 6u);
  ASSERT_EQ(normalized.scored.size(), 3u);
  EXPECT_EQ(normalized.scored[0].kind, Q::NPS);
  EXPECT_EQ(normalized.scored[0].score, 9);

  struct Case {
    const char* field;
    void (*spoil)(v1::SurveyResponse&);
  };
  const Case cases[] = {
      {"response.answers[0].score",
       [](v1::SurveyResponse& r) { r.mutable_answers(0)->set_score(11); }},
      {"response.answers[1].score",
       [](v1::SurveyResponse& r) { *r.add_answers() = Score("csat", 0); }},
      {"response.answers[1].score",
       [](v1::SurveyResponse& r) { *r.add_answers() = Score("ces", 8); }},
      {"response.answers[1].question_id",
       [](v1::SurveyResponse& r) { *r.add_answers() = Score("nps", 3); }},
      {"response.answers[1].question_id",
       [](v1::SurveyResponse& r) { *r.add_answers() = Score("unknown", 3); }},
      {"response.answers[1].choices",
       [](v1::SurveyResponse& r) {
         v1::SurveyAnswer* a = r.add_answers();
         a->set_question_id("reason");
         a->add_choices("价格");
         a->add_choices("质量");
       }},
      {"response.answers[1].choices",
       [](v1::SurveyResponse& r) {
         v1::SurveyAnswer* a = r.add_answers();
         a->set_question_id("liked");
         a->add_choices("not listed");
       }},
      {"response.answers[1]",
       [](v1::SurveyResponse& r) {
         v1::SurveyAnswer* a = r.add_answers();
         a->set_question_id("comment");
         a->set_score(3);
       }},
      {"response.subject",
       [](v1::SurveyResponse& r) { r.set_subject("orders/o-1"); }},
      {"response.channel", [](v1::SurveyResponse& r) { r.set_channel("fax"); }},
  };
  for (const Case& c : cases) {
    v1::SurveyResponse input = Response(9);
    c.spoil(input);
    absl::StatusOr<NewSurveyResponse> result =
        NormalizeSurveyResponse(survey, input);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument))
        << c.field;
    EXPECT_EQ(ReasonOf(result.status()), reason::FIELD_INVALID) << c.field;
    EXPECT_EQ(ErrorMetadataOf(result.status())["field"], c.field);
  }
  v1::SurveyResponse unanswered = Response(9);
  unanswered.clear_answers();
  absl::StatusOr<NewSurveyResponse> missing =
      NormalizeSurveyResponse(survey, unanswered);
  EXPECT_EQ(ReasonOf(missing.status()), reason::FIELD_REQUIRED);
  EXPECT_EQ(ErrorMetadataOf(missing.status())["question_id"], "nps");
}

TEST(SurveyScores, NpsIsPercentPromotersMinusPercentDetractors) {
  const absl::CivilDay day(2026, 3, 4);
  // 10 NPS answers: 5 promoters (9, 10), 3 passives (7, 8), 2 detractors.
  std::vector<ScoreCount> counts = {
      {day, "app", Q::NPS, 10, 3}, {day, "app", Q::NPS, 9, 2},
      {day, "app", Q::NPS, 8, 2},  {day, "web", Q::NPS, 7, 1},
      {day, "web", Q::NPS, 6, 1},  {day, "web", Q::NPS, 0, 1},
      {day, "app", Q::CSAT, 5, 2}, {day, "app", Q::CSAT, 4, 1},
      {day, "web", Q::CSAT, 2, 1}, {day, "app", Q::CES, 2, 3},
      {day, "web", Q::CES, 6, 1},
  };
  std::vector<ResponseCount> responses = {{day, "app", 7}, {day, "web", 3}};
  const v1::SurveyScores scores = ComputeSurveyScores(
      "surveys/s1", counts, responses, {day, day, TrendInterval::kDay});
  const v1::SurveyScores::Scores& total = scores.total();
  EXPECT_EQ(total.responses(), 10);
  EXPECT_EQ(total.nps_answers(), 10);
  EXPECT_EQ(total.promoters(), 5);
  EXPECT_EQ(total.passives(), 3);
  EXPECT_EQ(total.detractors(), 2);
  EXPECT_DOUBLE_EQ(total.nps(), 30.0);           // 50% - 20%.
  EXPECT_DOUBLE_EQ(total.csat_percent(), 75.0);  // 3 of 4 answers are 4-5.
  EXPECT_DOUBLE_EQ(total.ces_mean(), 3.0);       // (2 * 3 + 6) / 4.
  ASSERT_EQ(scores.by_channel_size(), 2);
  EXPECT_EQ(scores.by_channel(0).channel(), "app");
  EXPECT_DOUBLE_EQ(scores.by_channel(0).scores().nps(), 100.0 * 5 / 7);
  EXPECT_EQ(scores.by_channel(1).channel(), "web");
  EXPECT_DOUBLE_EQ(scores.by_channel(1).scores().nps(), -200.0 / 3);

  // Only detractors: -100; nothing: 0 with no answers.
  const v1::SurveyScores worst =
      ComputeSurveyScores("surveys/s1", {{day, "app", Q::NPS, 3, 4}}, {},
                          {day, day, TrendInterval::kDay});
  EXPECT_DOUBLE_EQ(worst.total().nps(), -100.0);
  const v1::SurveyScores none = ComputeSurveyScores(
      "surveys/s1", {}, {}, {day, day, TrendInterval::kDay});
  EXPECT_EQ(none.total().nps_answers(), 0);
  EXPECT_DOUBLE_EQ(none.total().nps(), 0);
}

TEST(SurveyScores, TrendHasOnePointPerIntervalEmptyOnesIncluded) {
  EXPECT_EQ(IntervalStart(absl::CivilDay(2026, 3, 4), TrendInterval::kWeek),
            absl::CivilDay(2026, 3, 2));  // A Wednesday's Monday.
  EXPECT_EQ(IntervalStart(absl::CivilDay(2026, 3, 2), TrendInterval::kWeek),
            absl::CivilDay(2026, 3, 2));
  EXPECT_EQ(IntervalStart(absl::CivilDay(2026, 3, 31), TrendInterval::kMonth),
            absl::CivilDay(2026, 3, 1));
  const std::vector<ScoreCount> counts = {
      {absl::CivilDay(2026, 1, 5), "app", Q::NPS, 10, 1},
      {absl::CivilDay(2026, 3, 9), "app", Q::NPS, 0, 1},
      {absl::CivilDay(2026, 4, 1), "app", Q::NPS, 0, 1},  // Outside.
  };
  const v1::SurveyScores scores =
      ComputeSurveyScores("surveys/s1", counts, {},
                          {absl::CivilDay(2026, 1, 1),
                           absl::CivilDay(2026, 3, 31), TrendInterval::kMonth});
  ASSERT_EQ(scores.trend_size(), 3);
  EXPECT_EQ(crm::common::FromProtoTimestamp(scores.trend(1).start_time()),
            absl::FromCivil(absl::CivilDay(2026, 2, 1), absl::UTCTimeZone()));
  EXPECT_DOUBLE_EQ(scores.trend(0).scores().nps(), 100);
  EXPECT_EQ(scores.trend(1).scores().nps_answers(), 0);
  EXPECT_DOUBLE_EQ(scores.trend(2).scores().nps(), -100);
  EXPECT_EQ(scores.total().nps_answers(), 2);
}

TEST(SurveyRules, QuestionKindsComeFromTheVersionAnswered) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Survey survey,
                           NormalizeSurveyDefinition(Definition()));
  v1::SurveyResponse response;
  *response.add_answers() = Score("csat", 4);
  *response.add_answers() = Score("nps", 9);
  *response.add_answers() = Score("gone", 1);  // Not in this version.
  response.mutable_answers(2)->set_question_kind(Q::NPS);
  SetQuestionKinds(survey, response.mutable_answers());
  EXPECT_EQ(response.answers(0).question_kind(), Q::CSAT);
  EXPECT_EQ(response.answers(1).question_kind(), Q::NPS);
  EXPECT_EQ(response.answers(2).question_kind(), Q::KIND_UNSPECIFIED);
}

class SurveyManagerTest : public ::testing::Test {
 protected:
  absl::StatusOr<v1::Survey> Create(const std::string& request_id) {
    v1::CreateSurveyRequest request;
    *request.mutable_survey() = Definition();
    request.set_request_id(request_id);
    return manager_.CreateSurvey(context_, request);
  }

  absl::StatusOr<v1::SurveyResponse> Answer(const std::string& survey,
                                            int nps) {
    v1::SubmitSurveyResponseRequest request;
    request.set_parent(survey);
    *request.mutable_response() = Response(nps);
    return manager_.SubmitSurveyResponse(context_, request);
  }

  crm::common::RequestContext context_;
  crm::common::FakeClock clock_{absl::FromUnixSeconds(1772582400)};  // 4 Mar
  crm::common::SequentialIdGenerator ids_{"sv"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemorySurveyRepository surveys_{&unit_of_work_};
  crm::testing::InMemorySurveyInvitationRepository invitations_{&unit_of_work_};
  crm::testing::InMemoryConsentRepository consents_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  UnknownValueTiers tiers_;
  SurveyManager manager_{unit_of_work_, surveys_, invitations_, consents_,
                         keys_,         clock_,   ids_,         tiers_};
};

TEST_F(SurveyManagerTest, VersionsEtagsAndResponsesToTheCurrentVersion) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Survey created, Create("s-1"));
  EXPECT_EQ(created.version(), 1);
  EXPECT_FALSE(created.etag().empty());
  CRM_ASSERT_OK_AND_ASSIGN(v1::Survey again, Create("s-1"));
  EXPECT_TRUE(MessageDifferencer::Equals(created, again));

  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyResponse first, Answer(created.name(), 9));
  EXPECT_EQ(first.survey_version(), 1);

  v1::UpdateSurveyRequest update;
  *update.mutable_survey() = created;
  update.mutable_survey()->set_title("New title");
  clock_.Advance(absl::Hours(1));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Survey updated,
                           manager_.UpdateSurvey(context_, update));
  EXPECT_EQ(updated.version(), 2);
  EXPECT_EQ(updated.title(), "New title");
  EXPECT_NE(updated.etag(), created.etag());
  EXPECT_EQ(surveys_.versions().size(), 2u);

  // The old etag no longer matches.
  absl::StatusOr<v1::Survey> stale = manager_.UpdateSurvey(context_, update);
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(ReasonOf(stale.status()), reason::ETAG_MISMATCH);

  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyResponse second,
                           Answer(created.name(), 3));
  EXPECT_EQ(second.survey_version(), 2);

  v1::GetSurveyScoresRequest scores_request;
  scores_request.set_survey(created.name());
  *scores_request.mutable_start_time() =
      crm::common::ToProtoTimestamp(absl::FromUnixSeconds(1772582400));
  *scores_request.mutable_end_time() = scores_request.start_time();
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyScores scores,
                           manager_.GetSurveyScores(context_, scores_request));
  EXPECT_EQ(scores.total().responses(), 2);
  EXPECT_DOUBLE_EQ(scores.total().nps(), 0);  // One promoter, one detractor.
  ASSERT_EQ(scores.trend_size(), 1);

  scores_request.mutable_end_time()->set_seconds(1772582400 - 86400);
  EXPECT_THAT(manager_.GetSurveyScores(context_, scores_request),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(SurveyManagerTest, UnknownSurveysAreNotFound) {
  EXPECT_THAT(Answer("surveys/none", 9), StatusIs(absl::StatusCode::kNotFound));
  v1::GetSurveyRequest get;
  get.set_name("surveys/none");
  EXPECT_THAT(manager_.GetSurvey(context_, get),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(surveys_.responses().empty());
}

TEST_F(SurveyManagerTest, ListsSurveysAndResponsesNewestFirstWithKinds) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Survey first, Create(""));
  clock_.Advance(absl::Minutes(1));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Survey second, Create(""));
  v1::ListSurveysRequest surveys_request;
  surveys_request.set_page_size(1);
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListSurveysResponse surveys,
                           manager_.ListSurveys(context_, surveys_request));
  ASSERT_EQ(surveys.surveys_size(), 1);
  EXPECT_EQ(surveys.surveys(0).name(), second.name());
  surveys_request.set_page_token(surveys.next_page_token());
  CRM_ASSERT_OK_AND_ASSIGN(surveys,
                           manager_.ListSurveys(context_, surveys_request));
  ASSERT_EQ(surveys.surveys_size(), 1);
  EXPECT_EQ(surveys.surveys(0).name(), first.name());
  EXPECT_TRUE(surveys.next_page_token().empty());

  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyResponse older, Answer(first.name(), 9));
  clock_.Advance(absl::Seconds(1));
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyResponse newer, Answer(second.name(), 3));
  EXPECT_EQ(newer.answers(0).question_kind(), Q::NPS);

  v1::ListSurveyResponsesRequest request;
  request.set_parent("surveys/-");
  request.set_filter("customer = \"customers/c1\" AND channel = \"wechat\"");
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListSurveyResponsesResponse listed,
                           manager_.ListSurveyResponses(context_, request));
  ASSERT_EQ(listed.responses_size(), 2);
  EXPECT_EQ(listed.responses(0).name(), newer.name());
  EXPECT_EQ(listed.responses(1).name(), older.name());
  EXPECT_EQ(listed.responses(1).answers(0).question_kind(), Q::NPS);

  request.set_parent(first.name());
  CRM_ASSERT_OK_AND_ASSIGN(listed,
                           manager_.ListSurveyResponses(context_, request));
  ASSERT_EQ(listed.responses_size(), 1);
  EXPECT_EQ(listed.responses(0).name(), older.name());
  request.set_filter("customer = \"customers/other\"");
  CRM_ASSERT_OK_AND_ASSIGN(listed,
                           manager_.ListSurveyResponses(context_, request));
  EXPECT_EQ(listed.responses_size(), 0);
}

TEST_F(SurveyManagerTest, ListSurveyResponsesRejectsBadRequests) {
  v1::ListSurveyResponsesRequest request;
  request.set_parent("surveys/missing");
  EXPECT_THAT(manager_.ListSurveyResponses(context_, request),
              StatusIs(absl::StatusCode::kNotFound));
  request.set_parent("feedback/f1");
  absl::StatusOr<v1::ListSurveyResponsesResponse> result =
      manager_.ListSurveyResponses(context_, request);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ErrorMetadataOf(result.status())["field"], "parent");
  request.set_parent("surveys/-");
  request.set_filter("customer = \"c1\"");
  result = manager_.ListSurveyResponses(context_, request);
  EXPECT_EQ(ReasonOf(result.status()), reason::FILTER_INVALID);
  EXPECT_EQ(ErrorMetadataOf(result.status())["field"], "filter");
  request.clear_filter();
  request.set_page_size(-1);
  result = manager_.ListSurveyResponses(context_, request);
  EXPECT_EQ(ErrorMetadataOf(result.status())["field"], "page_size");
}

}  // namespace
}  // namespace crm::feedback

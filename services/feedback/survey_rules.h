// The rules of surveys, as pure functions: definitions (questions of kinds
// NPS, CSAT, CES, single and multiple choice, free text), responses checked
// against the definition they answer, and the scores of a period.
//
//   CRM_ASSIGN_OR_RETURN(v1::Survey definition,
//                        NormalizeSurveyDefinition(request.survey()));
//   CRM_ASSIGN_OR_RETURN(NewSurveyResponse response,
//                        NormalizeSurveyResponse(definition, input));
//   v1::SurveyScores scores = ComputeSurveyScores(name, counts, responses,
//                                                 period);
//
// Scores (per group of responses):
//   NPS  = % promoters (9-10) - % detractors (0-6) of the NPS answers,
//          from -100 to 100;
//   CSAT = % of the CSAT answers that are 4 or 5;
//   CES  = mean of the CES answers (1-7).
// A group without answers of a kind has 0 for its score and count.
//
// Errors are INVALID_ARGUMENT naming the field path with reason
// FIELD_REQUIRED or FIELD_INVALID.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "crm/feedback/v1/survey.pb.h"

namespace crm::feedback {

namespace v1 = ::crm::feedback::v1;

inline constexpr char kSurveysCollection[] = "surveys";
inline constexpr char kResponsesCollection[] = "responses";
inline constexpr int kMaxQuestions = 50;
inline constexpr int kMaxOptions = 20;
inline constexpr size_t kMaxFreeTextAnswer = 5000;
inline constexpr int kMaxTrendPoints = 400;

// The definition as stored: title and question texts checked, output-only
// fields cleared. FIELD_INVALID (naming e.g. "survey.questions[2].options")
// for: a title or question text empty or too long (title 200, text 500); no
// questions or more than 50; a question id not of 1 to 32 [a-z0-9_] or
// repeated; an unknown kind (UNSPECIFIED is FIELD_REQUIRED); options on a
// non-choice question, or a choice question without 2 to 20 distinct
// options of 1 to 200 characters.
absl::StatusOr<v1::Survey> NormalizeSurveyDefinition(const v1::Survey& input);

// What a survey is sent for, `customers/{c}/orders/{o}` or `tickets/{t}` of
// at most 200 characters; FIELD_INVALID naming `field` otherwise.
absl::Status CheckSurveySubject(absl::string_view subject,
                                absl::string_view field);

// One NPS, CSAT or CES answer of a response.
struct ScoredAnswer {
  v1::SurveyQuestion::Kind kind = v1::SurveyQuestion::KIND_UNSPECIFIED;
  int score = 0;
};

// A response checked against its survey's definition.
struct NewSurveyResponse {
  std::string customer_id;                // Empty: anonymous.
  std::string channel;                    // One of kFeedbackChannels.
  std::string subject;                    // Order or ticket name, or empty.
  std::vector<v1::SurveyAnswer> answers;  // In question order.
  std::vector<ScoredAnswer> scored;
};

// Checks `input` against `survey`: customer (optional,
// `customers/{customer}`), channel (as Feedback.channel), subject (empty,
// `customers/{c}/orders/{o}` or `tickets/{t}`), and every answer: its
// question exists and is answered once; NPS 0-10, CSAT 1-5, CES 1-7; a
// single choice is exactly one option, a multiple choice one or more
// distinct options, all listed; free text valid UTF-8 of at most 5000
// characters; no score, choices or text that the kind does not take. Every
// required question must be answered ("response.answers" FIELD_REQUIRED
// naming none of the answers; metadata names the question).
absl::StatusOr<NewSurveyResponse> NormalizeSurveyResponse(
    const v1::Survey& survey, const v1::SurveyResponse& input);

// `answers` as read back: each answer's question_kind (output only) is the
// kind of its question in `answered`, the survey version the response
// answered; an answer to a question that version lacks gets
// KIND_UNSPECIFIED. Client-sent kinds never survive: they are overwritten.
void SetQuestionKinds(
    const v1::Survey& answered,
    google::protobuf::RepeatedPtrField<v1::SurveyAnswer>* answers);

// Scored answers counted by day (UTC), channel, kind, score and the value
// tier at answer time.
struct ScoreCount {
  absl::CivilDay day;
  std::string channel;
  v1::SurveyQuestion::Kind kind = v1::SurveyQuestion::KIND_UNSPECIFIED;
  int score = 0;
  int64_t answers = 0;
  v1::SurveyResponse::ValueTier value_tier =
      v1::SurveyResponse::VALUE_TIER_UNKNOWN;
  std::string loyalty_tier = {};  // At answer time; empty: unknown.
};

// Responses counted by day (UTC), channel and value tier at answer time.
struct ResponseCount {
  absl::CivilDay day;
  std::string channel;
  int64_t responses = 0;
  v1::SurveyResponse::ValueTier value_tier =
      v1::SurveyResponse::VALUE_TIER_UNKNOWN;
  std::string loyalty_tier = {};  // At answer time; empty: unknown.
};

enum class TrendInterval { kDay, kWeek, kMonth };

// The first day of the interval holding `day`: itself, the Monday of its
// ISO week, or the first of its month.
absl::CivilDay IntervalStart(absl::CivilDay day, TrendInterval interval);

// The days a GetSurveyScores request covers and how its trend is cut.
struct ScorePeriod {
  absl::CivilDay first_day;  // Inclusive.
  absl::CivilDay last_day;   // Inclusive.
  TrendInterval interval = TrendInterval::kDay;
};

// The value of GetSurveyScoresRequest.loyalty_tier selecting the responses
// whose loyalty tier is unknown (upper case: never a tier id).
inline constexpr char kUnknownLoyaltyTierFilter[] = "UNKNOWN";

// The loyalty tier GetSurveyScoresRequest.loyalty_tier selects: nullopt for
// empty (every tier), "" for kUnknownLoyaltyTierFilter, else the tier id
// itself, which must be 1 to 32 characters of [a-z0-9_-] (FIELD_INVALID
// naming loyalty_tier otherwise).
absl::StatusOr<std::optional<std::string>> ParseLoyaltyTierFilter(
    absl::string_view loyalty_tier);

// The scores of the counts within `period`: the total, by channel, by value
// tier (HIGH, MEDIUM, LOW, UNKNOWN, each listed), by loyalty tier (each tier
// id counted, alphabetically, then the unknown tier "", always listed), and
// one trend point per interval from IntervalStart(first_day) to last_day (at
// most kMaxTrendPoints; the caller checks), empty intervals included. With
// `value_tier` other than VALUE_TIER_UNSPECIFIED only the counts of that
// tier are used, and by_value_tier lists that tier alone; likewise with a
// `loyalty_tier` (ParseLoyaltyTierFilter) and by_loyalty_tier.
v1::SurveyScores ComputeSurveyScores(
    absl::string_view survey_name, const std::vector<ScoreCount>& counts,
    const std::vector<ResponseCount>& responses, const ScorePeriod& period,
    v1::SurveyResponse::ValueTier value_tier =
        v1::SurveyResponse::VALUE_TIER_UNSPECIFIED,
    const std::optional<std::string>& loyalty_tier = std::nullopt);

// `surveys/{id}` and `surveys/{survey_id}/responses/{id}`.
std::string SurveyName(absl::string_view id);
std::string SurveyResponseName(absl::string_view survey_id,
                               absl::string_view id);
// The `{survey}` of `surveys/{survey}`; INVALID_ARGUMENT naming `field`.
absl::StatusOr<std::string> SurveyIdOf(absl::string_view name,
                                       absl::string_view field);

}  // namespace crm::feedback

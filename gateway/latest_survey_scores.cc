#include "gateway/latest_survey_scores.h"

#include "absl/strings/string_view.h"

namespace crm::gateway {
namespace {

namespace fb = ::crm::feedback::v1;

// "surveys/s1" of "surveys/s1/responses/r1" ("" for any other shape).
std::string SurveyOf(absl::string_view response) {
  const size_t at = response.find("/responses/");
  return at == absl::string_view::npos ? ""
                                       : std::string(response.substr(0, at));
}

void TakeFirst(const fb::SurveyResponse& response,
               const fb::SurveyAnswer& answer,
               std::optional<LatestSurveyScore>& latest) {
  if (latest.has_value()) return;
  latest.emplace();
  latest->score = answer.score();
  latest->time = response.create_time();
  latest->survey = SurveyOf(response.name());
  latest->response = response.name();
}

}  // namespace

LatestSurveyScores LatestSurveyScoresOf(
    const fb::ListSurveyResponsesResponse& page) {
  LatestSurveyScores latest;
  for (const fb::SurveyResponse& response : page.responses()) {
    for (const fb::SurveyAnswer& answer : response.answers()) {
      if (answer.question_kind() == fb::SurveyQuestion::NPS) {
        TakeFirst(response, answer, latest.nps);
      } else if (answer.question_kind() == fb::SurveyQuestion::CSAT) {
        TakeFirst(response, answer, latest.csat);
      }
    }
    if (latest.nps.has_value() && latest.csat.has_value()) break;
  }
  return latest;
}

}  // namespace crm::gateway

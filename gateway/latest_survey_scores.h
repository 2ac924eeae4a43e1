// The customer 360 view's `latestNps` and `latestCsat` (pure): the newest
// NPS and CSAT answer among one customer's survey responses, read from one
// ListSurveyResponses page over `surveys/-`.
//
//   LatestSurveyScores latest = LatestSurveyScoresOf(page);
//   if (latest.nps.has_value()) ... latest.nps->score ...
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <cstdint>
#include <optional>
#include <string>

#include "crm/feedback/v1/feedback_service.pb.h"

namespace crm::gateway {

struct LatestSurveyScore {
  int32_t score = 0;
  // The response's create_time.
  google::protobuf::Timestamp time;
  // The survey answered, `surveys/{survey}` (the response's parent).
  std::string survey;
  // The response, `surveys/{survey}/responses/{response}`.
  std::string response;
};

struct LatestSurveyScores {
  std::optional<LatestSurveyScore> nps;
  std::optional<LatestSurveyScore> csat;
};

// `page` must be newest first (as ListSurveyResponses answers). For each of
// NPS and CSAT: the first response of the page with an answer whose
// `question_kind` is that kind (its first such answer); nullopt when no
// response of the page has one.
LatestSurveyScores LatestSurveyScoresOf(
    const crm::feedback::v1::ListSurveyResponsesResponse& page);

}  // namespace crm::gateway

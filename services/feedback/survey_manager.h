// Surveys' domain logic over the storage seam and the survey repository:
// versioned definitions (survey_rules.h), responses checked against the
// current version, the lists of surveys and of responses, and NPS/CSAT/CES
// scores of a period with trend series.
// Mutations are idempotent on their request_id. No SQL and no gRPC here.
//
//   SurveyManager manager(unit_of_work, surveys, idempotency, clock, ids);
//   absl::StatusOr<v1::Survey> survey = manager.CreateSurvey(ctx, request);
//
// Thread-safe: every call runs in its own unit of work.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "crm/feedback/v1/feedback_service.pb.h"
#include "crm/feedback/v1/survey.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/feedback/survey_repository.h"

namespace crm::feedback {

class SurveyManager {
 public:
  // Every argument must outlive the manager.
  SurveyManager(crm::common::UnitOfWork& unit_of_work,
                SurveyRepository& surveys,
                crm::common::IdempotencyRepository& idempotency,
                const crm::common::Clock& clock,
                const crm::common::IdGenerator& ids)
      : unit_of_work_(unit_of_work),
        surveys_(surveys),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids) {}
  SurveyManager(const SurveyManager&) = delete;
  SurveyManager& operator=(const SurveyManager&) = delete;

  // Stores the normalised definition (NormalizeSurveyDefinition) as version
  // 1 of a new `surveys/{id}`. INVALID_ARGUMENT naming the field.
  absl::StatusOr<v1::Survey> CreateSurvey(
      const crm::common::RequestContext& context,
      const v1::CreateSurveyRequest& request);

  // The current version; NOT_FOUND if there is none.
  absl::StatusOr<v1::Survey> GetSurvey(
      const crm::common::RequestContext& context,
      const v1::GetSurveyRequest& request);

  // Makes the next version with the request's title and questions. The etag
  // is required (FIELD_REQUIRED) and must be the current one: ABORTED with
  // reason ETAG_MISMATCH otherwise. NOT_FOUND for an unknown survey.
  absl::StatusOr<v1::Survey> UpdateSurvey(
      const crm::common::RequestContext& context,
      const v1::UpdateSurveyRequest& request);

  // Stores a response to the current version (NormalizeSurveyResponse).
  // NOT_FOUND for an unknown survey; INVALID_ARGUMENT naming the field.
  absl::StatusOr<v1::SurveyResponse> SubmitSurveyResponse(
      const crm::common::RequestContext& context,
      const v1::SubmitSurveyResponseRequest& request);

  // Surveys at their current version, newest first (create_time, then id,
  // descending), in keyset pages: page_size 0 means 50, more than 1000
  // means 1000, negative is INVALID_ARGUMENT naming page_size; a malformed
  // or foreign page_token is INVALID_ARGUMENT naming page_token.
  absl::StatusOr<v1::ListSurveysResponse> ListSurveys(
      const crm::common::RequestContext& context,
      const v1::ListSurveysRequest& request);

  // Responses of `parent` (`surveys/{survey}`, or `surveys/-` for every
  // survey) matching `filter` (survey_response_filter.h), newest first
  // (create_time, then id, descending), paged as ListSurveys; a page_token
  // is accepted only with the parent and filter it was issued for. Each
  // answer carries its question's kind in the version answered.
  // INVALID_ARGUMENT naming `parent` for another form, FILTER_INVALID naming
  // `filter`; NOT_FOUND for an unknown survey.
  absl::StatusOr<v1::ListSurveyResponsesResponse> ListSurveyResponses(
      const crm::common::RequestContext& context,
      const v1::ListSurveyResponsesRequest& request);

  // ComputeSurveyScores over the UTC days of [start_time, end_time].
  // INVALID_ARGUMENT naming end_time when it is before start_time or the
  // trend would have more than 400 points; NOT_FOUND for an unknown survey.
  absl::StatusOr<v1::SurveyScores> GetSurveyScores(
      const crm::common::RequestContext& context,
      const v1::GetSurveyScoresRequest& request);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  SurveyRepository& surveys_;
  crm::common::IdempotencyRepository& idempotency_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
};

// The API form of a stored version.
v1::Survey ToSurveyProto(const SurveyRecord& survey);

// The API form of a stored response; `answered` is the definition of the
// version it answered, whose question kinds the answers carry
// (SetQuestionKinds).
v1::SurveyResponse ToSurveyResponseProto(const SurveyResponseRecord& response,
                                         const v1::Survey& answered);

// The API form of `responses`, in order, each with the question kinds of
// the version it answered, read from `surveys` in `tx` once per version.
// An error of the repository (a version missing is DATA_LOSS) is returned.
absl::StatusOr<std::vector<v1::SurveyResponse>> ToSurveyResponseProtos(
    SurveyRepository& surveys, crm::common::Transaction& tx,
    const std::vector<SurveyResponseRecord>& responses);

}  // namespace crm::feedback

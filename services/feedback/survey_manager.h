// Surveys' domain logic over the storage seam and the survey repository:
// versioned definitions (survey_rules.h), responses checked against the
// current version, and NPS/CSAT/CES scores of a period with trend series.
// Mutations are idempotent on their request_id. No SQL and no gRPC here.
//
//   SurveyManager manager(unit_of_work, surveys, idempotency, clock, ids);
//   absl::StatusOr<v1::Survey> survey = manager.CreateSurvey(ctx, request);
//
// Thread-safe: every call runs in its own unit of work.
#pragma once

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
v1::SurveyResponse ToSurveyResponseProto(const SurveyResponseRecord& response);

}  // namespace crm::feedback

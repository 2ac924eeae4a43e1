// The journey resource (journey.proto): create (idempotent on
// `request_id`; an ISSUE_COUPON journey's reward must exist, a SEND_SURVEY
// journey needs feedback configured), get, list,
// pause and resume (etag checked when given, idempotent on `request_id`)
// and the audit of runs (ListJourneyRuns). The runs themselves are the
// journey engine's (journey_engine.h).
//
//   JourneyManager manager(unit_of_work, journeys, rewards, idempotency,
//                          clock, ids);
//   absl::StatusOr<v1::Journey> journey =
//       manager.CreateJourney(context, request);
#pragma once

#include "absl/status/statusor.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/journey_repository.h"
#include "services/loyalty/reward_repository.h"
#include "services/loyalty/survey_sender.h"

namespace crm::loyalty {

class JourneyManager {
 public:
  // Every argument must outlive the manager. `surveys`: feedback, which
  // the journey engine sends surveys through (--feedback_addr); null when
  // not configured.
  JourneyManager(crm::common::UnitOfWork& unit_of_work,
                 JourneyRepository& journeys, RewardRepository& rewards,
                 crm::common::IdempotencyRepository& idempotency,
                 const crm::common::Clock& clock,
                 const crm::common::IdGenerator& ids,
                 SurveySender* surveys = nullptr)
      : unit_of_work_(unit_of_work),
        journeys_(journeys),
        rewards_(rewards),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids),
        surveys_(surveys) {}
  JourneyManager(const JourneyManager&) = delete;
  JourneyManager& operator=(const JourneyManager&) = delete;

  // ValidateNewJourney (journey_rules.h), INVALID_ARGUMENT naming the field;
  // NOT_FOUND naming `journey.action.reward` for an unknown reward and
  // `journey.action.survey` for a survey feedback does not have (asked
  // within 5 s and the request's deadline; UNAVAILABLE when feedback
  // cannot say); FAILED_PRECONDITION naming `journey.action` for
  // SEND_SURVEY without feedback configured.
  absl::StatusOr<v1::Journey> CreateJourney(
      const crm::common::RequestContext& context,
      const v1::CreateJourneyRequest& request);
  // NOT_FOUND (the name) for an unknown journey.
  absl::StatusOr<v1::Journey> GetJourney(
      const crm::common::RequestContext& context,
      const v1::GetJourneyRequest& request);
  // Lowest id first, keyset pages.
  absl::StatusOr<v1::ListJourneysResponse> ListJourneys(
      const crm::common::RequestContext& context,
      const v1::ListJourneysRequest& request);
  // PAUSED / ACTIVE; the same state again changes nothing (etag kept).
  // ETAG_MISMATCH when a given etag is not the stored one.
  absl::StatusOr<v1::Journey> PauseJourney(
      const crm::common::RequestContext& context,
      const v1::PauseJourneyRequest& request);
  absl::StatusOr<v1::Journey> ResumeJourney(
      const crm::common::RequestContext& context,
      const v1::ResumeJourneyRequest& request);
  // Newest first; `customer` filters; NOT_FOUND for an unknown journey.
  absl::StatusOr<v1::ListJourneyRunsResponse> ListJourneyRuns(
      const crm::common::RequestContext& context,
      const v1::ListJourneyRunsRequest& request);

 private:
  // OK when feedback has `survey`; the errors of CreateJourney otherwise.
  absl::Status CheckSurvey(const crm::common::RequestContext& context,
                           const std::string& survey) const;
  absl::StatusOr<v1::Journey> SetState(
      const crm::common::RequestContext& context, const char* method,
      const google::protobuf::Message& request, const std::string& name,
      const std::string& etag, const std::string& request_id,
      v1::Journey::State state);

  crm::common::UnitOfWork& unit_of_work_;
  JourneyRepository& journeys_;
  RewardRepository& rewards_;
  crm::common::IdempotencyRepository& idempotency_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
  SurveySender* const surveys_;
};

}  // namespace crm::loyalty

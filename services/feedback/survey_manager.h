// Surveys' domain logic over the storage seam and the survey repositories:
// versioned definitions (survey_rules.h), invitations gated by the
// customer's consent (survey_invitation_rules.h), responses checked against
// the current version and stamped with the customer's value tier, the lists
// of surveys, invitations and responses, and NPS/CSAT/CES scores of a period
// with trend series, by channel and by value tier.
// Mutations are idempotent on their request_id. No SQL and no gRPC here.
//
//   SurveyManager manager(unit_of_work, surveys, invitations, consents,
//                         idempotency, clock, ids, tiers);
//   absl::StatusOr<v1::Survey> survey = manager.CreateSurvey(ctx, request);
//
// Thread-safe: every call runs in its own unit of work.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "crm/feedback/v1/feedback_service.pb.h"
#include "crm/feedback/v1/survey.pb.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/consents/consent_repository.h"
#include "services/feedback/alert_raiser.h"
#include "services/feedback/customer_segment_source.h"
#include "services/feedback/loyalty_tier_source.h"
#include "services/feedback/survey_invitation_repository.h"
#include "services/feedback/survey_repository.h"
#include "services/feedback/value_tier_source.h"

namespace crm::feedback {

class SurveyManager {
 public:
  // Every argument must outlive the manager.
  // `tiers`, `loyalty_tiers` and `segments` are asked once per response
  // with a customer, outside any transaction, and never block longer than
  // their deadlines; a null `loyalty_tiers` knows no loyalty tier, a null
  // `segments` no segment. `feed` receives a SURVEY_ANSWERED event
  // (feedback_change_feed.h) in the transaction of every response
  // recorded; null: no feed.
  SurveyManager(crm::common::UnitOfWork& unit_of_work,
                SurveyRepository& surveys,
                SurveyInvitationRepository& invitations,
                crm::consents::ConsentRepository& consents,
                crm::common::IdempotencyRepository& idempotency,
                const crm::common::Clock& clock,
                const crm::common::IdGenerator& ids, ValueTierSource& tiers,
                AlertRaiser* alerts = nullptr,
                LoyaltyTierSource* loyalty_tiers = nullptr,
                CustomerSegmentSource* segments = nullptr,
                crm::common::ChangeFeedWriter* feed = nullptr)
      : unit_of_work_(unit_of_work),
        surveys_(surveys),
        invitations_(invitations),
        consents_(consents),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids),
        tiers_(tiers),
        alerts_(alerts),
        loyalty_tiers_(loyalty_tiers),
        segments_(segments),
        feed_(feed) {}
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

  // Stores a response to the current version (NormalizeSurveyResponse) with
  // the customer's value tier now (ValueTierSource; VALUE_TIER_UNKNOWN for
  // an anonymous response or when the source does not answer in time) and
  // loyalty tier now (LoyaltyTierSource; "" likewise, never a refusal), and
  // the segments it is in now (CustomerSegmentSource; none likewise).
  // With `response.invitation` (of the same survey, else FIELD_INVALID;
  // NOT_FOUND if unknown) the customer and subject are the invitation's (a
  // different value sent is FIELD_INVALID) and the invitation becomes
  // ANSWERED in the same transaction; an invitation already answered is
  // FAILED_PRECONDITION (RESOURCE_STATE_CONFLICT, metadata `resource` the
  // invitation). NOT_FOUND for an unknown survey; INVALID_ARGUMENT naming
  // the field. SURVEY_ANSWERED is appended to the feed in the same
  // transaction, its last write; a repeated request appends nothing.
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

  // Records an invitation of survey `parent` (NormalizeSurveyInvitation):
  // SENT, at most one per survey and subject — another request for the same
  // subject is ALREADY_EXISTS (RESOURCE_ALREADY_EXISTS, metadata `resource`
  // the existing invitation; a repeat of the same request_id returns the
  // first response instead). The customer's consent for the channel, as last
  // seen on customer-profile's feed, must be granted: FAILED_PRECONDITION
  // with reason CONSENT_REQUIRED otherwise (CheckInvitationConsent).
  // NOT_FOUND for an unknown survey.
  absl::StatusOr<v1::SurveyInvitation> CreateSurveyInvitation(
      const crm::common::RequestContext& context,
      const v1::CreateSurveyInvitationRequest& request);

  // Invitations of `parent` (`surveys/{survey}`, or `surveys/-`) matching
  // `filter` (survey_invitation_filter.h), newest first, paged as
  // ListSurveyResponses. INVALID_ARGUMENT naming `parent` for another form,
  // FILTER_INVALID naming `filter`; NOT_FOUND for an unknown survey.
  absl::StatusOr<v1::ListSurveyInvitationsResponse> ListSurveyInvitations(
      const crm::common::RequestContext& context,
      const v1::ListSurveyInvitationsRequest& request);

  // ComputeSurveyScores over the UTC days of [start_time, end_time], of the
  // responses of `value_tier` and of `loyalty_tier` (ParseLoyaltyTierFilter;
  // the tiers at answer time) when they are set, and of the responses stored
  // with `segment` (`segments/{id}`) when it is set. INVALID_ARGUMENT naming
  // end_time when it is before start_time or the trend would have more than
  // 400 points, naming value_tier for an unknown tier, naming loyalty_tier
  // for a malformed one, naming segment for another form; NOT_FOUND for an
  // unknown survey.
  absl::StatusOr<v1::SurveyScores> GetSurveyScores(
      const crm::common::RequestContext& context,
      const v1::GetSurveyScoresRequest& request);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  SurveyRepository& surveys_;
  SurveyInvitationRepository& invitations_;
  crm::consents::ConsentRepository& consents_;
  crm::common::IdempotencyRepository& idempotency_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
  ValueTierSource& tiers_;
  // Raises DETRACTOR_TOP_TIER (AlertRaiser::OnSurveyResponse); null: none.
  AlertRaiser* const alerts_;
  // The loyalty tier at answer time; null: always unknown ("").
  LoyaltyTierSource* const loyalty_tiers_;
  // The segments at answer time; null: none.
  CustomerSegmentSource* const segments_;
  // Feedback's change feed; null: none.
  crm::common::ChangeFeedWriter* const feed_;
};

// The API form of a stored version.
v1::Survey ToSurveyProto(const SurveyRecord& survey);

// The API form of a stored invitation.
v1::SurveyInvitation ToSurveyInvitationProto(
    const SurveyInvitationRecord& invitation);

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

#include "services/feedback/survey_manager.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/common/error_details.h"
#include "services/common/etag.h"
#include "services/common/field_behavior.h"
#include "services/common/idempotency_store.h"
#include "services/common/keyset_page.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/feedback/feedback_change_feed.h"
#include "services/feedback/feedback_validation.h"
#include "services/feedback/survey_invitation_filter.h"
#include "services/feedback/survey_invitation_rules.h"
#include "services/feedback/survey_response_filter.h"
#include "services/feedback/survey_rules.h"

namespace crm::feedback {
namespace {

using ::crm::common::Page;
using ::crm::common::PageRequest;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::consents::ConsentAnswer;

// The parent of ListSurveyResponses naming every survey.
constexpr char kEverySurvey[] = "surveys/-";

constexpr char kCreateSurveyMethod[] = "CreateSurvey";
constexpr char kUpdateSurveyMethod[] = "UpdateSurvey";
constexpr char kSubmitSurveyResponseMethod[] = "SubmitSurveyResponse";
constexpr char kCreateSurveyInvitationMethod[] = "CreateSurveyInvitation";

// The API form of a tier from the value tier source.
v1::SurveyResponse::ValueTier ToProtoValueTier(ValueTier tier) {
  switch (tier) {
    case ValueTier::kHigh:
      return v1::SurveyResponse::HIGH;
    case ValueTier::kMedium:
      return v1::SurveyResponse::MEDIUM;
    case ValueTier::kLow:
      return v1::SurveyResponse::LOW;
    case ValueTier::kUnknown:
      break;
  }
  return v1::SurveyResponse::VALUE_TIER_UNKNOWN;
}

// The bare id of `parent` (`surveys/{survey}`), or empty for `surveys/-`.
absl::StatusOr<std::string> ParentSurveyIdOf(const std::string& parent) {
  if (parent == kEverySurvey) return std::string();
  return SurveyIdOf(parent, "parent");
}

absl::CivilDay UtcDay(absl::Time time) {
  return absl::ToCivilDay(time, absl::UTCTimeZone());
}

TrendInterval IntervalOf(v1::GetSurveyScoresRequest::Interval interval) {
  switch (interval) {
    case v1::GetSurveyScoresRequest::WEEK:
      return TrendInterval::kWeek;
    case v1::GetSurveyScoresRequest::MONTH:
      return TrendInterval::kMonth;
    default:
      return TrendInterval::kDay;
  }
}

}  // namespace

v1::Survey ToSurveyProto(const SurveyRecord& survey) {
  v1::Survey proto = survey.definition;
  proto.set_name(SurveyName(survey.id));
  proto.set_version(survey.version);
  *proto.mutable_create_time() =
      crm::common::ToProtoTimestamp(survey.create_time);
  *proto.mutable_update_time() =
      crm::common::ToProtoTimestamp(survey.update_time);
  proto.set_etag(crm::common::EncodeEtag(survey.version));
  return proto;
}

v1::SurveyInvitation ToSurveyInvitationProto(
    const SurveyInvitationRecord& invitation) {
  v1::SurveyInvitation proto;
  proto.set_name(SurveyInvitationName(invitation.survey_id, invitation.id));
  proto.set_customer(CustomerName(invitation.customer_id));
  proto.set_subject(invitation.subject);
  proto.set_channel(invitation.channel);
  proto.set_state(invitation.response_id.empty()
                      ? v1::SurveyInvitation::SENT
                      : v1::SurveyInvitation::ANSWERED);
  if (!invitation.response_id.empty()) {
    proto.set_response(
        SurveyResponseName(invitation.survey_id, invitation.response_id));
  }
  *proto.mutable_create_time() =
      crm::common::ToProtoTimestamp(invitation.create_time);
  if (invitation.answer_time.has_value()) {
    *proto.mutable_answer_time() =
        crm::common::ToProtoTimestamp(*invitation.answer_time);
  }
  return proto;
}

v1::SurveyResponse ToSurveyResponseProto(const SurveyResponseRecord& response,
                                         const v1::Survey& answered) {
  v1::SurveyResponse proto;
  proto.set_name(SurveyResponseName(response.survey_id, response.id));
  if (!response.customer_id.empty()) {
    proto.set_customer(CustomerName(response.customer_id));
  }
  proto.set_channel(response.channel);
  proto.set_subject(response.subject);
  for (const v1::SurveyAnswer& answer : response.answers) {
    *proto.add_answers() = answer;
  }
  SetQuestionKinds(answered, proto.mutable_answers());
  proto.set_survey_version(response.survey_version);
  *proto.mutable_create_time() =
      crm::common::ToProtoTimestamp(response.create_time);
  if (!response.invitation_id.empty()) {
    proto.set_invitation(
        SurveyInvitationName(response.survey_id, response.invitation_id));
  }
  proto.set_value_tier(response.value_tier);
  proto.set_loyalty_tier(response.loyalty_tier);
  return proto;
}

absl::StatusOr<std::vector<v1::SurveyResponse>> ToSurveyResponseProtos(
    SurveyRepository& surveys, Transaction& tx,
    const std::vector<SurveyResponseRecord>& responses) {
  std::map<std::pair<std::string, int32_t>, v1::Survey> versions;
  std::vector<v1::SurveyResponse> protos;
  protos.reserve(responses.size());
  for (const SurveyResponseRecord& response : responses) {
    const std::pair<std::string, int32_t> key(response.survey_id,
                                              response.survey_version);
    auto found = versions.find(key);
    if (found == versions.end()) {
      absl::StatusOr<SurveyRecord> version =
          surveys.GetVersion(tx, key.first, key.second);
      if (absl::IsNotFound(version.status())) {
        return absl::DataLossError("a response's survey version is missing");
      }
      if (!version.ok()) return version.status();
      found = versions.emplace(key, std::move(version->definition)).first;
    }
    protos.push_back(ToSurveyResponseProto(response, found->second));
  }
  return protos;
}

absl::StatusOr<v1::Survey> SurveyManager::CreateSurvey(
    const RequestContext& context, const v1::CreateSurveyRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  v1::CreateSurveyRequest input = request;
  crm::common::ClearOutputOnlyFields(&input);
  input.mutable_survey()->clear_name();
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(input.request_id()));
  CRM_ASSIGN_OR_RETURN(v1::Survey definition,
                       NormalizeSurveyDefinition(input.survey()));
  return crm::common::RunIdempotent<v1::Survey>(
      unit_of_work_, idempotency_, clock_, context, kCreateSurveyMethod,
      input.request_id(), input,
      [&](Transaction& tx) -> absl::StatusOr<v1::Survey> {
        SurveyRecord survey;
        survey.id = ids_.NewId();
        survey.version = 1;
        survey.definition = definition;
        survey.create_time = crm::common::TruncateToMicros(clock_.Now());
        survey.update_time = survey.create_time;
        CRM_RETURN_IF_ERROR(surveys_.Insert(tx, survey));
        return ToSurveyProto(survey);
      });
}

absl::StatusOr<v1::Survey> SurveyManager::GetSurvey(
    const RequestContext& context, const v1::GetSurveyRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string id, SurveyIdOf(request.name(), "name"));
  CRM_ASSIGN_OR_RETURN(
      SurveyRecord survey,
      unit_of_work_.Read<SurveyRecord>(
          context, [&](Transaction& tx) -> absl::StatusOr<SurveyRecord> {
            return surveys_.Get(tx, id, /*for_update=*/false);
          }));
  return ToSurveyProto(survey);
}

absl::StatusOr<v1::Survey> SurveyManager::UpdateSurvey(
    const RequestContext& context, const v1::UpdateSurveyRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string id,
                       SurveyIdOf(request.survey().name(), "survey.name"));
  if (request.survey().etag().empty()) {
    return crm::common::RequiredFieldError("survey.etag");
  }
  CRM_ASSIGN_OR_RETURN(int64_t expected_version,
                       crm::common::DecodeEtag(request.survey().etag()));
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(request.request_id()));
  CRM_ASSIGN_OR_RETURN(v1::Survey definition,
                       NormalizeSurveyDefinition(request.survey()));
  return crm::common::RunIdempotent<v1::Survey>(
      unit_of_work_, idempotency_, clock_, context, kUpdateSurveyMethod,
      request.request_id(), request,
      [&](Transaction& tx) -> absl::StatusOr<v1::Survey> {
        CRM_ASSIGN_OR_RETURN(SurveyRecord survey,
                             surveys_.Get(tx, id, /*for_update=*/true));
        if (survey.version != expected_version) {
          return crm::common::EtagMismatchError(SurveyName(id));
        }
        survey.version += 1;
        survey.definition = definition;
        survey.update_time = crm::common::TruncateToMicros(clock_.Now());
        CRM_RETURN_IF_ERROR(surveys_.SaveVersion(tx, survey));
        return ToSurveyProto(survey);
      });
}

absl::StatusOr<v1::SurveyResponse> SurveyManager::SubmitSurveyResponse(
    const RequestContext& context,
    const v1::SubmitSurveyResponseRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  v1::SubmitSurveyResponseRequest input = request;
  crm::common::ClearOutputOnlyFields(&input);
  input.mutable_response()->clear_name();
  CRM_ASSIGN_OR_RETURN(std::string survey_id,
                       SurveyIdOf(input.parent(), "parent"));
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(input.request_id()));
  // The invitation answered, if any: of this survey.
  std::optional<SurveyInvitationId> invitation;
  if (!input.response().invitation().empty()) {
    CRM_ASSIGN_OR_RETURN(invitation,
                         SurveyInvitationIdOf(input.response().invitation(),
                                              "response.invitation"));
    if (invitation->survey_id != survey_id) {
      return crm::common::InvalidFieldError(
          "response.invitation",
          "must be an invitation of the survey answered");
    }
  }
  // Who answers (the invitation's customer, else the response's), asked for
  // their value tier before any transaction: the source has its own
  // deadline and an unanswered question is VALUE_TIER_UNKNOWN.
  std::string customer_id;
  if (invitation.has_value()) {
    CRM_ASSIGN_OR_RETURN(
        SurveyInvitationRecord invited,
        unit_of_work_.Read<SurveyInvitationRecord>(
            context,
            [&](Transaction& tx) -> absl::StatusOr<SurveyInvitationRecord> {
              return invitations_.Get(tx, survey_id, invitation->id,
                                      /*for_update=*/false);
            }));
    customer_id = invited.customer_id;
  } else {
    const absl::string_view customer =
        absl::StripAsciiWhitespace(input.response().customer());
    if (!customer.empty()) {
      CRM_ASSIGN_OR_RETURN(customer_id,
                           CustomerIdOf(customer, "response.customer"));
    }
  }
  const v1::SurveyResponse::ValueTier value_tier =
      customer_id.empty() ? v1::SurveyResponse::VALUE_TIER_UNKNOWN
                          : ToProtoValueTier(tiers_.TierOf(customer_id));
  // Likewise the loyalty tier: unknown ("") when it cannot be learnt.
  const std::string loyalty_tier =
      customer_id.empty() || loyalty_tiers_ == nullptr
          ? std::string()
          : loyalty_tiers_->LoyaltyTierOf(customer_id);
  // Likewise the segments: none when they cannot be learnt.
  std::vector<std::string> segment_ids;
  if (!customer_id.empty() && segments_ != nullptr) {
    std::set<std::string> distinct;
    for (std::string& id : segments_->SegmentIdsOf(customer_id)) {
      distinct.insert(std::move(id));
    }
    segment_ids.assign(distinct.begin(), distinct.end());
  }
  // DETRACTOR_TOP_TIER's loyalty standing, asked before the transaction
  // (with the client's deadline) only for an NPS detractor answer of the
  // current version; whatever cannot be read now raises nothing.
  CustomerStanding standing;
  if (alerts_ != nullptr && !customer_id.empty()) {
    absl::StatusOr<SurveyRecord> current = unit_of_work_.Read<SurveyRecord>(
        context, [&](Transaction& tx) -> absl::StatusOr<SurveyRecord> {
          return surveys_.Get(tx, survey_id, /*for_update=*/false);
        });
    if (current.ok()) {
      absl::StatusOr<NewSurveyResponse> answers =
          NormalizeSurveyResponse(current->definition, input.response());
      if (answers.ok()) {
        standing =
            alerts_->StandingForSurveyResponse(customer_id, answers->scored);
      }
    }
  }
  bool appended = false;
  absl::StatusOr<v1::SurveyResponse> result =
      crm::common::RunIdempotent<v1::SurveyResponse>(
          unit_of_work_, idempotency_, clock_, context,
          kSubmitSurveyResponseMethod, input.request_id(), input,
          [&](Transaction& tx) -> absl::StatusOr<v1::SurveyResponse> {
            appended = false;
            CRM_ASSIGN_OR_RETURN(
                SurveyRecord survey,
                surveys_.Get(tx, survey_id, /*for_update=*/false));
            CRM_ASSIGN_OR_RETURN(
                NewSurveyResponse normalized,
                NormalizeSurveyResponse(survey.definition, input.response()));
            if (invitation.has_value()) {
              CRM_ASSIGN_OR_RETURN(
                  SurveyInvitationRecord invited,
                  invitations_.Get(tx, survey_id, invitation->id,
                                   /*for_update=*/true));
              if (!invited.response_id.empty()) {
                return crm::common::StateConflictError(
                    SurveyInvitationName(survey_id, invited.id),
                    "response.invitation: the invitation was already answered");
              }
              if (!normalized.customer_id.empty() &&
                  normalized.customer_id != invited.customer_id) {
                return crm::common::InvalidFieldError(
                    "response.customer",
                    "must be empty or the invited customer");
              }
              if (!normalized.subject.empty() &&
                  normalized.subject != invited.subject) {
                return crm::common::InvalidFieldError(
                    "response.subject",
                    "must be empty or the invitation's subject");
              }
              normalized.customer_id = invited.customer_id;
              normalized.subject = invited.subject;
            }
            SurveyResponseRecord record;
            record.id = ids_.NewId();
            record.survey_id = survey_id;
            record.survey_version = survey.version;
            record.customer_id = std::move(normalized.customer_id);
            record.channel = std::move(normalized.channel);
            record.subject = std::move(normalized.subject);
            record.answers = std::move(normalized.answers);
            record.scored = std::move(normalized.scored);
            record.create_time = crm::common::TruncateToMicros(clock_.Now());
            record.value_tier = value_tier;
            record.loyalty_tier = loyalty_tier;
            record.segment_ids = segment_ids;
            if (invitation.has_value()) record.invitation_id = invitation->id;
            CRM_RETURN_IF_ERROR(surveys_.InsertResponse(tx, record));
            if (invitation.has_value()) {
              CRM_RETURN_IF_ERROR(invitations_.MarkAnswered(
                  tx, invitation->id, record.id, record.create_time));
            }
            if (alerts_ != nullptr) {
              CRM_RETURN_IF_ERROR(
                  alerts_->OnSurveyResponse(tx, record, standing));
            }
            // The last write before the idempotency key: after every lock.
            CRM_RETURN_IF_ERROR(AppendSurveyAnswered(feed_, tx, record));
            appended = feed_ != nullptr;
            return ToSurveyResponseProto(record, survey.definition);
          });
  if (result.ok() && appended) feed_->NotifyCommitted();
  return result;
}

absl::StatusOr<v1::SurveyInvitation> SurveyManager::CreateSurveyInvitation(
    const RequestContext& context,
    const v1::CreateSurveyInvitationRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  v1::CreateSurveyInvitationRequest input = request;
  crm::common::ClearOutputOnlyFields(&input);
  input.mutable_invitation()->clear_name();
  CRM_ASSIGN_OR_RETURN(std::string survey_id,
                       SurveyIdOf(input.parent(), "parent"));
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(input.request_id()));
  CRM_ASSIGN_OR_RETURN(NewSurveyInvitation normalized,
                       NormalizeSurveyInvitation(input.invitation()));
  return crm::common::RunIdempotent<v1::SurveyInvitation>(
      unit_of_work_, idempotency_, clock_, context,
      kCreateSurveyInvitationMethod, input.request_id(), input,
      [&](Transaction& tx) -> absl::StatusOr<v1::SurveyInvitation> {
        CRM_RETURN_IF_ERROR(
            surveys_.Get(tx, survey_id, /*for_update=*/false).status());
        CRM_ASSIGN_OR_RETURN(
            std::optional<SurveyInvitationRecord> existing,
            invitations_.FindBySubject(tx, survey_id, normalized.subject));
        if (existing.has_value()) {
          return crm::common::AlreadyExistsError(
              SurveyInvitationName(survey_id, existing->id),
              "invitation.subject: the survey already has an invitation for "
              "this order or ticket");
        }
        CRM_ASSIGN_OR_RETURN(std::vector<ConsentAnswer> answers,
                             consents_.Find(tx, normalized.customer_id));
        CRM_RETURN_IF_ERROR(CheckInvitationConsent(normalized, answers));
        SurveyInvitationRecord record;
        record.id = ids_.NewId();
        record.survey_id = survey_id;
        record.customer_id = normalized.customer_id;
        record.subject = normalized.subject;
        record.channel = normalized.channel;
        record.create_time = crm::common::TruncateToMicros(clock_.Now());
        absl::Status inserted = invitations_.Insert(tx, record);
        if (absl::IsAlreadyExists(inserted)) {
          // A concurrent request for the same subject committed first.
          return crm::common::AlreadyExistsError(
              SurveyName(survey_id),
              "invitation.subject: the survey already has an invitation for "
              "this order or ticket");
        }
        CRM_RETURN_IF_ERROR(inserted);
        return ToSurveyInvitationProto(record);
      });
}

absl::StatusOr<v1::ListSurveyInvitationsResponse>
SurveyManager::ListSurveyInvitations(
    const RequestContext& context,
    const v1::ListSurveyInvitationsRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  // Empty: every survey.
  CRM_ASSIGN_OR_RETURN(std::string survey_id,
                       ParentSurveyIdOf(request.parent()));
  CRM_ASSIGN_OR_RETURN(SurveyInvitationQuery filter,
                       ParseSurveyInvitationFilter(request.filter()));
  // The token is bound to the parent and the filter.
  const std::string query = absl::StrCat(
      SurveyName(survey_id.empty() ? "-" : survey_id), "/", filter.fingerprint);
  CRM_ASSIGN_OR_RETURN(PageRequest page,
                       crm::common::ParsePageRequest(
                           request.page_size(), request.page_token(), query));
  CRM_ASSIGN_OR_RETURN(
      Page<SurveyInvitationRecord> listed,
      unit_of_work_.Read<Page<SurveyInvitationRecord>>(
          context,
          [&](Transaction& tx) -> absl::StatusOr<Page<SurveyInvitationRecord>> {
            if (!survey_id.empty()) {
              CRM_RETURN_IF_ERROR(
                  surveys_.Get(tx, survey_id, /*for_update=*/false).status());
            }
            return invitations_.List(tx, survey_id, filter.filter, page);
          }));
  v1::ListSurveyInvitationsResponse response;
  for (const SurveyInvitationRecord& invitation : listed.items) {
    *response.add_invitations() = ToSurveyInvitationProto(invitation);
  }
  response.set_next_page_token(crm::common::NextPageToken(listed.next, query));
  return response;
}

absl::StatusOr<v1::ListSurveysResponse> SurveyManager::ListSurveys(
    const RequestContext& context, const v1::ListSurveysRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  const std::string query = "surveys?";
  CRM_ASSIGN_OR_RETURN(PageRequest page,
                       crm::common::ParsePageRequest(
                           request.page_size(), request.page_token(), query));
  CRM_ASSIGN_OR_RETURN(
      Page<SurveyRecord> result,
      unit_of_work_.Read<Page<SurveyRecord>>(
          context, [&](Transaction& tx) -> absl::StatusOr<Page<SurveyRecord>> {
            return surveys_.List(tx, page);
          }));
  v1::ListSurveysResponse response;
  for (const SurveyRecord& survey : result.items) {
    *response.add_surveys() = ToSurveyProto(survey);
  }
  response.set_next_page_token(crm::common::NextPageToken(result.next, query));
  return response;
}

absl::StatusOr<v1::ListSurveyResponsesResponse>
SurveyManager::ListSurveyResponses(
    const RequestContext& context,
    const v1::ListSurveyResponsesRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  // Empty: every survey.
  CRM_ASSIGN_OR_RETURN(std::string survey_id,
                       ParentSurveyIdOf(request.parent()));
  CRM_ASSIGN_OR_RETURN(SurveyResponseQuery filter,
                       ParseSurveyResponseFilter(request.filter()));
  // The token is bound to the parent and the filter.
  const std::string query = absl::StrCat(
      SurveyName(survey_id.empty() ? "-" : survey_id), "/", filter.fingerprint);
  CRM_ASSIGN_OR_RETURN(PageRequest page,
                       crm::common::ParsePageRequest(
                           request.page_size(), request.page_token(), query));
  struct Listed {
    std::vector<v1::SurveyResponse> responses;
    std::optional<crm::common::KeysetPosition> next;
  };
  CRM_ASSIGN_OR_RETURN(
      Listed listed,
      unit_of_work_.Read<Listed>(
          context, [&](Transaction& tx) -> absl::StatusOr<Listed> {
            if (!survey_id.empty()) {
              CRM_RETURN_IF_ERROR(
                  surveys_.Get(tx, survey_id, /*for_update=*/false).status());
            }
            CRM_ASSIGN_OR_RETURN(
                Page<SurveyResponseRecord> page_read,
                surveys_.ListResponses(tx, survey_id, filter.filter, page));
            Listed result;
            CRM_ASSIGN_OR_RETURN(
                result.responses,
                ToSurveyResponseProtos(surveys_, tx, page_read.items));
            result.next = page_read.next;
            return result;
          }));
  v1::ListSurveyResponsesResponse response;
  for (v1::SurveyResponse& item : listed.responses) {
    *response.add_responses() = std::move(item);
  }
  response.set_next_page_token(crm::common::NextPageToken(listed.next, query));
  return response;
}

absl::StatusOr<v1::SurveyScores> SurveyManager::GetSurveyScores(
    const RequestContext& context, const v1::GetSurveyScoresRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string id, SurveyIdOf(request.survey(), "survey"));
  ScorePeriod period;
  period.first_day =
      UtcDay(crm::common::FromProtoTimestamp(request.start_time()));
  period.last_day = UtcDay(crm::common::FromProtoTimestamp(request.end_time()));
  period.interval = IntervalOf(request.interval());
  if (!v1::SurveyResponse::ValueTier_IsValid(request.value_tier())) {
    return crm::common::InvalidFieldError("value_tier", "is not a known tier");
  }
  CRM_ASSIGN_OR_RETURN(std::optional<std::string> loyalty_tier,
                       ParseLoyaltyTierFilter(request.loyalty_tier()));
  std::string segment_id;
  if (!request.segment().empty()) {
    CRM_ASSIGN_OR_RETURN(segment_id,
                         crm::common::ParseResourceName(request.segment(),
                                                        "segments", "segment"));
  }
  if (period.last_day < period.first_day) {
    return crm::common::InvalidFieldError("end_time",
                                          "must not be before start_time");
  }
  const absl::CivilDay first_interval =
      IntervalStart(period.first_day, period.interval);
  const int64_t days = period.last_day - first_interval + 1;
  const int64_t per_point = period.interval == TrendInterval::kDay    ? 1
                            : period.interval == TrendInterval::kWeek ? 7
                                                                      : 28;
  if (days > per_point * kMaxTrendPoints) {
    return crm::common::InvalidFieldError(
        "end_time", "makes a trend of more than 400 points");
  }
  const absl::Time from =
      absl::FromCivil(period.first_day, absl::UTCTimeZone());
  const absl::Time to =
      absl::FromCivil(period.last_day + 1, absl::UTCTimeZone());
  struct Counts {
    std::vector<ScoreCount> scores;
    std::vector<ResponseCount> responses;
  };
  CRM_ASSIGN_OR_RETURN(
      Counts counts,
      unit_of_work_.Read<Counts>(
          context, [&](Transaction& tx) -> absl::StatusOr<Counts> {
            CRM_RETURN_IF_ERROR(
                surveys_.Get(tx, id, /*for_update=*/false).status());
            Counts result;
            CRM_ASSIGN_OR_RETURN(
                result.scores,
                surveys_.CountScores(tx, id, from, to, segment_id));
            CRM_ASSIGN_OR_RETURN(
                result.responses,
                surveys_.CountResponses(tx, id, from, to, segment_id));
            return result;
          }));
  return ComputeSurveyScores(SurveyName(id), counts.scores, counts.responses,
                             period, request.value_tier(), loyalty_tier);
}

}  // namespace crm::feedback

#include "services/feedback/survey_manager.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/common/error_details.h"
#include "services/common/etag.h"
#include "services/common/field_behavior.h"
#include "services/common/idempotency_store.h"
#include "services/common/keyset_page.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/feedback/feedback_validation.h"
#include "services/feedback/survey_response_filter.h"
#include "services/feedback/survey_rules.h"

namespace crm::feedback {
namespace {

using ::crm::common::Page;
using ::crm::common::PageRequest;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;

// The parent of ListSurveyResponses naming every survey.
constexpr char kEverySurvey[] = "surveys/-";

constexpr char kCreateSurveyMethod[] = "CreateSurvey";
constexpr char kUpdateSurveyMethod[] = "UpdateSurvey";
constexpr char kSubmitSurveyResponseMethod[] = "SubmitSurveyResponse";

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
  return crm::common::RunIdempotent<v1::SurveyResponse>(
      unit_of_work_, idempotency_, clock_, context, kSubmitSurveyResponseMethod,
      input.request_id(), input,
      [&](Transaction& tx) -> absl::StatusOr<v1::SurveyResponse> {
        CRM_ASSIGN_OR_RETURN(SurveyRecord survey,
                             surveys_.Get(tx, survey_id, /*for_update=*/false));
        CRM_ASSIGN_OR_RETURN(
            NewSurveyResponse normalized,
            NormalizeSurveyResponse(survey.definition, input.response()));
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
        CRM_RETURN_IF_ERROR(surveys_.InsertResponse(tx, record));
        return ToSurveyResponseProto(record, survey.definition);
      });
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
  std::string survey_id;
  if (request.parent() != kEverySurvey) {
    CRM_ASSIGN_OR_RETURN(survey_id, SurveyIdOf(request.parent(), "parent"));
  }
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
            CRM_ASSIGN_OR_RETURN(result.scores,
                                 surveys_.CountScores(tx, id, from, to));
            CRM_ASSIGN_OR_RETURN(result.responses,
                                 surveys_.CountResponses(tx, id, from, to));
            return result;
          }));
  return ComputeSurveyScores(SurveyName(id), counts.scores, counts.responses,
                             period);
}

}  // namespace crm::feedback

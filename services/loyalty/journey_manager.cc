#include "services/loyalty/journey_manager.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/error_details.h"
#include "services/common/etag.h"
#include "services/common/field_behavior.h"
#include "services/common/page_token.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/loyalty/id_order_page.h"
#include "services/loyalty/journey_rules.h"

namespace crm::loyalty {

using ::crm::common::RequestContext;
using ::crm::common::Transaction;

namespace {

constexpr char kCreateJourneyMethod[] = "CreateJourney";
constexpr char kPauseJourneyMethod[] = "PauseJourney";
constexpr char kResumeJourneyMethod[] = "ResumeJourney";
// How long CreateJourney waits for feedback to confirm a survey.
constexpr absl::Duration kSurveyCheckTimeout = absl::Seconds(5);

}  // namespace

absl::StatusOr<v1::Journey> JourneyManager::CreateJourney(
    const RequestContext& context, const v1::CreateJourneyRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(v1::Journey spec, ValidateNewJourney(request.journey()));
  if (spec.action().kind() == v1::JourneyAction::SEND_SURVEY) {
    // A repeat is answered from its stored journey, whether or not feedback
    // can be asked about the survey now.
    CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(request.request_id()));
    CRM_ASSIGN_OR_RETURN(
        std::optional<v1::Journey> stored,
        crm::common::FindStoredResponse<v1::Journey>(
            unit_of_work_, idempotency_, context, kCreateJourneyMethod,
            request.request_id(), request));
    if (stored.has_value()) return *std::move(stored);
    CRM_RETURN_IF_ERROR(CheckSurvey(context, spec.action().survey()));
  }
  return crm::common::RunIdempotent<v1::Journey>(
      unit_of_work_, idempotency_, clock_, context, kCreateJourneyMethod,
      request.request_id(), request,
      [&](Transaction& tx) -> absl::StatusOr<v1::Journey> {
        if (spec.action().kind() == v1::JourneyAction::ISSUE_COUPON) {
          CRM_ASSIGN_OR_RETURN(
              std::string reward_id,
              crm::common::ParseResourceName(spec.action().reward(), "rewards",
                                             "journey.action.reward"));
          CRM_ASSIGN_OR_RETURN(
              std::optional<RewardRecord> reward,
              rewards_.FindReward(tx, reward_id, /*lock=*/false));
          if (!reward.has_value()) {
            return crm::common::ErrorWithReason(
                absl::NotFoundError(absl::StrCat(
                    "journey.action.reward: ", spec.action().reward(),
                    " not found")),
                ::crm::type::v1::RESOURCE_NOT_FOUND,
                {{"field", "journey.action.reward"},
                 {"resource", spec.action().reward()}});
          }
        }
        JourneyRecord journey;
        journey.id = ids_.NewId();
        journey.state = v1::Journey::ACTIVE;
        journey.spec = spec;
        journey.create_time = crm::common::TruncateToMicros(clock_.Now());
        journey.update_time = journey.create_time;
        journey.version = 1;
        CRM_RETURN_IF_ERROR(journeys_.InsertJourney(tx, journey));
        return ToJourneyProto(journey);
      });
}

absl::Status JourneyManager::CheckSurvey(const RequestContext& context,
                                         const std::string& survey) const {
  if (surveys_ == nullptr) {
    return crm::common::ErrorWithReason(
        absl::FailedPreconditionError(
            "journey.action: SEND_SURVEY needs feedback, and loyalty has no "
            "feedback address (--feedback_addr / LOYALTY_FEEDBACK_ADDR)"),
        ::crm::type::v1::RESOURCE_STATE_CONFLICT,
        {{"field", "journey.action"}});
  }
  // A deadline is real time, whatever clock the manager is given.
  const absl::Time deadline =
      std::min(context.deadline(), absl::Now() + kSurveyCheckTimeout);
  const absl::Status known = surveys_->CheckSurvey(survey, deadline);
  if (absl::IsNotFound(known)) {
    return crm::common::ErrorWithReason(
        absl::NotFoundError(
            absl::StrCat("journey.action.survey: ", survey, " not found")),
        ::crm::type::v1::RESOURCE_NOT_FOUND,
        {{"field", "journey.action.survey"}, {"resource", survey}});
  }
  return known;
}

absl::StatusOr<v1::Journey> JourneyManager::GetJourney(
    const RequestContext& context, const v1::GetJourneyRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string id,
                       ParseJourneyName(request.name(), "name"));
  return unit_of_work_.Read<v1::Journey>(
      context, [&](Transaction& tx) -> absl::StatusOr<v1::Journey> {
        CRM_ASSIGN_OR_RETURN(std::optional<JourneyRecord> journey,
                             journeys_.FindJourney(tx, id, /*lock=*/false));
        if (!journey.has_value()) {
          return crm::common::NotFoundError(request.name());
        }
        return ToJourneyProto(*journey);
      });
}

absl::StatusOr<v1::ListJourneysResponse> JourneyManager::ListJourneys(
    const RequestContext& context, const v1::ListJourneysRequest& request) {
  CRM_ASSIGN_OR_RETURN(
      IdOrderPage page,
      ParseIdOrderPage(request.page_size(), request.page_token(), "journeys"));
  return unit_of_work_.Read<v1::ListJourneysResponse>(
      context,
      [&](Transaction& tx) -> absl::StatusOr<v1::ListJourneysResponse> {
        CRM_ASSIGN_OR_RETURN(
            std::vector<JourneyRecord> journeys,
            journeys_.ListJourneys(tx, page.after, page.page_size + 1));
        v1::ListJourneysResponse response;
        response.set_next_page_token(TrimToPage(journeys, page));
        for (const JourneyRecord& journey : journeys) {
          *response.add_journeys() = ToJourneyProto(journey);
        }
        return response;
      });
}

absl::StatusOr<v1::Journey> JourneyManager::PauseJourney(
    const RequestContext& context, const v1::PauseJourneyRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  return SetState(context, kPauseJourneyMethod, request, request.name(),
                  request.etag(), request.request_id(), v1::Journey::PAUSED);
}

absl::StatusOr<v1::Journey> JourneyManager::ResumeJourney(
    const RequestContext& context, const v1::ResumeJourneyRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  return SetState(context, kResumeJourneyMethod, request, request.name(),
                  request.etag(), request.request_id(), v1::Journey::ACTIVE);
}

absl::StatusOr<v1::Journey> JourneyManager::SetState(
    const RequestContext& context, const char* method,
    const google::protobuf::Message& request, const std::string& name,
    const std::string& etag, const std::string& request_id,
    v1::Journey::State state) {
  CRM_ASSIGN_OR_RETURN(std::string id, ParseJourneyName(name, "name"));
  std::optional<int64_t> expected_version;
  if (!etag.empty()) {
    absl::StatusOr<int64_t> version = crm::common::DecodeEtag(etag);
    if (!version.ok()) {
      return crm::common::InvalidFieldError("etag",
                                            "is not an etag of this resource");
    }
    expected_version = *version;
  }
  return crm::common::RunIdempotent<v1::Journey>(
      unit_of_work_, idempotency_, clock_, context, method, request_id, request,
      [&](Transaction& tx) -> absl::StatusOr<v1::Journey> {
        CRM_ASSIGN_OR_RETURN(std::optional<JourneyRecord> journey,
                             journeys_.FindJourney(tx, id, /*lock=*/true));
        if (!journey.has_value()) return crm::common::NotFoundError(name);
        if (expected_version.has_value() &&
            *expected_version != journey->version) {
          return crm::common::EtagMismatchError(name);
        }
        if (journey->state == state) return ToJourneyProto(*journey);
        journey->state = state;
        journey->update_time = crm::common::TruncateToMicros(clock_.Now());
        journey->version += 1;
        CRM_RETURN_IF_ERROR(journeys_.UpdateJourneyState(tx, *journey));
        return ToJourneyProto(*journey);
      });
}

absl::StatusOr<v1::ListJourneyRunsResponse> JourneyManager::ListJourneyRuns(
    const RequestContext& context, const v1::ListJourneyRunsRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string journey_id,
                       ParseJourneyName(request.parent(), "parent"));
  std::string customer_id;
  if (!request.customer().empty()) {
    absl::StatusOr<std::string> id = crm::common::ParseResourceName(
        request.customer(), "customers", "customer");
    if (!id.ok()) {
      return crm::common::InvalidFieldError(
          "customer", "must be of the form customers/{customer}");
    }
    customer_id = *id;
  }
  CRM_ASSIGN_OR_RETURN(int page_size,
                       crm::common::NormalizePageSize(request.page_size()));
  const std::string fingerprint =
      absl::StrCat("journeyRuns|", journey_id, "|", customer_id);
  absl::Time before_time = absl::InfiniteFuture();
  std::string before_id;
  if (!request.page_token().empty()) {
    CRM_ASSIGN_OR_RETURN(
        crm::common::PageCursor cursor,
        crm::common::DecodePageToken(request.page_token(), fingerprint));
    int64_t micros = 0;
    if (!absl::SimpleAtoi(cursor.sort_key, &micros)) {
      return crm::common::InvalidFieldError("page_token", "is not valid");
    }
    before_time = absl::FromUnixMicros(micros);
    before_id = cursor.id;
  }
  return unit_of_work_.Read<v1::ListJourneyRunsResponse>(
      context,
      [&](Transaction& tx) -> absl::StatusOr<v1::ListJourneyRunsResponse> {
        CRM_ASSIGN_OR_RETURN(
            std::optional<JourneyRecord> journey,
            journeys_.FindJourney(tx, journey_id, /*lock=*/false));
        if (!journey.has_value()) {
          return crm::common::NotFoundError(request.parent());
        }
        CRM_ASSIGN_OR_RETURN(
            std::vector<JourneyRunRecord> runs,
            journeys_.ListRuns(tx, journey_id, customer_id, before_time,
                               before_id, page_size + 1));
        v1::ListJourneyRunsResponse response;
        const bool more = static_cast<int>(runs.size()) > page_size;
        if (more) runs.resize(page_size);
        for (const JourneyRunRecord& run : runs) {
          *response.add_runs() = ToJourneyRunProto(run);
        }
        if (more) {
          response.set_next_page_token(crm::common::EncodePageToken(
              {absl::StrCat(absl::ToUnixMicros(runs.back().create_time)),
               runs.back().id},
              fingerprint));
        }
        return response;
      });
}

}  // namespace crm::loyalty

#include "services/loyalty/journey_rules.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "crm/segmentation/v1/customer_score.pb.h"
#include "google/protobuf/util/time_util.h"
#include "services/common/error_details.h"
#include "services/common/etag.h"
#include "services/common/filter/filter_parser.h"
#include "services/common/filter/filter_predicate.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/text_validation.h"
#include "services/common/timestamps.h"

namespace crm::loyalty {

using ::crm::common::InvalidFieldError;
using ::crm::common::RequiredFieldError;
using ::crm::common::filter::Comparator;
using ::crm::common::filter::FieldSpec;
using ::crm::common::filter::Filter;
using ::crm::common::filter::FilterSchema;
using ::crm::common::filter::FilterValue;
using ::crm::segmentation::v1::CustomerScore;

namespace {

constexpr int kMaxDisplayName = 100;
constexpr size_t kMaxCondition = 1000;
constexpr int64_t kMaxDelaySeconds = 365 * 24 * 3600;
constexpr int64_t kMaxPoints = 1'000'000;
constexpr int kMaxDays = 3650;
constexpr int kMaxTicketCategory = 64;
constexpr char kConditionField[] = "journey.condition";

bool IsMessageType(absl::string_view type) {
  if (type.empty() || type.size() > 64) return false;
  for (char c : type) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.')) {
      return false;
    }
  }
  return true;
}

// OK when `name` is `surveys/{survey}`; INVALID_ARGUMENT naming `field`.
absl::Status ValidateSurveyName(const std::string& name,
                                absl::string_view field) {
  if (!crm::common::ParseResourceName(name, "surveys", field).ok()) {
    return InvalidFieldError(field, "must be of the form surveys/{survey}");
  }
  return absl::OkStatus();
}

absl::Status ValidateTrigger(const v1::JourneyTrigger& trigger) {
  switch (trigger.kind()) {
    case v1::JourneyTrigger::ORDER_RECORDED:
      return absl::OkStatus();
    case v1::JourneyTrigger::SEGMENT_ENTERED:
    case v1::JourneyTrigger::SEGMENT_LEFT:
      if (trigger.segment().empty()) {
        return RequiredFieldError("journey.trigger.segment");
      }
      if (!crm::common::ParseResourceName(trigger.segment(), "segments",
                                          "journey.trigger.segment")
               .ok()) {
        return InvalidFieldError("journey.trigger.segment",
                                 "must be of the form segments/{segment}");
      }
      return absl::OkStatus();
    case v1::JourneyTrigger::LIFECYCLE_STAGE_CHANGED: {
      CustomerScore::LifecycleStage stage;
      if (trigger.lifecycle_stage().empty()) {
        return RequiredFieldError("journey.trigger.lifecycle_stage");
      }
      if (!CustomerScore::LifecycleStage_Parse(trigger.lifecycle_stage(),
                                               &stage) ||
          stage == CustomerScore::LIFECYCLE_STAGE_UNSPECIFIED) {
        return InvalidFieldError(
            "journey.trigger.lifecycle_stage",
            "must be PROSPECT, NEW, ACTIVE, AT_RISK, CHURNED or REACTIVATED");
      }
      return absl::OkStatus();
    }
    case v1::JourneyTrigger::VALUE_TIER_CHANGED: {
      CustomerScore::ValueTier tier;
      if (trigger.value_tier().empty()) {
        return RequiredFieldError("journey.trigger.value_tier");
      }
      if (!CustomerScore::ValueTier_Parse(trigger.value_tier(), &tier) ||
          tier == CustomerScore::VALUE_TIER_UNSPECIFIED) {
        return InvalidFieldError("journey.trigger.value_tier",
                                 "must be LOW, MEDIUM or HIGH");
      }
      return absl::OkStatus();
    }
    case v1::JourneyTrigger::NO_ORDER_FOR_DAYS:
      if (trigger.days_without_order() < 1 ||
          trigger.days_without_order() > kMaxDays) {
        return InvalidFieldError("journey.trigger.days_without_order",
                                 "must be 1 to 3650");
      }
      return absl::OkStatus();
    case v1::JourneyTrigger::COMPLAINT_RESOLVED:
      if (!crm::common::ValidateText(
               trigger.ticket_category(), "journey.trigger.ticket_category",
               kMaxTicketCategory, crm::common::Presence::kOptional)
               .ok()) {
        return InvalidFieldError(
            "journey.trigger.ticket_category",
            "must be valid UTF-8 of at most 64 characters");
      }
      return absl::OkStatus();
    case v1::JourneyTrigger::SURVEY_ANSWERED:
      if (trigger.survey().empty()) return absl::OkStatus();
      return ValidateSurveyName(trigger.survey(), "journey.trigger.survey");
    case v1::JourneyTrigger::BIRTHDAY:  // No further field.
      return absl::OkStatus();
    default:
      return RequiredFieldError("journey.trigger.kind");
  }
}

absl::Status ValidateAction(const v1::Journey& journey) {
  const v1::JourneyAction& action = journey.action();
  switch (action.kind()) {
    case v1::JourneyAction::ISSUE_COUPON:
      if (action.reward().empty()) {
        return RequiredFieldError("journey.action.reward");
      }
      if (!crm::common::ParseResourceName(action.reward(), "rewards",
                                          "journey.action.reward")
               .ok()) {
        return InvalidFieldError("journey.action.reward",
                                 "must be of the form rewards/{reward}");
      }
      break;
    case v1::JourneyAction::AWARD_POINTS:
      if (action.points() < 1 || action.points() > kMaxPoints) {
        return InvalidFieldError("journey.action.points",
                                 "must be 1 to 1000000");
      }
      break;
    case v1::JourneyAction::EMIT_MESSAGE:
      if (!IsMessageType(action.message_type())) {
        return InvalidFieldError(
            "journey.action.message_type",
            "must be 1 to 64 characters of a-z, 0-9, '_' and '.'");
      }
      break;
    case v1::JourneyAction::SEND_SURVEY: {
      if (action.survey().empty()) {
        return RequiredFieldError("journey.action.survey");
      }
      CRM_RETURN_IF_ERROR(
          ValidateSurveyName(action.survey(), "journey.action.survey"));
      const v1::JourneyTrigger::Kind trigger = journey.trigger().kind();
      if (trigger != v1::JourneyTrigger::ORDER_RECORDED &&
          trigger != v1::JourneyTrigger::COMPLAINT_RESOLVED) {
        return InvalidFieldError(
            "journey.action.kind",
            "SEND_SURVEY needs an ORDER_RECORDED or COMPLAINT_RESOLVED "
            "trigger: feedback invites for an order or a ticket");
      }
      if (journey.marketing_channel() != v1::Campaign::EMAIL &&
          journey.marketing_channel() != v1::Campaign::SMS) {
        return InvalidFieldError(
            "journey.marketing_channel",
            "SEND_SURVEY needs the channel the invitation goes through: "
            "EMAIL or SMS");
      }
      break;
    }
    default:
      return RequiredFieldError("journey.action.kind");
  }
  if (journey.purpose() == v1::Journey::SERVICE &&
      action.kind() != v1::JourneyAction::AWARD_POINTS &&
      action.kind() != v1::JourneyAction::SEND_SURVEY) {
    return InvalidFieldError(
        "journey.purpose",
        "SERVICE journeys may only award points or send surveys; coupons "
        "and messages are marketing");
  }
  return absl::OkStatus();
}

// A filter error re-addressed to `journey.condition`.
absl::Status ConditionError(const absl::Status& filter_error) {
  const absl::string_view message =
      absl::StripPrefix(filter_error.message(), "filter: ");
  const std::map<std::string, std::string> metadata =
      crm::common::ErrorMetadataOf(filter_error);
  const auto position = metadata.find("position");
  absl::Status status = crm::common::ErrorWithReason(
      absl::InvalidArgumentError(absl::StrCat(kConditionField, ": ", message)),
      ::crm::type::v1::FILTER_INVALID,
      {{"field", kConditionField},
       {"position", position == metadata.end() ? "" : position->second}});
  return crm::common::WithFieldViolation(std::move(status), kConditionField,
                                         message);
}

class TriggerRecord : public crm::common::filter::FilterRecord {
 public:
  TriggerRecord(const TriggerEvent& event, const MemberFacts& member)
      : event_(event), member_(member) {}

  std::vector<FilterValue> Values(const FieldSpec& field) const override {
    const std::string& path = field.path;
    const bool order = event_.kind == v1::JourneyTrigger::ORDER_RECORDED;
    if (path == "tier_id") {
      return {FilterValue(member_.tier_id)};
    }
    if (path == "points_balance") {
      return {FilterValue(member_.points_balance)};
    }
    if (path == "order_total_minor") {
      if (!order) return {};
      return {FilterValue(event_.order_total_minor)};
    }
    if (path == "order_currency") {
      if (!order) return {};
      return {FilterValue(event_.order_currency)};
    }
    if (path == "segment") {
      if (event_.segment.empty()) return {};
      return {FilterValue(event_.segment)};
    }
    if (path == "lifecycle_stage") {
      if (event_.lifecycle_stage.empty()) return {};
      return {FilterValue(event_.lifecycle_stage)};
    }
    if (path == "value_tier") {
      if (event_.value_tier.empty()) return {};
      return {FilterValue(event_.value_tier)};
    }
    if (path == "days_without_order") {
      if (event_.kind != v1::JourneyTrigger::NO_ORDER_FOR_DAYS) return {};
      return {FilterValue(event_.days_without_order)};
    }
    if (path == "ticket_category") {
      if (event_.kind != v1::JourneyTrigger::COMPLAINT_RESOLVED) return {};
      return {FilterValue(event_.ticket_category)};
    }
    if (path == "nps_score") {
      if (!event_.nps_score.has_value()) return {};
      return {FilterValue(*event_.nps_score)};
    }
    if (path == "csat_score") {
      if (!event_.csat_score.has_value()) return {};
      return {FilterValue(*event_.csat_score)};
    }
    return {};
  }

 private:
  const TriggerEvent& event_;
  const MemberFacts& member_;
};

}  // namespace

absl::StatusOr<v1::Journey> ValidateNewJourney(const v1::Journey& journey) {
  v1::Journey spec;
  const std::string display_name =
      crm::common::CollapseWhitespace(journey.display_name());
  if (display_name.empty()) {
    return RequiredFieldError("journey.display_name");
  }
  if (!crm::common::ValidateText(display_name, "journey.display_name",
                                 kMaxDisplayName,
                                 crm::common::Presence::kRequired)
           .ok()) {
    return InvalidFieldError("journey.display_name",
                             "must be valid UTF-8 of at most 100 characters");
  }
  spec.set_display_name(display_name);
  if (!journey.has_trigger()) return RequiredFieldError("journey.trigger");
  CRM_RETURN_IF_ERROR(ValidateTrigger(journey.trigger()));
  *spec.mutable_trigger() = journey.trigger();
  if (journey.condition().size() > kMaxCondition) {
    return InvalidFieldError(kConditionField,
                             "must be at most 1000 characters");
  }
  CRM_RETURN_IF_ERROR(ParseJourneyCondition(journey.condition()).status());
  spec.set_condition(journey.condition());
  if (journey.has_delay()) {
    const google::protobuf::Duration& delay = journey.delay();
    if (delay.seconds() < 0 || delay.nanos() != 0 ||
        delay.seconds() > kMaxDelaySeconds) {
      return InvalidFieldError("journey.delay",
                               "must be whole seconds from 0 to 365 days");
    }
    *spec.mutable_delay() = delay;
  }
  if (!journey.has_action()) return RequiredFieldError("journey.action");
  spec.set_purpose(journey.purpose() == v1::Journey::SERVICE
                       ? v1::Journey::SERVICE
                       : v1::Journey::MARKETING);
  CRM_RETURN_IF_ERROR(ValidateAction(journey));
  *spec.mutable_action() = journey.action();
  if (!v1::Campaign::MarketingChannel_IsValid(journey.marketing_channel())) {
    return InvalidFieldError("journey.marketing_channel",
                             "must be EMAIL, SMS or unspecified");
  }
  spec.set_marketing_channel(journey.marketing_channel());
  return spec;
}

bool TriggerMatches(const v1::Journey& spec, const TriggerEvent& event) {
  const v1::JourneyTrigger& trigger = spec.trigger();
  if (trigger.kind() != event.kind) return false;
  switch (event.kind) {
    case v1::JourneyTrigger::ORDER_RECORDED:
      return true;
    case v1::JourneyTrigger::SEGMENT_ENTERED:
    case v1::JourneyTrigger::SEGMENT_LEFT:
      return trigger.segment() == event.segment;
    case v1::JourneyTrigger::LIFECYCLE_STAGE_CHANGED:
      return trigger.lifecycle_stage() == event.lifecycle_stage;
    case v1::JourneyTrigger::VALUE_TIER_CHANGED:
      return trigger.value_tier() == event.value_tier;
    case v1::JourneyTrigger::NO_ORDER_FOR_DAYS:
      return event.days_without_order >= trigger.days_without_order();
    case v1::JourneyTrigger::COMPLAINT_RESOLVED:
      return trigger.ticket_category().empty() ||
             trigger.ticket_category() == event.ticket_category;
    case v1::JourneyTrigger::SURVEY_ANSWERED:
      return trigger.survey().empty() || trigger.survey() == event.survey;
    case v1::JourneyTrigger::BIRTHDAY:
      return true;
    default:
      return false;
  }
}

const FilterSchema& JourneyConditionSchema() {
  static const FilterSchema* const schema = [] {
    return new FilterSchema(crm::common::filter::FixedFilterSchema(
        {FieldSpec::String("tier_id"), FieldSpec::Int64("points_balance"),
         FieldSpec::Int64("order_total_minor"),
         FieldSpec::String("order_currency"), FieldSpec::String("segment"),
         FieldSpec::String("lifecycle_stage"), FieldSpec::String("value_tier"),
         FieldSpec::Int64("days_without_order"),
         FieldSpec::String("ticket_category"), FieldSpec::Int64("nps_score"),
         FieldSpec::Int64("csat_score")}));
  }();
  return *schema;
}

absl::StatusOr<Filter> ParseJourneyCondition(absl::string_view text) {
  absl::StatusOr<Filter> filter =
      crm::common::filter::ParseFilter(text, JourneyConditionSchema());
  if (!filter.ok()) return ConditionError(filter.status());
  return filter;
}

bool ConditionHolds(const Filter& condition, const TriggerEvent& event,
                    const MemberFacts& member) {
  return crm::common::filter::Matches(condition, TriggerRecord(event, member));
}

absl::Time DueTime(const v1::Journey& spec, absl::Time trigger_time) {
  return trigger_time + absl::Seconds(spec.delay().seconds());
}

bool CapAllows(int64_t completed_in_window, int max_actions) {
  return max_actions <= 0 || completed_in_window < max_actions;
}

bool NeedsMarketingConsent(const v1::Journey& spec) {
  const v1::JourneyAction::Kind kind = spec.action().kind();
  const bool service_allowed = kind == v1::JourneyAction::AWARD_POINTS ||
                               kind == v1::JourneyAction::SEND_SURVEY;
  return !service_allowed || spec.purpose() != v1::Journey::SERVICE;
}

bool ActsThroughAnotherService(const v1::Journey& spec) {
  return spec.action().kind() == v1::JourneyAction::SEND_SURVEY;
}

std::string SurveyInvitationRequestId(absl::string_view run_id) {
  // Run ids are 20 characters (RandomIdGenerator): 32 in all.
  return absl::StrCat("journey-run:", run_id);
}

std::string OrderTriggerEvent(absl::string_view order_name) {
  return absl::StrCat("order:", order_name);
}

std::string SegmentationTriggerEvent(int64_t sequence) {
  return absl::StrCat("segmentation:", sequence);
}

std::string FeedbackTriggerEvent(int64_t sequence) {
  return absl::StrCat("feedback:", sequence);
}

std::string NoOrderTriggerEvent(absl::Time last_order_time) {
  return absl::StrCat("no-order:", absl::ToUnixMicros(last_order_time));
}

std::string JourneyName(absl::string_view id) {
  return absl::StrCat("journeys/", id);
}

std::string JourneyRunName(absl::string_view journey_id,
                           absl::string_view run_id) {
  return absl::StrCat("journeys/", journey_id, "/runs/", run_id);
}

absl::StatusOr<std::string> ParseJourneyName(absl::string_view name,
                                             absl::string_view field) {
  absl::StatusOr<std::string> id =
      crm::common::ParseResourceName(name, "journeys", field);
  if (!id.ok()) {
    return InvalidFieldError(field, "must be of the form journeys/{journey}");
  }
  return id;
}

v1::Journey ToJourneyProto(const JourneyRecord& journey) {
  v1::Journey proto = journey.spec;
  proto.set_name(JourneyName(journey.id));
  proto.set_state(journey.state);
  *proto.mutable_create_time() =
      crm::common::ToProtoTimestamp(journey.create_time);
  *proto.mutable_update_time() =
      crm::common::ToProtoTimestamp(journey.update_time);
  proto.set_etag(crm::common::EncodeEtag(journey.version));
  return proto;
}

v1::JourneyRun ToJourneyRunProto(const JourneyRunRecord& run) {
  v1::JourneyRun proto;
  proto.set_name(JourneyRunName(run.journey_id, run.id));
  proto.set_customer(crm::common::CustomerResourceName(run.customer_id));
  proto.set_trigger_event(run.trigger_event);
  *proto.mutable_trigger_time() =
      crm::common::ToProtoTimestamp(run.trigger_time);
  *proto.mutable_due_time() = crm::common::ToProtoTimestamp(run.due_time);
  proto.set_state(run.state);
  proto.set_skip_reason(run.skip_reason);
  if (run.finish_time.has_value()) {
    *proto.mutable_finish_time() =
        crm::common::ToProtoTimestamp(*run.finish_time);
  }
  if (!run.ledger_entry_id.empty()) {
    proto.set_ledger_entry(absl::StrCat(
        "accounts/", run.customer_id, "/ledgerEntries/", run.ledger_entry_id));
  }
  if (!run.coupon_id.empty()) {
    proto.set_coupon(absl::StrCat("coupons/", run.coupon_id));
  }
  proto.set_message_type(run.message_type);
  proto.set_message_payload(run.message_payload);
  *proto.mutable_create_time() = crm::common::ToProtoTimestamp(run.create_time);
  return proto;
}

}  // namespace crm::loyalty

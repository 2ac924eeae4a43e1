// The pure rules of journeys (journey.proto): validating a new journey,
// which trigger events start a run of which journey, the condition language
// over a trigger event, when a run falls due, the frequency cap and the
// consent a run needs, the trigger event ids and the proto forms. No
// storage, no clock: the journey engine (journey_engine.h) calls these.
//
//   if (TriggerMatches(journey.spec, event) &&
//       ConditionHolds(condition, event, member)) {
//     run.due_time = DueTime(journey.spec, event.time);
//   }
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/journey.pb.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/filter/filter_schema.h"
#include "services/loyalty/journey_repository.h"

namespace crm::loyalty {

// Something that happened to a member which may start journeys' runs.
struct TriggerEvent {
  v1::JourneyTrigger::Kind kind = v1::JourneyTrigger::KIND_UNSPECIFIED;
  std::string customer_id;
  // Unique per member among events of its kind (OrderTriggerEvent, ...).
  std::string event_id;
  absl::Time time;  // When it happened (UTC).
  // ORDER_RECORDED.
  int64_t order_total_minor = 0;
  std::string order_currency;
  // SEGMENT_ENTERED, SEGMENT_LEFT: `segments/{segment}`.
  std::string segment;
  // LIFECYCLE_STAGE_CHANGED, VALUE_TIER_CHANGED: the new stage / tier name.
  std::string lifecycle_stage;
  std::string value_tier;
  // NO_ORDER_FOR_DAYS: whole days since the last order.
  int64_t days_without_order = 0;
  // COMPLAINT_RESOLVED: the ticket's category (may be empty).
  std::string ticket_category;
  // SURVEY_ANSWERED: the survey answered, `surveys/{survey}`, and the
  // answer's NPS (0-10) and CSAT (1-5) scores when it has them.
  std::string survey;
  std::optional<int64_t> nps_score;
  std::optional<int64_t> csat_score;
  // The order (`customers/{c}/orders/{o}`) or ticket (`tickets/{t}`) the
  // event is about; empty for other events. A SEND_SURVEY run invites for
  // it.
  std::string subject;
};

// What loyalty knows of the member when the trigger is seen.
struct MemberFacts {
  std::string tier_id;  // Empty: untiered.
  int64_t points_balance = 0;
};

// The journey `journey` asks to create, normalised (display name collapsed,
// segment and reward names checked, delay in whole seconds), as the spec
// stored. INVALID_ARGUMENT naming the field (`journey.trigger.segment`,
// `journey.action.points`, `journey.condition`, ...) otherwise.
absl::StatusOr<v1::Journey> ValidateNewJourney(const v1::Journey& journey);

// Whether `event` is of the journey's trigger (kind and its segment, stage,
// tier, number of days, ticket category or survey; an empty category or
// survey matches every one).
bool TriggerMatches(const v1::Journey& spec, const TriggerEvent& event);

// The fields a condition may name: `tier_id`, `order_currency`, `segment`,
// `lifecycle_stage`, `value_tier`, `ticket_category` (strings, = and !=),
// `points_balance`, `order_total_minor`, `days_without_order`, `nps_score`,
// `csat_score` (integers, every comparison).
const crm::common::filter::FilterSchema& JourneyConditionSchema();

// The parsed condition (empty: always true). INVALID_ARGUMENT, reason
// FILTER_INVALID, naming field `journey.condition` with the column and what
// was expected (an unknown field lists the known ones).
absl::StatusOr<crm::common::filter::Filter> ParseJourneyCondition(
    absl::string_view text);

// Whether the condition holds for `event` and `member`. A field the event
// does not carry (an order total on a segment event) is unset and satisfies
// no comparison.
bool ConditionHolds(const crm::common::filter::Filter& condition,
                    const TriggerEvent& event, const MemberFacts& member);

// When a run started by an event at `trigger_time` falls due.
absl::Time DueTime(const v1::Journey& spec, absl::Time trigger_time);

// Whether a member with `completed_in_window` journey actions in the
// rolling window may take another under a cap of `max_actions` (0: no
// cap).
bool CapAllows(int64_t completed_in_window, int max_actions);

// Whether the journey's action needs a marketing consent: every ISSUE_COUPON
// and EMIT_MESSAGE, and AWARD_POINTS and SEND_SURVEY of a MARKETING
// journey. (feedback itself refuses an invitation on a channel the member
// has not consented to, whatever the purpose.)
bool NeedsMarketingConsent(const v1::Journey& spec);

// Whether the journey's action calls another service (SEND_SURVEY): such
// runs are never acted on in the transaction that sees the trigger, only by
// the journey job (JourneyEngine::RunDue), one transaction each.
bool ActsThroughAnotherService(const v1::Journey& spec);

// The `request_id` of a SEND_SURVEY run's CreateSurveyInvitation: derived
// from the run only, so every retry asks for the same invitation (at most
// 64 characters).
std::string SurveyInvitationRequestId(absl::string_view run_id);

// Trigger event ids: unique per member within their kind.
std::string OrderTriggerEvent(absl::string_view order_name);
std::string SegmentationTriggerEvent(int64_t sequence);
std::string FeedbackTriggerEvent(int64_t sequence);
std::string NoOrderTriggerEvent(absl::Time last_order_time);

// `journeys/{id}`, `journeys/{journey}/runs/{run}`.
std::string JourneyName(absl::string_view id);
std::string JourneyRunName(absl::string_view journey_id,
                           absl::string_view run_id);

// The journey's id from `journeys/{journey}`; INVALID_ARGUMENT naming
// `field` otherwise.
absl::StatusOr<std::string> ParseJourneyName(absl::string_view name,
                                             absl::string_view field);

v1::Journey ToJourneyProto(const JourneyRecord& journey);
v1::JourneyRun ToJourneyRunProto(const JourneyRunRecord& run);

}  // namespace crm::loyalty

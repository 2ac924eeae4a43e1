#include "services/loyalty/journey_engine.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/loyalty/account_family.h"
#include "services/loyalty/consent_policy.h"
#include "services/loyalty/coupon_minting.h"
#include "services/loyalty/earning_rules.h"
#include "services/loyalty/program_manager.h"

namespace crm::loyalty {

namespace cp = ::crm::customerprofile::v1;
namespace fb = ::crm::feedback::v1;
namespace seg = ::crm::segmentation::v1;
using ::crm::common::Transaction;

namespace {

// `customers/{id}` -> id; nullopt for a malformed name or an erasure
// tombstone (no journey reaches an erased customer).
std::optional<std::string> LiveCustomerId(const std::string& name) {
  absl::StatusOr<std::string> id =
      crm::common::ParseResourceName(name, "customers", "customer");
  if (!id.ok() || absl::StartsWith(*id, "erased-")) return std::nullopt;
  return *id;
}

// The body of an EMIT_MESSAGE run: names and times only, no personal data.
std::string MessagePayload(const JourneyRecord& journey,
                           const JourneyRunRecord& run) {
  google::protobuf::Struct body;
  auto& fields = *body.mutable_fields();
  fields["journey"].set_string_value(JourneyName(journey.id));
  fields["run"].set_string_value(JourneyRunName(journey.id, run.id));
  fields["customer"].set_string_value(
      crm::common::CustomerResourceName(run.customer_id));
  fields["message_type"].set_string_value(journey.spec.action().message_type());
  fields["trigger_event"].set_string_value(run.trigger_event);
  fields["trigger_time"].set_string_value(absl::FormatTime(
      absl::RFC3339_full, run.trigger_time, absl::UTCTimeZone()));
  std::string json;
  // A Struct of strings always prints.
  (void)google::protobuf::util::MessageToJsonString(body, &json);
  return json;
}

// The audit of a SEND_SURVEY run: names only, no personal data.
std::string SurveyPayload(const JourneyRecord& journey,
                          const JourneyRunRecord& run) {
  google::protobuf::Struct body;
  auto& fields = *body.mutable_fields();
  fields["survey_invitation"].set_string_value(run.survey_invitation);
  fields["survey"].set_string_value(journey.spec.action().survey());
  fields["subject"].set_string_value(run.trigger_subject);
  fields["channel"].set_string_value(
      v1::Campaign::MarketingChannel_Name(journey.spec.marketing_channel()));
  std::string json;
  // A Struct of strings always prints.
  (void)google::protobuf::util::MessageToJsonString(body, &json);
  return json;
}

void Skip(JourneyRunRecord& run, v1::JourneyRun::SkipReason reason) {
  run.state = v1::JourneyRun::SKIPPED;
  run.skip_reason = reason;
}

}  // namespace

absl::Status JourneyEngine::OnTrigger(Transaction& tx,
                                      const TriggerEvent& event) {
  CRM_ASSIGN_OR_RETURN(std::vector<JourneyRecord> journeys,
                       journeys_.ActiveJourneys(tx, event.kind));
  return TriggerJourneys(tx, event, journeys);
}

absl::Status JourneyEngine::TriggerJourneys(
    Transaction& tx, const TriggerEvent& event,
    const std::vector<JourneyRecord>& journeys) {
  if (journeys.empty()) return absl::OkStatus();
  CRM_ASSIGN_OR_RETURN(std::string customer,
                       ResolveSurvivor(accounts_, tx, event.customer_id));
  CRM_ASSIGN_OR_RETURN(std::optional<AccountRecord> account,
                       accounts_.Find(tx, customer));
  MemberFacts member;
  if (account.has_value()) {
    member.tier_id = account->tier;
    member.points_balance = account->points_balance;
  }
  const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
  int64_t started = 0;
  for (const JourneyRecord& journey : journeys) {
    // BIRTHDAY: the day's start; a journey created that day gets its
    // birthdays (journey_birthdays.h).
    if (event.kind != v1::JourneyTrigger::NO_ORDER_FOR_DAYS &&
        event.kind != v1::JourneyTrigger::BIRTHDAY &&
        event.time < journey.create_time) {
      continue;
    }
    CRM_RETURN_IF_ERROR(
        Consider(tx, journey, event, customer, member, now, &started));
  }
  return absl::OkStatus();
}

absl::Status JourneyEngine::Consider(Transaction& tx,
                                     const JourneyRecord& journey,
                                     const TriggerEvent& event,
                                     const std::string& customer,
                                     const MemberFacts& member, absl::Time now,
                                     int64_t* started) {
  if (!TriggerMatches(journey.spec, event)) return absl::OkStatus();
  absl::StatusOr<crm::common::filter::Filter> condition =
      ParseJourneyCondition(journey.spec.condition());
  if (!condition.ok()) {
    return absl::DataLossError("stored journey condition does not parse");
  }
  if (!ConditionHolds(*condition, event, member)) return absl::OkStatus();
  JourneyRunRecord run;
  run.id = ids_.NewId();
  run.journey_id = journey.id;
  run.customer_id = customer;
  run.trigger_event = event.event_id;
  run.trigger_time = crm::common::TruncateToMicros(event.time);
  run.due_time = DueTime(journey.spec, run.trigger_time);
  run.state = v1::JourneyRun::SCHEDULED;
  run.create_time = now;
  run.trigger_subject = event.subject;
  CRM_ASSIGN_OR_RETURN(bool inserted, journeys_.InsertRun(tx, run));
  if (!inserted) return absl::OkStatus();  // Seen before: nothing again.
  ++*started;
  if (run.due_time > now) return absl::OkStatus();
  // No call to another service inside the trigger's transaction: the job
  // acts on it.
  if (ActsThroughAnotherService(journey.spec)) return absl::OkStatus();
  return Act(tx, journey, run, now);
}

absl::Status JourneyEngine::Act(Transaction& tx, const JourneyRecord& journey,
                                JourneyRunRecord& run, absl::Time now,
                                bool* survey_sender_down) {
  run.finish_time = now;
  if (journey.state != v1::Journey::ACTIVE) {
    Skip(run, v1::JourneyRun::JOURNEY_PAUSED);
    return journeys_.UpdateRun(tx, run);
  }
  // The account lock serialises every journey action of the member, so two
  // transactions cannot both take the last action the cap allows.
  CRM_ASSIGN_OR_RETURN(AccountRecord account,
                       accounts_.LockOrCreate(tx, run.customer_id, now));
  if (!account.merged_into.empty()) {
    Skip(run, v1::JourneyRun::MEMBER_UNAVAILABLE);
    return journeys_.UpdateRun(tx, run);
  }
  if (NeedsMarketingConsent(journey.spec)) {
    CRM_ASSIGN_OR_RETURN(std::vector<crm::consents::ConsentAnswer> answers,
                         consents_.Find(tx, run.customer_id));
    if (!AnyGranted(answers, CampaignConsentPurposes(
                                 journey.spec.marketing_channel()))) {
      Skip(run, v1::JourneyRun::NO_CONSENT);
      return journeys_.UpdateRun(tx, run);
    }
  }
  if (options_.cap_actions > 0) {
    CRM_ASSIGN_OR_RETURN(int64_t recent,
                         journeys_.CountCompletedSince(
                             tx, run.customer_id, now - options_.cap_window));
    if (!CapAllows(recent, options_.cap_actions)) {
      Skip(run, v1::JourneyRun::FREQUENCY_CAP);
      return journeys_.UpdateRun(tx, run);
    }
  }
  CRM_RETURN_IF_ERROR(
      RunAction(tx, journey, account, run, now, survey_sender_down));
  // Unanswered: retried by a later pass.
  if (run.state == v1::JourneyRun::SCHEDULED) return absl::OkStatus();
  return journeys_.UpdateRun(tx, run);
}

void JourneyEngine::SendSurvey(const JourneyRecord& journey,
                               JourneyRunRecord& run, absl::Time now,
                               bool* survey_sender_down) {
  SurveySender* const sender = options_.survey_sender;
  if (sender == nullptr ||
      (survey_sender_down != nullptr && *survey_sender_down)) {
    return;  // Stays SCHEDULED.
  }
  if (run.trigger_subject.empty()) {
    Skip(run, v1::JourneyRun::SURVEY_UNAVAILABLE);
    return;
  }
  SurveyInvitationRequest request;
  request.survey = journey.spec.action().survey();
  request.customer_id = run.customer_id;
  request.subject = run.trigger_subject;
  request.channel = journey.spec.marketing_channel();
  request.request_id = SurveyInvitationRequestId(run.id);
  // A deadline is real time, whatever clock the engine is given.
  absl::StatusOr<std::string> invitation =
      sender->SendInvitation(request, absl::Now() + options_.survey_deadline);
  if (!invitation.ok()) {
    const absl::Status error = invitation.status();
    if (absl::IsAlreadyExists(error)) {
      // Sent for this order or ticket before (by this run under an expired
      // request id, or by another sender): the member has it once.
      const std::map<std::string, std::string> metadata =
          crm::common::ErrorMetadataOf(error);
      const auto existing = metadata.find("resource");
      if (existing != metadata.end() && !existing->second.empty()) {
        invitation = existing->second;
      }
    }
    if (!invitation.ok()) {
      if (absl::IsFailedPrecondition(error) &&
          crm::common::ReasonOf(error) == ::crm::type::v1::CONSENT_REQUIRED) {
        // Loyalty's own consent copy allowed a MARKETING run: feedback's
        // copy may lag behind the same grant, so ask again until the grace
        // ends. Stays SCHEDULED meanwhile.
        if (NeedsMarketingConsent(journey.spec) &&
            now - run.due_time < options_.survey_consent_grace) {
          return;
        }
        Skip(run, v1::JourneyRun::NO_CONSENT);
      } else if (absl::IsNotFound(error) || absl::IsInvalidArgument(error) ||
                 absl::IsFailedPrecondition(error) ||
                 absl::IsAlreadyExists(error) || absl::IsOutOfRange(error)) {
        Skip(run, v1::JourneyRun::SURVEY_UNAVAILABLE);
      } else if (survey_sender_down != nullptr) {
        *survey_sender_down = true;  // Stays SCHEDULED.
      }
      return;
    }
  }
  run.survey_invitation = *invitation;
  run.message_payload = SurveyPayload(journey, run);
  run.state = v1::JourneyRun::COMPLETED;
  run.skip_reason = v1::JourneyRun::SKIP_REASON_UNSPECIFIED;
}

absl::Status JourneyEngine::RunAction(Transaction& tx,
                                      const JourneyRecord& journey,
                                      AccountRecord& account,
                                      JourneyRunRecord& run, absl::Time now,
                                      bool* survey_sender_down) {
  const v1::JourneyAction& action = journey.spec.action();
  switch (action.kind()) {
    case v1::JourneyAction::AWARD_POINTS: {
      CRM_ASSIGN_OR_RETURN(v1::Program program,
                           LoadProgramSettings(programs_, tx));
      Posting posting;
      posting.type = v1::LedgerEntry::BONUS;
      posting.points = action.points();
      posting.reason = absl::StrCat("journey ", JourneyName(journey.id));
      posting.source = absl::StrCat("journey:", run.id);
      posting.time = now;
      posting.expire_time = LotExpireTime(program.expiry_policy(), now);
      CRM_ASSIGN_OR_RETURN(LedgerEntryRecord entry,
                           poster_.Credit(tx, account, posting));
      run.ledger_entry_id = entry.id;
      break;
    }
    case v1::JourneyAction::ISSUE_COUPON: {
      absl::StatusOr<std::string> reward_id = crm::common::ParseResourceName(
          action.reward(), "rewards", "journey.action.reward");
      if (!reward_id.ok()) {
        return absl::DataLossError("stored journey reward is malformed");
      }
      CRM_ASSIGN_OR_RETURN(std::optional<RewardRecord> reward,
                           rewards_.FindReward(tx, *reward_id, /*lock=*/true));
      if (!reward.has_value() || reward->stock < 1 ||
          (reward->available_until.has_value() &&
           now >= *reward->available_until)) {
        Skip(run, v1::JourneyRun::REWARD_UNAVAILABLE);
        return absl::OkStatus();
      }
      CRM_ASSIGN_OR_RETURN(CouponRecord coupon,
                           InsertNewCoupon(tx, rewards_, ids_, codes_,
                                           account.customer_id, *reward, now));
      reward->stock -= 1;
      reward->version += 1;
      CRM_RETURN_IF_ERROR(rewards_.UpdateReward(tx, *reward));
      run.coupon_id = coupon.id;
      break;
    }
    case v1::JourneyAction::EMIT_MESSAGE: {
      run.message_type = action.message_type();
      run.message_payload = MessagePayload(journey, run);
      if (outbox_ != nullptr) {
        CRM_RETURN_IF_ERROR(outbox_->Enqueue(
            tx, {.event_type = run.message_type,
                 .idempotency_key = JourneyRunName(journey.id, run.id),
                 .customer_id = run.customer_id,
                 .payload_json = run.message_payload}));
      }
      break;
    }
    case v1::JourneyAction::SEND_SURVEY:
      SendSurvey(journey, run, now, survey_sender_down);
      return absl::OkStatus();
    default:
      return absl::DataLossError("stored journey has no action");
  }
  run.state = v1::JourneyRun::COMPLETED;
  run.skip_reason = v1::JourneyRun::SKIP_REASON_UNSPECIFIED;
  return absl::OkStatus();
}

absl::Status JourneyEngine::ApplyProfileEvent(Transaction& tx,
                                              const cp::ChangeEvent& event) {
  switch (event.type()) {
    case cp::ChangeEvent::ORDER_RECORDED:
      return ApplyOrderRun(tx, {event});
    case cp::ChangeEvent::CUSTOMER_MERGED: {
      std::optional<std::string> survivor =
          LiveCustomerId(event.merge().survivor());
      std::optional<std::string> duplicate =
          LiveCustomerId(event.merge().duplicate());
      if (!survivor.has_value() || !duplicate.has_value() ||
          *survivor == *duplicate) {
        return absl::OkStatus();
      }
      return journeys_.MoveCustomer(tx, *duplicate, *survivor);
    }
    case cp::ChangeEvent::CUSTOMER_ERASED: {
      std::optional<std::string> customer =
          LiveCustomerId(event.customer_name());
      if (!customer.has_value()) return absl::OkStatus();
      return journeys_.ForgetCustomer(tx, *customer);
    }
    default:
      return absl::OkStatus();
  }
}

absl::Status JourneyEngine::ApplyOrderRun(
    Transaction& tx, const std::vector<cp::ChangeEvent>& events) {
  std::vector<TriggerEvent> triggers;
  std::vector<JourneyRepository::LastOrder> orders;
  for (const cp::ChangeEvent& event : events) {
    if (event.type() != cp::ChangeEvent::ORDER_RECORDED) continue;
    std::optional<std::string> customer = LiveCustomerId(event.customer_name());
    if (!customer.has_value()) continue;
    TriggerEvent trigger;
    trigger.kind = v1::JourneyTrigger::ORDER_RECORDED;
    trigger.customer_id = *customer;
    trigger.event_id = OrderTriggerEvent(event.order().name());
    trigger.subject = event.order().name();
    trigger.time = event.has_event_time()
                       ? crm::common::FromProtoTimestamp(event.event_time())
                       : clock_.Now();
    trigger.order_total_minor = event.order().amount().amount_minor();
    trigger.order_currency = event.order().amount().currency_code();
    const absl::Time order_time =
        event.order().has_order_time()
            ? crm::common::FromProtoTimestamp(event.order().order_time())
            : trigger.time;
    orders.push_back({*customer, crm::common::TruncateToMicros(order_time)});
    triggers.push_back(std::move(trigger));
  }
  if (orders.empty()) return absl::OkStatus();
  CRM_RETURN_IF_ERROR(journeys_.RecordOrders(tx, orders));
  CRM_ASSIGN_OR_RETURN(
      std::vector<JourneyRecord> journeys,
      journeys_.ActiveJourneys(tx, v1::JourneyTrigger::ORDER_RECORDED));
  for (const TriggerEvent& trigger : triggers) {
    CRM_RETURN_IF_ERROR(TriggerJourneys(tx, trigger, journeys));
  }
  return absl::OkStatus();
}

absl::Status JourneyEngine::ApplySegmentationEvent(
    Transaction& tx, int64_t sequence, const seg::ChangeEvent& event) {
  std::optional<std::string> customer = LiveCustomerId(event.customer());
  if (!customer.has_value()) return absl::OkStatus();
  TriggerEvent trigger;
  trigger.customer_id = *customer;
  trigger.event_id = SegmentationTriggerEvent(sequence);
  trigger.time = event.has_event_time()
                     ? crm::common::FromProtoTimestamp(event.event_time())
                     : clock_.Now();
  switch (event.type()) {
    case seg::ChangeEvent::SEGMENT_ENTERED:
      trigger.kind = v1::JourneyTrigger::SEGMENT_ENTERED;
      trigger.segment = event.membership_change().segment();
      break;
    case seg::ChangeEvent::SEGMENT_LEFT:
      // A member merged away leaves every segment; that is no leave of the
      // person (the survivor keeps their memberships).
      if (event.membership_change().reason() == seg::MembershipChange::MERGED) {
        return absl::OkStatus();
      }
      trigger.kind = v1::JourneyTrigger::SEGMENT_LEFT;
      trigger.segment = event.membership_change().segment();
      break;
    case seg::ChangeEvent::LIFECYCLE_STAGE_CHANGED:
      trigger.kind = v1::JourneyTrigger::LIFECYCLE_STAGE_CHANGED;
      trigger.lifecycle_stage = seg::CustomerScore::LifecycleStage_Name(
          event.lifecycle_stage_change().new_stage());
      break;
    case seg::ChangeEvent::VALUE_TIER_CHANGED:
      trigger.kind = v1::JourneyTrigger::VALUE_TIER_CHANGED;
      trigger.value_tier = seg::CustomerScore::ValueTier_Name(
          event.value_tier_change().new_tier());
      break;
    default:
      return absl::OkStatus();
  }
  return OnTrigger(tx, trigger);
}

absl::StatusOr<int64_t> JourneyEngine::RunDue(
    const crm::common::RequestContext& context) {
  const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
  using DueRuns = std::vector<JourneyRepository::DueRun>;
  int64_t settled = 0;
  bool survey_sender_down = false;
  std::optional<JourneyRepository::DueRun> after;
  while (true) {
    CRM_ASSIGN_OR_RETURN(
        DueRuns due,
        unit_of_work_.Read<DueRuns>(
            context, [&](Transaction& tx) -> absl::StatusOr<DueRuns> {
              return journeys_.DueRuns(tx, now,
                                       after.has_value() ? &*after : nullptr,
                                       options_.batch_size);
            }));
    for (const JourneyRepository::DueRun& due_run : due) {
      bool settled_run = false;
      CRM_RETURN_IF_ERROR(
          unit_of_work_.Run(context, [&](Transaction& tx) -> absl::Status {
            settled_run = false;
            CRM_ASSIGN_OR_RETURN(std::optional<JourneyRunRecord> run,
                                 journeys_.LockRun(tx, due_run.id));
            // Another replica settled it first.
            if (!run.has_value() || run->state != v1::JourneyRun::SCHEDULED) {
              return absl::OkStatus();
            }
            CRM_ASSIGN_OR_RETURN(
                std::optional<JourneyRecord> journey,
                journeys_.FindJourney(tx, run->journey_id, /*lock=*/false));
            if (!journey.has_value()) {
              return absl::DataLossError("journey run without its journey");
            }
            CRM_RETURN_IF_ERROR(
                Act(tx, *journey, *run, now, &survey_sender_down));
            settled_run = run->state != v1::JourneyRun::SCHEDULED;
            return absl::OkStatus();
          }));
      if (settled_run) ++settled;
    }
    if (static_cast<int>(due.size()) < options_.batch_size) break;
    after = due.back();
  }
  return settled;
}

absl::Status JourneyEngine::ApplyFeedbackEvent(Transaction& tx,
                                               int64_t sequence,
                                               const fb::ChangeEvent& event) {
  std::optional<std::string> customer = LiveCustomerId(event.customer());
  if (!customer.has_value()) return absl::OkStatus();
  TriggerEvent trigger;
  trigger.customer_id = *customer;
  trigger.event_id = FeedbackTriggerEvent(sequence);
  trigger.time = event.has_event_time()
                     ? crm::common::FromProtoTimestamp(event.event_time())
                     : clock_.Now();
  switch (event.type()) {
    case fb::ChangeEvent::TICKET_RESOLVED:
      trigger.kind = v1::JourneyTrigger::COMPLAINT_RESOLVED;
      trigger.ticket_category = event.ticket_change().category();
      trigger.subject = event.ticket_change().ticket();
      break;
    case fb::ChangeEvent::SURVEY_ANSWERED:
      trigger.kind = v1::JourneyTrigger::SURVEY_ANSWERED;
      trigger.survey = event.survey_answer().survey();
      if (event.survey_answer().has_nps_score()) {
        trigger.nps_score = event.survey_answer().nps_score();
      }
      if (event.survey_answer().has_csat_score()) {
        trigger.csat_score = event.survey_answer().csat_score();
      }
      break;
    default:
      return absl::OkStatus();
  }
  return OnTrigger(tx, trigger);
}

absl::StatusOr<int64_t> JourneyEngine::CheckQuietMembers(
    const crm::common::RequestContext& context) {
  const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
  CRM_ASSIGN_OR_RETURN(
      std::vector<JourneyRecord> journeys,
      unit_of_work_.Read<std::vector<JourneyRecord>>(
          context,
          [&](Transaction& tx) -> absl::StatusOr<std::vector<JourneyRecord>> {
            return journeys_.ActiveJourneys(
                tx, v1::JourneyTrigger::NO_ORDER_FOR_DAYS);
          }));
  int64_t started = 0;
  for (const JourneyRecord& journey : journeys) {
    const int days = journey.spec.trigger().days_without_order();
    const absl::Time cutoff = now - absl::Hours(24) * days;
    std::string after;
    while (true) {
      using Members = std::vector<JourneyRepository::LastOrder>;
      CRM_ASSIGN_OR_RETURN(
          Members members,
          unit_of_work_.Read<Members>(
              context, [&](Transaction& tx) -> absl::StatusOr<Members> {
                return journeys_.QuietMembers(tx, cutoff, after,
                                              options_.batch_size);
              }));
      if (members.empty()) break;
      int64_t batch_started = 0;
      CRM_RETURN_IF_ERROR(
          unit_of_work_.Run(context, [&](Transaction& tx) -> absl::Status {
            batch_started = 0;
            for (const JourneyRepository::LastOrder& quiet : members) {
              TriggerEvent event;
              event.kind = v1::JourneyTrigger::NO_ORDER_FOR_DAYS;
              event.customer_id = quiet.customer_id;
              event.event_id = NoOrderTriggerEvent(quiet.last_order_time);
              event.time = quiet.last_order_time + absl::Hours(24) * days;
              event.days_without_order =
                  absl::ToInt64Hours(now - quiet.last_order_time) / 24;
              CRM_ASSIGN_OR_RETURN(std::optional<AccountRecord> account,
                                   accounts_.Find(tx, quiet.customer_id));
              MemberFacts member;
              if (account.has_value()) {
                // A merged duplicate's orders moved to its survivor.
                if (!account->merged_into.empty()) continue;
                member.tier_id = account->tier;
                member.points_balance = account->points_balance;
              }
              CRM_RETURN_IF_ERROR(Consider(tx, journey, event,
                                           quiet.customer_id, member, now,
                                           &batch_started));
            }
            return absl::OkStatus();
          }));
      started += batch_started;
      after = members.back().customer_id;
      if (static_cast<int>(members.size()) < options_.batch_size) break;
    }
  }
  return started;
}

}  // namespace crm::loyalty

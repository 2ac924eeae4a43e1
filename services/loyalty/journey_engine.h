// Runs journeys (journey.proto): turns trigger events into runs and runs
// into actions, exactly once per journey, member and trigger event.
//
// - Trigger events reach OnTrigger inside the transaction that consumes
//   them (customer-profile's feed for ORDER_RECORDED, profile_feed_apply.h;
//   segmentation's feed for segment, lifecycle and value-tier changes,
//   segmentation_feed_apply.h; feedback's feed for COMPLAINT_RESOLVED and
//   SURVEY_ANSWERED, feedback_feed_apply.h; the quiet-member job for
//   NO_ORDER_FOR_DAYS).
//   For each ACTIVE journey of the event's kind created before the event
//   (NO_ORDER_FOR_DAYS: any) whose trigger matches and whose condition
//   holds, a run is inserted under the unique key (journey, member, trigger
//   event): a replayed event inserts nothing and does nothing. A run due at
//   once acts in the same transaction; a delayed one stays SCHEDULED, and so
//   does a SEND_SURVEY run (it calls feedback, which the job does).
// - RunDue (a periodic job) acts on every SCHEDULED run due by now, each in
//   its own transaction under the run's row lock (several replicas may run
//   it), paging past runs that stay SCHEDULED.
// - Acting: under the member's account lock (so the frequency cap counts
//   serialise per member), a paused journey skips (JOURNEY_PAUSED), a
//   merged account skips (MEMBER_UNAVAILABLE), a member without the
//   journey's marketing consent skips (NO_CONSENT, journey_rules.h), a
//   member at the cap skips (FREQUENCY_CAP); otherwise the action runs
//   (ISSUE_COUPON: a coupon of the reward, one unit of stock, or
//   REWARD_UNAVAILABLE; AWARD_POINTS: a BONUS entry keyed
//   `journey:{run}`; EMIT_MESSAGE: the message recorded on the run and, when
//   an outbox is given, enqueued; SEND_SURVEY: feedback's
//   CreateSurveyInvitation through the SurveySender, with the request id
//   SurveyInvitationRequestId(run) and a deadline, the invitation recorded
//   on the run) and the run is COMPLETED. The run's row is written in the
//   action's transaction, so both commit or neither. A SEND_SURVEY that
//   feedback does not answer (or without a sender) leaves the run
//   SCHEDULED for the next pass, which asks again under the same request id
//   (after the first such failure a pass asks no more); NOT_FOUND (no such
//   survey) or a refusal for good skips it SURVEY_UNAVAILABLE, feedback's
//   CONSENT_REQUIRED skips it NO_CONSENT, and ALREADY_EXISTS (the survey was
//   sent for the order or ticket before) completes it with that invitation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/feedback/v1/change_event.pb.h"
#include "crm/segmentation/v1/change_event.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/consents/consent_repository.h"
#include "services/loyalty/account_repository.h"
#include "services/loyalty/coupon_codes.h"
#include "services/loyalty/journey_repository.h"
#include "services/loyalty/journey_rules.h"
#include "services/loyalty/ledger_poster.h"
#include "services/loyalty/outbound_message_repository.h"
#include "services/loyalty/program_repository.h"
#include "services/loyalty/reward_repository.h"
#include "services/loyalty/survey_sender.h"

namespace crm::loyalty {

struct JourneyEngineOptions {
  // At most this many journey actions (COMPLETED runs) per member in any
  // `cap_window` (0: no cap).
  int cap_actions = 3;
  absl::Duration cap_window = absl::Hours(7 * 24);
  // Runs acted on per RunDue batch and members per quiet-member batch.
  int batch_size = 200;
  // Sends SEND_SURVEY runs' invitations; null: they stay SCHEDULED.
  SurveySender* survey_sender = nullptr;
  // Each CreateSurveyInvitation call's deadline.
  absl::Duration survey_deadline = absl::Seconds(5);
  // How long after its due time a MARKETING survey run that loyalty's
  // consent copy allows stays SCHEDULED when feedback answers
  // CONSENT_REQUIRED (feedback may not have applied the grant yet); after
  // it the run is SKIPPED NO_CONSENT.
  absl::Duration survey_consent_grace = absl::Minutes(10);
};

class JourneyEngine {
 public:
  // Every reference must outlive the engine; `outbox` may be null (messages
  // are then only recorded on their runs).
  JourneyEngine(
      crm::common::UnitOfWork& unit_of_work, JourneyRepository& journeys,
      AccountRepository& accounts, RewardRepository& rewards,
      crm::consents::ConsentRepository& consents, ProgramRepository& programs,
      const crm::common::IdGenerator& ids, const CouponCodeGenerator& codes,
      const crm::common::Clock& clock, OutboundMessageRepository* outbox,
      JourneyEngineOptions options = {})
      : unit_of_work_(unit_of_work),
        journeys_(journeys),
        accounts_(accounts),
        rewards_(rewards),
        consents_(consents),
        programs_(programs),
        ids_(ids),
        codes_(codes),
        clock_(clock),
        outbox_(outbox),
        options_(options),
        poster_(accounts, ids) {}
  JourneyEngine(const JourneyEngine&) = delete;
  JourneyEngine& operator=(const JourneyEngine&) = delete;

  // Starts (and, when due, acts on) the runs `event` triggers, in `tx`.
  absl::Status OnTrigger(crm::common::Transaction& tx,
                         const TriggerEvent& event);

  // customer-profile's feed, in the consumer's transaction: ORDER_RECORDED
  // as ApplyOrderRun of that one event; CUSTOMER_MERGED moves the
  // duplicate's runs and last order to the survivor; CUSTOMER_ERASED deletes
  // the customer's. Other events: nothing.
  absl::Status ApplyProfileEvent(
      crm::common::Transaction& tx,
      const ::crm::customerprofile::v1::ChangeEvent& event);

  // The ORDER_RECORDED events of `events` (others are ignored), in order:
  // records each customer's last order (NO_ORDER_FOR_DAYS; one statement
  // per 64 orders, under the event's customer id: a merged duplicate's
  // late order stays the duplicate's) and, with ACTIVE order journeys (read
  // once), triggers them. Without one, that is all it costs.
  absl::Status ApplyOrderRun(
      crm::common::Transaction& tx,
      const std::vector<::crm::customerprofile::v1::ChangeEvent>& events);

  // segmentation's feed, in the consumer's transaction: SEGMENT_ENTERED,
  // SEGMENT_LEFT (not a leave by merge), LIFECYCLE_STAGE_CHANGED and
  // VALUE_TIER_CHANGED trigger. `sequence` names the trigger event.
  absl::Status ApplySegmentationEvent(
      crm::common::Transaction& tx, int64_t sequence,
      const ::crm::segmentation::v1::ChangeEvent& event);

  // feedback's feed, in the consumer's transaction: TICKET_RESOLVED
  // triggers COMPLAINT_RESOLVED (the ticket's category; the ticket is the
  // run's subject), SURVEY_ANSWERED triggers SURVEY_ANSWERED (the survey).
  // Events without a customer (anonymous responses) or of an erased one
  // start nothing. `sequence` names the trigger event (`feedback:{seq}`).
  absl::Status ApplyFeedbackEvent(
      crm::common::Transaction& tx, int64_t sequence,
      const ::crm::feedback::v1::ChangeEvent& event);

  // Acts on the SCHEDULED runs due by now, one transaction each; returns
  // how many it settled (completed or skipped; a SEND_SURVEY run feedback
  // did not answer stays SCHEDULED and is not counted).
  absl::StatusOr<int64_t> RunDue(const crm::common::RequestContext& context);

  // Triggers NO_ORDER_FOR_DAYS journeys for members whose last order is at
  // least their days ago (once per quiet spell: the trigger event is the
  // last order's time), a batch of members per transaction; returns how
  // many runs it started.
  absl::StatusOr<int64_t> CheckQuietMembers(
      const crm::common::RequestContext& context);

 private:
  // OnTrigger with the ACTIVE journeys of the event's kind already read.
  absl::Status TriggerJourneys(crm::common::Transaction& tx,
                               const TriggerEvent& event,
                               const std::vector<JourneyRecord>& journeys);
  // Starts `journey`'s run for `event` (of `customer`, the survivor) if the
  // condition holds and it has none; acts when due. Adds 1 to `started`.
  absl::Status Consider(crm::common::Transaction& tx,
                        const JourneyRecord& journey, const TriggerEvent& event,
                        const std::string& customer, const MemberFacts& member,
                        absl::Time now, int64_t* started);
  // Acts on `run` (locked or just inserted in `tx`) and stores its outcome;
  // a run left SCHEDULED (SEND_SURVEY unanswered) is not written.
  // `survey_sender_down` (may be null) is set when feedback did not answer,
  // and while set no SEND_SURVEY run calls it.
  absl::Status Act(crm::common::Transaction& tx, const JourneyRecord& journey,
                   JourneyRunRecord& run, absl::Time now,
                   bool* survey_sender_down = nullptr);
  // Runs the action itself; sets the run's results or skip reason (or
  // leaves it SCHEDULED).
  absl::Status RunAction(crm::common::Transaction& tx,
                         const JourneyRecord& journey, AccountRecord& account,
                         JourneyRunRecord& run, absl::Time now,
                         bool* survey_sender_down);
  // SEND_SURVEY: asks feedback for the run's invitation.
  void SendSurvey(const JourneyRecord& journey, JourneyRunRecord& run,
                  absl::Time now, bool* survey_sender_down);

  crm::common::UnitOfWork& unit_of_work_;
  JourneyRepository& journeys_;
  AccountRepository& accounts_;
  RewardRepository& rewards_;
  crm::consents::ConsentRepository& consents_;
  ProgramRepository& programs_;
  const crm::common::IdGenerator& ids_;
  const CouponCodeGenerator& codes_;
  const crm::common::Clock& clock_;
  OutboundMessageRepository* const outbox_;
  const JourneyEngineOptions options_;
  LedgerPoster poster_;
};

}  // namespace crm::loyalty

// Complaint tickets' domain logic, over the storage seam (unit_of_work.h),
// the ticket and feedback repositories and a value-tier source: opens
// tickets from complaint feedback or directly (priority from the customer's
// value tier and the sentiment, SLA deadlines in business time), moves them
// through their states (ticket_rules.h), assigns, comments, updates under
// field masks and etags, keeps their history, and pages them. Every mutation
// is idempotent on its request_id. No SQL and no gRPC here.
//
//   TicketManager manager(unit_of_work, tickets, feedback, keys, clock, ids,
//                         tiers, settings, lexicon, &loyalty, &feed);
//   absl::StatusOr<v1::Ticket> ticket = manager.CreateTicket(ctx, request);
//
// Thread-safe: every call runs in its own unit of work.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/feedback/v1/feedback_service.pb.h"
#include "crm/feedback/v1/ticket.pb.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/feedback/feedback_repository.h"
#include "services/feedback/loyalty_client.h"
#include "services/feedback/text_lexicon.h"
#include "services/feedback/ticket_repository.h"
#include "services/feedback/ticket_rules.h"
#include "services/feedback/value_tier_source.h"

namespace crm::feedback {

// When the service desk works and what it promises.
struct TicketSettings {
  BusinessCalendar calendar =
      BusinessCalendar::OfficeHours(absl::UTCTimeZone());
  SlaPolicy policy = SlaPolicy::Default();
  // How long before an open SLA deadline the SLA job raises
  // SLA_BREACH_IMMINENT (wall-clock time; zero: never).
  absl::Duration sla_warning_lead = absl::Minutes(30);
};

// The IssueCompensation request_id of a ticket's compensation: derived from
// the ticket alone, so every retry of a RESOLVE re-sends the same
// idempotent call and loyalty credits the ticket once.
std::string CompensationRequestId(absl::string_view ticket_id);

class TicketManager {
 public:
  // Every argument must outlive the manager. `feed` receives a
  // TICKET_RESOLVED event (feedback_change_feed.h) in the transaction of
  // every change that moves a ticket into RESOLVED; null: no feed.
  TicketManager(crm::common::UnitOfWork& unit_of_work,
                TicketRepository& tickets, FeedbackRepository& feedback,
                crm::common::IdempotencyRepository& idempotency,
                const crm::common::Clock& clock,
                const crm::common::IdGenerator& ids, ValueTierSource& tiers,
                const TicketSettings& settings,
                const Lexicon& lexicon = DefaultLexicon(),
                LoyaltyClient* loyalty = nullptr,
                crm::common::ChangeFeedWriter* feed = nullptr)
      : unit_of_work_(unit_of_work),
        tickets_(tickets),
        feedback_(feedback),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids),
        tiers_(tiers),
        settings_(settings),
        lexicon_(lexicon),
        loyalty_(loyalty != nullptr ? *loyalty : unconfigured_loyalty_),
        feed_(feed) {}
  TicketManager(const TicketManager&) = delete;
  TicketManager& operator=(const TicketManager&) = delete;

  // Opens a ticket in state NEW (NormalizeNewTicket). With `feedback` set,
  // the item must exist (NOT_FOUND otherwise) and gives the customer (a
  // different `customer` is FIELD_INVALID), the default title
  // (DefaultTicketTitle of its text), description (its text), category and
  // sentiment score; a second ticket for the same item is ALREADY_EXISTS.
  // Without it, the title and description are analysed for the sentiment
  // and category. An unspecified priority is TicketPriorityOf(the
  // customer's tier from the tier source — asked outside the transaction —,
  // the sentiment); anonymous complaints count as an unknown tier. Deadlines
  // are the SLA policy's budgets of business time from now. A CREATED event
  // starts the history.
  absl::StatusOr<v1::Ticket> CreateTicket(
      const crm::common::RequestContext& context,
      const v1::CreateTicketRequest& request);

  // The ticket with its SLA state now; NOT_FOUND if there is none.
  absl::StatusOr<v1::Ticket> GetTicket(
      const crm::common::RequestContext& context,
      const v1::GetTicketRequest& request);

  // A page of tickets matching the filter (ticket_filter.h), newest first.
  absl::StatusOr<v1::ListTicketsResponse> ListTickets(
      const crm::common::RequestContext& context,
      const v1::ListTicketsRequest& request);

  // Changes the mask's fields (TicketUpdatePaths). A set etag must be the
  // current one (ABORTED, ETAG_MISMATCH otherwise). A title cannot become
  // empty; a priority must be P1..P4 and moves the deadlines. An UPDATED
  // event lists the paths; a change that changes nothing stores nothing.
  absl::StatusOr<v1::Ticket> UpdateTicket(
      const crm::common::RequestContext& context,
      const v1::UpdateTicketRequest& request);

  // Makes the move (NextTicketState; FAILED_PRECONDITION with
  // RESOURCE_STATE_CONFLICT when the state does not allow it). ACKNOWLEDGE
  // records the first response time (the first time only), RESOLVE the
  // resolve time, CLOSE the close time; REOPEN clears the last two. A
  // TRANSITION event keeps the note.
  //
  // RESOLVE with compensation_points (1..1e9; other actions:
  // FIELD_INVALID) first credits the points to the ticket's customer
  // through loyalty (request_id CompensationRequestId, so retries credit
  // once), outside any transaction, then records the credit on the ticket
  // and in a COMPENSATED event in the transaction of the move. Nothing
  // changes when loyalty fails: UNAVAILABLE when unreachable in time,
  // FAILED_PRECONDITION without a loyalty client, loyalty's refusal
  // otherwise. An anonymous (or erased) ticket is FAILED_PRECONDITION
  // naming `ticket.customer`; a ticket compensated before (a reopened one)
  // is FAILED_PRECONDITION naming `compensation_points`.
  absl::StatusOr<v1::Ticket> TransitionTicket(
      const crm::common::RequestContext& context,
      const v1::TransitionTicketRequest& request);

  // Sets assignee and team (ASSIGNED event).
  absl::StatusOr<v1::Ticket> AssignTicket(
      const crm::common::RequestContext& context,
      const v1::AssignTicketRequest& request);

  // Adds a COMMENT event (text 1..5000 characters, not only whitespace).
  // The ticket itself does not change.
  absl::StatusOr<v1::TicketEvent> AddTicketComment(
      const crm::common::RequestContext& context,
      const v1::AddTicketCommentRequest& request);

  // A page of a ticket's history, newest first; NOT_FOUND for an unknown
  // ticket.
  absl::StatusOr<v1::ListTicketEventsResponse> ListTicketEvents(
      const crm::common::RequestContext& context,
      const v1::ListTicketEventsRequest& request);

 private:
  // Runs `change` on the locked ticket `name` under `request_id`
  // idempotency, checking `etag` when set; saves the ticket one version up
  // with update_time now and recomputed escalation check, plus the events
  // `change` returns, and replies with the ticket. A change that moves the
  // ticket into RESOLVED appends TICKET_RESOLVED to the feed, the
  // transaction's last write; a repeated request appends nothing.
  using TicketChange =
      std::function<absl::StatusOr<std::vector<TicketEventRecord>>(
          TicketRecord& ticket, absl::Time now)>;
  absl::StatusOr<v1::Ticket> ChangeTicket(
      const crm::common::RequestContext& context, absl::string_view method,
      const google::protobuf::Message& request, absl::string_view request_id,
      absl::string_view name, absl::string_view etag,
      const TicketChange& change);

  // Sets the deadlines and next escalation check of `ticket` from its
  // priority and times.
  void ScheduleSla(TicketRecord& ticket) const;

  crm::common::UnitOfWork& unit_of_work_;
  TicketRepository& tickets_;
  FeedbackRepository& feedback_;
  crm::common::IdempotencyRepository& idempotency_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
  ValueTierSource& tiers_;
  // Whether loyalty should be asked to compensate ticket `id` before
  // RESOLVE: the points issued, or nullopt when the ticket cannot be
  // resolved now (a repeated request, or a state conflict: the transaction
  // answers those). Errors as TransitionTicket's.
  absl::StatusOr<std::optional<IssuedCompensation>> IssueCompensationFor(
      const crm::common::RequestContext& context, const std::string& id,
      int64_t points);

  const TicketSettings& settings_;
  const Lexicon& lexicon_;
  UnconfiguredLoyalty unconfigured_loyalty_;
  LoyaltyClient& loyalty_;
  crm::common::ChangeFeedWriter* const feed_;
};

}  // namespace crm::feedback

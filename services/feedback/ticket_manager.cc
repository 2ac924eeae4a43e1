#include "services/feedback/ticket_manager.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/error_details.h"
#include "services/common/etag.h"
#include "services/common/field_behavior.h"
#include "services/common/idempotency_store.h"
#include "services/common/keyset_page.h"
#include "services/common/status_macros.h"
#include "services/common/text_validation.h"
#include "services/common/timestamps.h"
#include "services/feedback/feedback_change_feed.h"
#include "services/feedback/feedback_validation.h"
#include "services/feedback/text_analysis.h"
#include "services/feedback/ticket_filter.h"
#include "services/feedback/ticket_resources.h"
#include "services/feedback/ticket_validation.h"

namespace crm::feedback {
namespace {

using ::crm::common::Page;
using ::crm::common::PageRequest;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;

constexpr char kCreateTicketMethod[] = "CreateTicket";
constexpr char kUpdateTicketMethod[] = "UpdateTicket";
constexpr char kTransitionTicketMethod[] = "TransitionTicket";
constexpr char kAssignTicketMethod[] = "AssignTicket";
constexpr char kAddTicketCommentMethod[] = "AddTicketComment";

inline constexpr int64_t kMaxCompensationPoints = 1000000000;

// What a ticket takes from the feedback item it is opened from.
struct ComplaintSource {
  std::string customer_id;
  std::string text;
  std::string category;
  double sentiment_score = 0;
};

// FAILED_PRECONDITION unless `ticket` can receive a compensation: it has a
// customer and none was recorded before.
absl::Status CheckCompensable(const TicketRecord& ticket) {
  if (ticket.customer_id.empty()) {
    return crm::common::ErrorWithReason(
        absl::FailedPreconditionError(
            "ticket.customer: an anonymous ticket cannot be compensated"),
        crm::type::v1::RESOURCE_STATE_CONFLICT,
        {{"field", "ticket.customer"}, {"resource", TicketName(ticket.id)}});
  }
  if (!ticket.compensation_entry.empty() || ticket.compensation_points != 0) {
    return crm::common::ErrorWithReason(
        absl::FailedPreconditionError(
            "compensation_points: the ticket was compensated before"),
        crm::type::v1::RESOURCE_STATE_CONFLICT,
        {{"field", "compensation_points"},
         {"resource", TicketName(ticket.id)}});
  }
  return absl::OkStatus();
}

}  // namespace

std::string CompensationRequestId(absl::string_view ticket_id) {
  return absl::StrCat("feedback-compensation-", ticket_id);
}

void TicketManager::ScheduleSla(TicketRecord& ticket) const {
  const TicketTimes times = TicketTimesOf(ticket);
  const SlaStatus sla = EvaluateSla(settings_.calendar, settings_.policy, times,
                                    ticket.create_time);
  ticket.first_response_deadline = sla.first_response_deadline;
  ticket.resolution_deadline = sla.resolution_deadline;
  ticket.next_escalation_time = NextEscalationCheck(
      settings_.calendar, settings_.policy, times, ticket.escalation_level);
  // The SLA job also raises SLA_BREACH_IMMINENT: due at once when a
  // deadline is already within the lead (it deduplicates), else when the
  // next one comes within it.
  const absl::Time now = ticket.update_time;
  std::optional<absl::Time> warning =
      !ImminentDeadlines(settings_.calendar, settings_.policy, times,
                         settings_.sla_warning_lead, now)
              .empty()
          ? std::optional<absl::Time>(now)
          : NextSlaWarningCheck(settings_.calendar, settings_.policy, times,
                                settings_.sla_warning_lead, now);
  if (warning.has_value() && (!ticket.next_escalation_time.has_value() ||
                              *warning < *ticket.next_escalation_time)) {
    ticket.next_escalation_time = warning;
  }
}

absl::StatusOr<v1::Ticket> TicketManager::CreateTicket(
    const RequestContext& context, const v1::CreateTicketRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  v1::CreateTicketRequest input = request;
  crm::common::ClearOutputOnlyFields(&input);
  input.mutable_ticket()->clear_name();
  input.mutable_ticket()->clear_etag();
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(input.request_id()));
  CRM_ASSIGN_OR_RETURN(NewTicket normalized,
                       NormalizeNewTicket(input.ticket(), lexicon_));

  // The complaint behind the ticket: its feedback item, or the ticket's
  // own words.
  ComplaintSource source;
  if (!normalized.feedback_id.empty()) {
    CRM_ASSIGN_OR_RETURN(
        FeedbackRecord item,
        unit_of_work_.Read<FeedbackRecord>(
            context, [&](Transaction& tx) -> absl::StatusOr<FeedbackRecord> {
              return feedback_.Get(tx, normalized.feedback_id);
            }));
    if (!normalized.customer_id.empty() &&
        normalized.customer_id != item.customer_id) {
      return crm::common::InvalidFieldError(
          "ticket.customer", "must be the feedback item's customer");
    }
    source.customer_id = item.customer_id;
    source.text = item.text;
    if (item.analysis.has_value()) {
      source.category = item.analysis->category();
      source.sentiment_score = item.analysis->sentiment_score();
    }
  } else {
    source.customer_id = normalized.customer_id;
    source.text = absl::StrCat(normalized.title, "\n", normalized.description);
    const v1::TextAnalysis analysis = AnalyzeText(lexicon_, source.text);
    source.category = analysis.category();
    source.sentiment_score = analysis.sentiment_score();
  }
  v1::Ticket::Priority priority = normalized.priority;
  if (priority == v1::Ticket::PRIORITY_UNSPECIFIED) {
    const ValueTier tier = source.customer_id.empty()
                               ? ValueTier::kUnknown
                               : tiers_.TierOf(source.customer_id);
    priority =
        ApiTicketPriority(TicketPriorityOf(tier, source.sentiment_score));
  }

  return crm::common::RunIdempotent<v1::Ticket>(
      unit_of_work_, idempotency_, clock_, context, kCreateTicketMethod,
      input.request_id(), input,
      [&](Transaction& tx) -> absl::StatusOr<v1::Ticket> {
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        TicketRecord ticket;
        ticket.id = ids_.NewId();
        ticket.customer_id = source.customer_id;
        ticket.feedback_id = normalized.feedback_id;
        ticket.title = normalized.title.empty()
                           ? DefaultTicketTitle(source.text)
                           : normalized.title;
        ticket.description =
            normalized.description.empty() && !normalized.feedback_id.empty()
                ? source.text
                : normalized.description;
        ticket.category = !normalized.category.empty() ? normalized.category
                          : !source.category.empty()   ? source.category
                                                       : kOtherCategory;
        ticket.state = v1::Ticket::NEW;
        ticket.priority = priority;
        ticket.sentiment_score = source.sentiment_score;
        ticket.create_time = now;
        ticket.update_time = now;
        ticket.version = 1;
        ScheduleSla(ticket);
        absl::Status inserted = tickets_.Insert(tx, ticket);
        if (absl::IsAlreadyExists(inserted) && !ticket.feedback_id.empty()) {
          return crm::common::AlreadyExistsError(
              FeedbackName(ticket.feedback_id),
              "ticket.feedback: a ticket for this feedback item exists");
        }
        CRM_RETURN_IF_ERROR(inserted);
        TicketEventRecord created;
        created.ticket_id = ticket.id;
        created.id = ids_.NewId();
        created.kind = v1::TicketEvent::CREATED;
        created.to_state = v1::Ticket::NEW;
        created.create_time = now;
        CRM_RETURN_IF_ERROR(tickets_.InsertEvent(tx, created));
        return ToTicketProto(ticket, settings_.calendar, settings_.policy, now);
      });
}

absl::StatusOr<v1::Ticket> TicketManager::GetTicket(
    const RequestContext& context, const v1::GetTicketRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string id, TicketIdOf(request.name(), "name"));
  CRM_ASSIGN_OR_RETURN(
      TicketRecord ticket,
      unit_of_work_.Read<TicketRecord>(
          context, [&](Transaction& tx) -> absl::StatusOr<TicketRecord> {
            return tickets_.Get(tx, id, false);
          }));
  return ToTicketProto(ticket, settings_.calendar, settings_.policy,
                       clock_.Now());
}

absl::StatusOr<v1::ListTicketsResponse> TicketManager::ListTickets(
    const RequestContext& context, const v1::ListTicketsRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(TicketQuery query, ParseTicketFilter(request.filter()));
  CRM_ASSIGN_OR_RETURN(
      PageRequest page,
      crm::common::ParsePageRequest(request.page_size(), request.page_token(),
                                    query.fingerprint));
  CRM_ASSIGN_OR_RETURN(
      Page<TicketRecord> result,
      unit_of_work_.Read<Page<TicketRecord>>(
          context, [&](Transaction& tx) -> absl::StatusOr<Page<TicketRecord>> {
            return tickets_.List(tx, query.filter, page);
          }));
  const absl::Time now = clock_.Now();
  v1::ListTicketsResponse response;
  for (const TicketRecord& ticket : result.items) {
    *response.add_tickets() =
        ToTicketProto(ticket, settings_.calendar, settings_.policy, now);
  }
  response.set_next_page_token(
      crm::common::NextPageToken(result.next, query.fingerprint));
  return response;
}

absl::StatusOr<v1::Ticket> TicketManager::ChangeTicket(
    const RequestContext& context, absl::string_view method,
    const google::protobuf::Message& request, absl::string_view request_id,
    absl::string_view name, absl::string_view etag,
    const TicketChange& change) {
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(request_id));
  CRM_ASSIGN_OR_RETURN(std::string id, TicketIdOf(name, "name"));
  std::optional<int64_t> expected_version;
  if (!etag.empty()) {
    CRM_ASSIGN_OR_RETURN(expected_version, crm::common::DecodeEtag(etag));
  }
  bool resolved = false;
  absl::StatusOr<v1::Ticket> result = crm::common::RunIdempotent<v1::Ticket>(
      unit_of_work_, idempotency_, clock_, context, method, request_id, request,
      [&](Transaction& tx) -> absl::StatusOr<v1::Ticket> {
        resolved = false;
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        CRM_ASSIGN_OR_RETURN(TicketRecord ticket, tickets_.Get(tx, id, true));
        if (expected_version.has_value() &&
            *expected_version != ticket.version) {
          return crm::common::EtagMismatchError(TicketName(id));
        }
        const v1::Ticket::State before = ticket.state;
        CRM_ASSIGN_OR_RETURN(std::vector<TicketEventRecord> events,
                             change(ticket, now));
        if (!events.empty()) {
          ticket.version += 1;
          ticket.update_time = now;
          ScheduleSla(ticket);
          CRM_RETURN_IF_ERROR(tickets_.Save(tx, ticket));
          for (TicketEventRecord& event : events) {
            event.ticket_id = ticket.id;
            event.id = ids_.NewId();
            event.create_time = now;
            CRM_RETURN_IF_ERROR(tickets_.InsertEvent(tx, event));
          }
        }
        v1::Ticket reply =
            ToTicketProto(ticket, settings_.calendar, settings_.policy, now);
        if (before != v1::Ticket::RESOLVED &&
            ticket.state == v1::Ticket::RESOLVED) {
          // The last write before the idempotency key: after every lock.
          CRM_RETURN_IF_ERROR(AppendTicketResolved(feed_, tx, ticket, reply));
          resolved = true;
        }
        return reply;
      });
  if (result.ok() && resolved && feed_ != nullptr) feed_->NotifyCommitted();
  return result;
}

absl::StatusOr<v1::Ticket> TicketManager::UpdateTicket(
    const RequestContext& context, const v1::UpdateTicketRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  v1::UpdateTicketRequest input = request;
  crm::common::ClearOutputOnlyFields(&input);
  CRM_ASSIGN_OR_RETURN(std::vector<std::string> paths,
                       TicketUpdatePaths(input.update_mask()));
  const v1::Ticket& body = input.ticket();
  std::string title;
  for (const std::string& path : paths) {
    if (path == "title") {
      title = crm::common::CollapseWhitespace(body.title());
      CRM_RETURN_IF_ERROR(crm::common::ValidateText(
          title, "ticket.title", kMaxTicketTitleLength,
          crm::common::Presence::kRequired));
    } else if (path == "description") {
      CRM_RETURN_IF_ERROR(crm::common::ValidateText(
          body.description(), "ticket.description", kMaxTicketDescriptionLength,
          crm::common::Presence::kOptional));
    } else if (path == "category") {
      CRM_RETURN_IF_ERROR(
          ValidateTicketCategory(body.category(), "ticket.category", lexicon_));
    } else if (path == "priority") {
      if (body.priority() == v1::Ticket::PRIORITY_UNSPECIFIED ||
          !v1::Ticket::Priority_IsValid(body.priority())) {
        return crm::common::InvalidFieldError("ticket.priority",
                                              "must be P1, P2, P3 or P4");
      }
    }
  }
  return ChangeTicket(
      context, kUpdateTicketMethod, input, input.request_id(), body.name(),
      body.etag(),
      [&](TicketRecord& ticket,
          absl::Time) -> absl::StatusOr<std::vector<TicketEventRecord>> {
        std::vector<std::string> changed;
        for (const std::string& path : paths) {
          if (path == "title" && ticket.title != title) {
            ticket.title = title;
            changed.push_back(path);
          } else if (path == "description" &&
                     ticket.description != body.description()) {
            ticket.description = body.description();
            changed.push_back(path);
          } else if (path == "category" && ticket.category != body.category()) {
            ticket.category = body.category();
            changed.push_back(path);
          } else if (path == "priority" && ticket.priority != body.priority()) {
            ticket.priority = body.priority();
            changed.push_back(path);
          }
        }
        if (changed.empty()) return std::vector<TicketEventRecord>{};
        TicketEventRecord updated;
        updated.kind = v1::TicketEvent::UPDATED;
        updated.text = absl::StrJoin(changed, ",");
        return std::vector<TicketEventRecord>{updated};
      });
}

absl::StatusOr<v1::Ticket> TicketManager::TransitionTicket(
    const RequestContext& context, const v1::TransitionTicketRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(TicketAction action, TicketActionOf(request.action()));
  CRM_RETURN_IF_ERROR(
      crm::common::ValidateText(request.note(), "note", kMaxTicketNoteLength,
                                crm::common::Presence::kOptional));
  CRM_RETURN_IF_ERROR(ValidateStaffId(request.author(), "author"));
  const int64_t points = request.compensation_points();
  std::optional<IssuedCompensation> compensation;
  if (points != 0) {
    if (action != TicketAction::kResolve) {
      return crm::common::InvalidFieldError("compensation_points",
                                            "only with action RESOLVE");
    }
    if (points < 0 || points > kMaxCompensationPoints) {
      return crm::common::InvalidFieldError("compensation_points",
                                            "must be between 1 and 1000000000");
    }
    CRM_ASSIGN_OR_RETURN(std::string id, TicketIdOf(request.name(), "name"));
    // Credited before the move commits; a failure here changes nothing.
    CRM_ASSIGN_OR_RETURN(compensation,
                         IssueCompensationFor(context, id, points));
  }
  return ChangeTicket(
      context, kTransitionTicketMethod, request, request.request_id(),
      request.name(), request.etag(),
      [&](TicketRecord& ticket,
          absl::Time now) -> absl::StatusOr<std::vector<TicketEventRecord>> {
        CRM_ASSIGN_OR_RETURN(TicketState next,
                             NextTicketState(TicketStateOf(ticket.state),
                                             action, TicketName(ticket.id)));
        std::vector<TicketEventRecord> events;
        if (points != 0) {
          CRM_RETURN_IF_ERROR(CheckCompensable(ticket));
          if (!compensation.has_value()) {
            // The ticket became resolvable after it was read: nothing was
            // credited for this request yet.
            return crm::common::ErrorWithReason(
                absl::AbortedError(absl::StrCat(
                    TicketName(ticket.id),
                    ": changed while the compensation was prepared; retry")),
                crm::type::v1::CONCURRENCY_CONFLICT);
          }
          ticket.compensation_points = compensation->points;
          ticket.compensation_entry = compensation->entry_name;
          ticket.compensation_time = now;
          TicketEventRecord compensated;
          compensated.kind = v1::TicketEvent::COMPENSATED;
          compensated.author = request.author();
          compensated.compensation_points = compensation->points;
          compensated.compensation_entry = compensation->entry_name;
          events.push_back(compensated);
        }
        TicketEventRecord moved;
        moved.kind = v1::TicketEvent::TRANSITION;
        moved.author = request.author();
        moved.text = request.note();
        moved.from_state = ticket.state;
        moved.to_state = ApiTicketState(next);
        switch (action) {
          case TicketAction::kAcknowledge:
            if (!ticket.first_response_time.has_value()) {
              ticket.first_response_time = now;
            }
            break;
          case TicketAction::kResolve:
            ticket.resolve_time = now;
            break;
          case TicketAction::kClose:
            ticket.close_time = now;
            break;
          case TicketAction::kReopen:
            ticket.resolve_time.reset();
            ticket.close_time.reset();
            break;
          case TicketAction::kStart:
            break;
        }
        ticket.state = ApiTicketState(next);
        events.insert(events.begin(), moved);
        return events;
      });
}

absl::StatusOr<std::optional<IssuedCompensation>>
TicketManager::IssueCompensationFor(const RequestContext& context,
                                    const std::string& id, int64_t points) {
  CRM_ASSIGN_OR_RETURN(
      TicketRecord ticket,
      unit_of_work_.Read<TicketRecord>(
          context, [&](Transaction& tx) -> absl::StatusOr<TicketRecord> {
            return tickets_.Get(tx, id, false);
          }));
  // Not resolvable now: a repeat of a request that resolved it (answered
  // from the idempotency store) or a state conflict — the transaction
  // answers either without asking loyalty.
  if (!NextTicketState(TicketStateOf(ticket.state), TicketAction::kResolve,
                       TicketName(id))
           .ok()) {
    return std::optional<IssuedCompensation>();
  }
  CRM_RETURN_IF_ERROR(CheckCompensable(ticket));
  CompensationRequest call;
  call.customer_id = ticket.customer_id;
  call.ticket_id = ticket.id;
  call.points = points;
  call.reason = absl::StrCat("Compensation for complaint ", TicketName(id));
  call.request_id = CompensationRequestId(ticket.id);
  CRM_ASSIGN_OR_RETURN(IssuedCompensation issued,
                       loyalty_.IssueCompensation(call));
  return std::optional<IssuedCompensation>(std::move(issued));
}

absl::StatusOr<v1::Ticket> TicketManager::AssignTicket(
    const RequestContext& context, const v1::AssignTicketRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_RETURN_IF_ERROR(ValidateStaffId(request.assignee(), "assignee"));
  CRM_RETURN_IF_ERROR(ValidateStaffId(request.team(), "team"));
  CRM_RETURN_IF_ERROR(ValidateStaffId(request.author(), "author"));
  return ChangeTicket(
      context, kAssignTicketMethod, request, request.request_id(),
      request.name(), request.etag(),
      [&](TicketRecord& ticket,
          absl::Time) -> absl::StatusOr<std::vector<TicketEventRecord>> {
        if (ticket.assignee == request.assignee() &&
            ticket.team == request.team()) {
          return std::vector<TicketEventRecord>{};
        }
        ticket.assignee = request.assignee();
        ticket.team = request.team();
        TicketEventRecord assigned;
        assigned.kind = v1::TicketEvent::ASSIGNED;
        assigned.author = request.author();
        assigned.assignee = request.assignee();
        assigned.team = request.team();
        return std::vector<TicketEventRecord>{assigned};
      });
}

absl::StatusOr<v1::TicketEvent> TicketManager::AddTicketComment(
    const RequestContext& context, const v1::AddTicketCommentRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string id, TicketIdOf(request.name(), "name"));
  CRM_RETURN_IF_ERROR(
      crm::common::ValidateText(request.text(), "text", kMaxTicketNoteLength,
                                crm::common::Presence::kRequired));
  CRM_RETURN_IF_ERROR(ValidateStaffId(request.author(), "author"));
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(request.request_id()));
  return crm::common::RunIdempotent<v1::TicketEvent>(
      unit_of_work_, idempotency_, clock_, context, kAddTicketCommentMethod,
      request.request_id(), request,
      [&](Transaction& tx) -> absl::StatusOr<v1::TicketEvent> {
        // Locked so that comments and changes of one ticket are ordered.
        CRM_RETURN_IF_ERROR(tickets_.Get(tx, id, true).status());
        TicketEventRecord comment;
        comment.ticket_id = id;
        comment.id = ids_.NewId();
        comment.kind = v1::TicketEvent::COMMENT;
        comment.author = request.author();
        comment.text = request.text();
        comment.create_time = crm::common::TruncateToMicros(clock_.Now());
        CRM_RETURN_IF_ERROR(tickets_.InsertEvent(tx, comment));
        return ToTicketEventProto(comment);
      });
}

absl::StatusOr<v1::ListTicketEventsResponse> TicketManager::ListTicketEvents(
    const RequestContext& context, const v1::ListTicketEventsRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string id, TicketIdOf(request.parent(), "parent"));
  const std::string query = absl::StrCat("ticketEvents?", id);
  CRM_ASSIGN_OR_RETURN(PageRequest page,
                       crm::common::ParsePageRequest(
                           request.page_size(), request.page_token(), query));
  CRM_ASSIGN_OR_RETURN(
      Page<TicketEventRecord> result,
      unit_of_work_.Read<Page<TicketEventRecord>>(
          context,
          [&](Transaction& tx) -> absl::StatusOr<Page<TicketEventRecord>> {
            CRM_RETURN_IF_ERROR(tickets_.Get(tx, id, false).status());
            return tickets_.ListEvents(tx, id, page);
          }));
  v1::ListTicketEventsResponse response;
  for (const TicketEventRecord& event : result.items) {
    *response.add_events() = ToTicketEventProto(event);
  }
  response.set_next_page_token(crm::common::NextPageToken(result.next, query));
  return response;
}

}  // namespace crm::feedback

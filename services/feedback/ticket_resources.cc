#include "services/feedback/ticket_resources.h"

#include "absl/strings/str_cat.h"
#include "services/common/etag.h"
#include "services/common/resource_name.h"
#include "services/common/timestamps.h"
#include "services/feedback/feedback_validation.h"

namespace crm::feedback {
namespace {

v1::Ticket::DeadlineState ApiDeadlineState(DeadlineState state) {
  switch (state) {
    case DeadlineState::kMet:
      return v1::Ticket::MET;
    case DeadlineState::kOnTrack:
      return v1::Ticket::ON_TRACK;
    case DeadlineState::kImminent:
      return v1::Ticket::IMMINENT;
    case DeadlineState::kBreached:
      return v1::Ticket::BREACHED;
  }
  return v1::Ticket::DEADLINE_STATE_UNSPECIFIED;
}

// The timestamp of `time`, or nullptr (the field stays unset) without one.
google::protobuf::Timestamp* OptionalTimestamp(
    const std::optional<absl::Time>& time) {
  if (!time.has_value()) return nullptr;
  return new google::protobuf::Timestamp(crm::common::ToProtoTimestamp(*time));
}

}  // namespace

std::string TicketName(absl::string_view id) {
  return crm::common::FormatResourceName(kTicketsCollection, id);
}

absl::StatusOr<std::string> TicketIdOf(absl::string_view name,
                                       absl::string_view field) {
  return crm::common::ParseResourceName(name, kTicketsCollection, field);
}

std::string TicketEventName(absl::string_view ticket_id,
                            absl::string_view event_id) {
  return absl::StrCat(TicketName(ticket_id), "/events/", event_id);
}

TicketState TicketStateOf(v1::Ticket::State state) {
  switch (state) {
    case v1::Ticket::ACKNOWLEDGED:
      return TicketState::kAcknowledged;
    case v1::Ticket::IN_PROGRESS:
      return TicketState::kInProgress;
    case v1::Ticket::RESOLVED:
      return TicketState::kResolved;
    case v1::Ticket::CLOSED:
      return TicketState::kClosed;
    default:
      return TicketState::kNew;
  }
}

v1::Ticket::State ApiTicketState(TicketState state) {
  switch (state) {
    case TicketState::kNew:
      return v1::Ticket::NEW;
    case TicketState::kAcknowledged:
      return v1::Ticket::ACKNOWLEDGED;
    case TicketState::kInProgress:
      return v1::Ticket::IN_PROGRESS;
    case TicketState::kResolved:
      return v1::Ticket::RESOLVED;
    case TicketState::kClosed:
      return v1::Ticket::CLOSED;
  }
  return v1::Ticket::STATE_UNSPECIFIED;
}

TicketPriority TicketPriorityOfApi(v1::Ticket::Priority priority) {
  switch (priority) {
    case v1::Ticket::P1:
      return TicketPriority::kP1;
    case v1::Ticket::P2:
      return TicketPriority::kP2;
    case v1::Ticket::P4:
      return TicketPriority::kP4;
    default:
      return TicketPriority::kP3;
  }
}

v1::Ticket::Priority ApiTicketPriority(TicketPriority priority) {
  return static_cast<v1::Ticket::Priority>(static_cast<int>(priority));
}

TicketTimes TicketTimesOf(const TicketRecord& ticket) {
  TicketTimes times;
  times.priority = TicketPriorityOfApi(ticket.priority);
  times.open_time = ticket.create_time;
  times.first_response_time = ticket.first_response_time;
  times.resolve_time = ticket.resolve_time;
  return times;
}

v1::Ticket ToTicketProto(const TicketRecord& ticket,
                         const BusinessCalendar& calendar,
                         const SlaPolicy& policy, absl::Time now) {
  v1::Ticket proto;
  proto.set_name(TicketName(ticket.id));
  if (!ticket.customer_id.empty()) {
    proto.set_customer(CustomerName(ticket.customer_id));
  }
  if (!ticket.feedback_id.empty()) {
    proto.set_feedback(FeedbackName(ticket.feedback_id));
  }
  proto.set_title(ticket.title);
  proto.set_description(ticket.description);
  proto.set_category(ticket.category);
  proto.set_state(ticket.state);
  proto.set_priority(ticket.priority);
  proto.set_assignee(ticket.assignee);
  proto.set_team(ticket.team);
  proto.set_sentiment_score(ticket.sentiment_score);
  proto.set_escalation_level(ticket.escalation_level);
  *proto.mutable_create_time() =
      crm::common::ToProtoTimestamp(ticket.create_time);
  *proto.mutable_update_time() =
      crm::common::ToProtoTimestamp(ticket.update_time);
  proto.set_allocated_first_response_time(
      OptionalTimestamp(ticket.first_response_time));
  proto.set_allocated_resolve_time(OptionalTimestamp(ticket.resolve_time));
  proto.set_allocated_close_time(OptionalTimestamp(ticket.close_time));
  *proto.mutable_first_response_deadline() =
      crm::common::ToProtoTimestamp(ticket.first_response_deadline);
  *proto.mutable_resolution_deadline() =
      crm::common::ToProtoTimestamp(ticket.resolution_deadline);
  const SlaStatus sla =
      EvaluateSla(calendar, policy, TicketTimesOf(ticket), now);
  proto.set_first_response_sla(ApiDeadlineState(sla.first_response));
  proto.set_resolution_sla(ApiDeadlineState(sla.resolution));
  proto.set_etag(crm::common::EncodeEtag(ticket.version));
  proto.set_compensation_points(ticket.compensation_points);
  proto.set_compensation_entry(ticket.compensation_entry);
  if (ticket.compensation_time.has_value()) {
    *proto.mutable_compensation_time() =
        crm::common::ToProtoTimestamp(*ticket.compensation_time);
  }
  return proto;
}

v1::TicketEvent ToTicketEventProto(const TicketEventRecord& event) {
  v1::TicketEvent proto;
  proto.set_name(TicketEventName(event.ticket_id, event.id));
  proto.set_kind(event.kind);
  proto.set_author(event.author);
  proto.set_text(event.text);
  proto.set_from_state(event.from_state);
  proto.set_to_state(event.to_state);
  proto.set_assignee(event.assignee);
  proto.set_team(event.team);
  proto.set_escalation_level(event.escalation_level);
  *proto.mutable_create_time() =
      crm::common::ToProtoTimestamp(event.create_time);
  proto.set_compensation_points(event.compensation_points);
  proto.set_compensation_entry(event.compensation_entry);
  return proto;
}

}  // namespace crm::feedback

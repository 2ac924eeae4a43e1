#include "services/feedback/ticket_rules.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"

namespace crm::feedback {
namespace {

// Days AddBusinessTime looks ahead before giving up on a closed calendar.
constexpr int kMaxDaysAhead = 3660;

int WeekdayIndex(absl::CivilDay day) {
  return static_cast<int>(absl::GetWeekday(day));  // monday = 0.
}

// The open interval of local `day`, if the desk opens that day.
bool OpenWindow(const BusinessCalendar& calendar, absl::CivilDay day,
                absl::Time* open, absl::Time* close) {
  if (calendar.holidays.count(day) > 0) return false;
  const std::optional<BusinessCalendar::Hours>& hours =
      calendar.hours[WeekdayIndex(day)];
  if (!hours.has_value() || hours->close <= hours->open) return false;
  const absl::Time midnight = absl::FromCivil(day, calendar.zone);
  *open = midnight + hours->open;
  *close = midnight + std::min(hours->close, absl::Hours(24));
  return true;
}

}  // namespace

std::string TicketStateName(TicketState state) {
  switch (state) {
    case TicketState::kNew:
      return "NEW";
    case TicketState::kAcknowledged:
      return "ACKNOWLEDGED";
    case TicketState::kInProgress:
      return "IN_PROGRESS";
    case TicketState::kResolved:
      return "RESOLVED";
    case TicketState::kClosed:
      return "CLOSED";
  }
  return "UNKNOWN";
}

std::string TicketActionName(TicketAction action) {
  switch (action) {
    case TicketAction::kAcknowledge:
      return "ACKNOWLEDGE";
    case TicketAction::kStart:
      return "START";
    case TicketAction::kResolve:
      return "RESOLVE";
    case TicketAction::kClose:
      return "CLOSE";
    case TicketAction::kReopen:
      return "REOPEN";
  }
  return "UNKNOWN";
}

absl::StatusOr<TicketState> NextTicketState(TicketState from,
                                            TicketAction action,
                                            absl::string_view ticket_name) {
  switch (action) {
    case TicketAction::kAcknowledge:
      if (from == TicketState::kNew) return TicketState::kAcknowledged;
      break;
    case TicketAction::kStart:
      if (from == TicketState::kAcknowledged) return TicketState::kInProgress;
      break;
    case TicketAction::kResolve:
      if (from == TicketState::kInProgress) return TicketState::kResolved;
      break;
    case TicketAction::kClose:
      if (from == TicketState::kResolved) return TicketState::kClosed;
      break;
    case TicketAction::kReopen:
      if (from == TicketState::kResolved || from == TicketState::kClosed) {
        return TicketState::kInProgress;
      }
      break;
  }
  return crm::common::ErrorWithReason(
      absl::FailedPreconditionError(
          absl::StrCat(ticket_name, ": a ", TicketStateName(from),
                       " ticket cannot ", TicketActionName(action))),
      crm::type::v1::RESOURCE_STATE_CONFLICT,
      {{"resource", std::string(ticket_name)},
       {"state", TicketStateName(from)},
       {"action", TicketActionName(action)}});
}

TicketPriority TicketPriorityOf(ValueTier tier, double sentiment_score) {
  const bool very_negative = sentiment_score <= kVeryNegativeSentiment;
  switch (tier) {
    case ValueTier::kHigh:
      return very_negative ? TicketPriority::kP1 : TicketPriority::kP2;
    case ValueTier::kLow:
      if (very_negative) return TicketPriority::kP2;
      return sentiment_score >= 0 ? TicketPriority::kP4 : TicketPriority::kP3;
    case ValueTier::kMedium:
    case ValueTier::kUnknown:
      return very_negative ? TicketPriority::kP2 : TicketPriority::kP3;
  }
  return TicketPriority::kP3;
}

BusinessCalendar BusinessCalendar::OfficeHours(absl::TimeZone zone) {
  BusinessCalendar calendar;
  calendar.zone = zone;
  for (int day = 0; day < 5; ++day) {
    calendar.hours[day] = Hours{absl::Hours(9), absl::Hours(18)};
  }
  return calendar;
}

absl::Time AddBusinessTime(const BusinessCalendar& calendar, absl::Time start,
                           absl::Duration duration) {
  if (duration <= absl::ZeroDuration()) return start;
  absl::Duration left = duration;
  absl::CivilDay day = absl::ToCivilDay(start, calendar.zone);
  for (int i = 0; i < kMaxDaysAhead; ++i, ++day) {
    absl::Time open;
    absl::Time close;
    if (!OpenWindow(calendar, day, &open, &close)) continue;
    const absl::Time from = std::max(open, start);
    if (from >= close) continue;
    if (close - from >= left) return from + left;
    left -= close - from;
  }
  return absl::InfiniteFuture();
}

absl::Duration BusinessTimeBetween(const BusinessCalendar& calendar,
                                   absl::Time from, absl::Time to) {
  absl::Duration total;
  if (to <= from) return total;
  const absl::CivilDay last = absl::ToCivilDay(to, calendar.zone);
  for (absl::CivilDay day = absl::ToCivilDay(from, calendar.zone); day <= last;
       ++day) {
    absl::Time open;
    absl::Time close;
    if (!OpenWindow(calendar, day, &open, &close)) continue;
    const absl::Time a = std::max(open, from);
    const absl::Time b = std::min(close, to);
    if (b > a) total += b - a;
  }
  return total;
}

SlaPolicy SlaPolicy::Default() {
  SlaPolicy policy;
  policy.targets[0] = {absl::Hours(1), absl::Hours(8)};
  policy.targets[1] = {absl::Hours(4), absl::Hours(24)};
  policy.targets[2] = {absl::Hours(8), absl::Hours(40)};
  policy.targets[3] = {absl::Hours(16), absl::Hours(80)};
  return policy;
}

namespace {

DeadlineState StateOf(const BusinessCalendar& calendar, double imminent_share,
                      absl::Duration budget, absl::Time deadline,
                      const std::optional<absl::Time>& done, absl::Time now) {
  if (done.has_value()) {
    return *done <= deadline ? DeadlineState::kMet : DeadlineState::kBreached;
  }
  if (now > deadline) return DeadlineState::kBreached;
  const absl::Duration left = BusinessTimeBetween(calendar, now, deadline);
  return left < budget * imminent_share ? DeadlineState::kImminent
                                        : DeadlineState::kOnTrack;
}

}  // namespace

SlaStatus EvaluateSla(const BusinessCalendar& calendar, const SlaPolicy& policy,
                      const TicketTimes& ticket, absl::Time now) {
  const SlaTargets& targets = policy.For(ticket.priority);
  SlaStatus status;
  status.first_response_deadline =
      AddBusinessTime(calendar, ticket.open_time, targets.first_response);
  status.resolution_deadline =
      AddBusinessTime(calendar, ticket.open_time, targets.resolution);
  status.first_response =
      StateOf(calendar, policy.imminent_share, targets.first_response,
              status.first_response_deadline, ticket.first_response_time, now);
  status.resolution =
      StateOf(calendar, policy.imminent_share, targets.resolution,
              status.resolution_deadline, ticket.resolve_time, now);
  return status;
}

int EscalationLevel(const BusinessCalendar& calendar, const SlaPolicy& policy,
                    const TicketTimes& ticket, absl::Time now) {
  const SlaStatus status = EvaluateSla(calendar, policy, ticket, now);
  if (status.resolution == DeadlineState::kBreached) {
    if (ticket.resolve_time.has_value()) return 2;
    const absl::Duration late =
        BusinessTimeBetween(calendar, status.resolution_deadline, now);
    return late >= policy.For(ticket.priority).resolution / 2 ? 3 : 2;
  }
  return status.first_response == DeadlineState::kBreached ? 1 : 0;
}

std::optional<int> EscalationUpdate(const BusinessCalendar& calendar,
                                    const SlaPolicy& policy,
                                    const TicketTimes& ticket, int current,
                                    absl::Time now) {
  const int level = EscalationLevel(calendar, policy, ticket, now);
  if (level <= current) return std::nullopt;
  return level;
}

std::optional<absl::Time> NextEscalationCheck(const BusinessCalendar& calendar,
                                              const SlaPolicy& policy,
                                              const TicketTimes& ticket,
                                              int current) {
  const SlaTargets& targets = policy.For(ticket.priority);
  // A deadline is breached strictly after it (EvaluateSla).
  const absl::Duration just_after = absl::Microseconds(1);
  std::optional<absl::Time> next;
  const auto consider = [&](int level, absl::Time when,
                            const std::optional<absl::Time>& done) {
    if (level <= current || when == absl::InfiniteFuture()) return;
    if (done.has_value() && *done <= when) return;
    if (!next.has_value() || when < *next) next = when;
  };
  const absl::Time first_response_deadline =
      AddBusinessTime(calendar, ticket.open_time, targets.first_response);
  const absl::Time resolution_deadline =
      AddBusinessTime(calendar, ticket.open_time, targets.resolution);
  consider(1, first_response_deadline + just_after, ticket.first_response_time);
  consider(2, resolution_deadline + just_after, ticket.resolve_time);
  // A resolved ticket stays at level 2 at most (EscalationLevel).
  if (!ticket.resolve_time.has_value()) {
    consider(
        3,
        AddBusinessTime(calendar, resolution_deadline, targets.resolution / 2),
        std::nullopt);
  }
  return next;
}

namespace {

// The deadlines of `ticket` whose event has not happened yet, as
// ImminentDeadline candidates, first response first.
std::vector<ImminentDeadline> OpenDeadlines(const BusinessCalendar& calendar,
                                            const SlaPolicy& policy,
                                            const TicketTimes& ticket) {
  const SlaTargets& targets = policy.For(ticket.priority);
  std::vector<ImminentDeadline> open;
  if (!ticket.first_response_time.has_value()) {
    open.push_back({1, AddBusinessTime(calendar, ticket.open_time,
                                       targets.first_response)});
  }
  if (!ticket.resolve_time.has_value()) {
    open.push_back(
        {2, AddBusinessTime(calendar, ticket.open_time, targets.resolution)});
  }
  return open;
}

}  // namespace

std::vector<ImminentDeadline> ImminentDeadlines(
    const BusinessCalendar& calendar, const SlaPolicy& policy,
    const TicketTimes& ticket, absl::Duration lead, absl::Time now) {
  std::vector<ImminentDeadline> imminent;
  if (lead <= absl::ZeroDuration()) return imminent;
  for (const ImminentDeadline& open : OpenDeadlines(calendar, policy, ticket)) {
    if (open.deadline == absl::InfiniteFuture()) continue;
    if (now < open.deadline && open.deadline <= now + lead) {
      imminent.push_back(open);
    }
  }
  return imminent;
}

std::optional<absl::Time> NextSlaWarningCheck(const BusinessCalendar& calendar,
                                              const SlaPolicy& policy,
                                              const TicketTimes& ticket,
                                              absl::Duration lead,
                                              absl::Time now) {
  std::optional<absl::Time> next;
  if (lead <= absl::ZeroDuration()) return next;
  for (const ImminentDeadline& open : OpenDeadlines(calendar, policy, ticket)) {
    if (open.deadline == absl::InfiniteFuture()) continue;
    const absl::Time warn = open.deadline - lead;
    if (warn <= now) continue;
    if (!next.has_value() || warn < *next) next = warn;
  }
  return next;
}

}  // namespace crm::feedback

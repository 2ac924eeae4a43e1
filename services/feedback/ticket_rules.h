// The rules of complaint tickets, as pure functions: the state machine, the
// priority from the customer's value tier and the complaint's sentiment,
// SLA deadlines counted in business hours (weekly opening hours in a time
// zone, minus holidays), breach detection and escalation levels.
//
//   CRM_ASSIGN_OR_RETURN(TicketState next,
//                        NextTicketState(ticket.state, TicketAction::kStart,
//                                        "tickets/t1"));
//   const TicketPriority priority = TicketPriorityOf(tier, sentiment_score);
//   const SlaStatus sla = EvaluateSla(calendar, policy, ticket_times, now);
//   if (std::optional<int> level = EscalationUpdate(calendar, policy,
//                                                   ticket_times, current,
//                                                   now)) { ...store *level }
//
// The ticket manager (ticket_manager.h) and the escalation job
// (ticket_escalation.h) call these.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace crm::feedback {

// new -> acknowledged -> in progress -> resolved -> closed; resolved and
// closed tickets can be reopened (back to in progress).
enum class TicketState { kNew, kAcknowledged, kInProgress, kResolved, kClosed };
enum class TicketAction { kAcknowledge, kStart, kResolve, kClose, kReopen };

std::string TicketStateName(TicketState state);
std::string TicketActionName(TicketAction action);

// The state `action` leads to from `from`:
//   acknowledge  new -> acknowledged
//   start        acknowledged -> in progress
//   resolve      in progress -> resolved
//   close        resolved -> closed
//   reopen       resolved or closed -> in progress
// Anything else is FAILED_PRECONDITION with reason RESOURCE_STATE_CONFLICT
// naming `ticket_name` (metadata "state" and "action").
absl::StatusOr<TicketState> NextTicketState(TicketState from,
                                            TicketAction action,
                                            absl::string_view ticket_name);

// The customer's value tier as segmentation reports it; kUnknown when it
// could not be asked in time (segmentation down or slow).
enum class ValueTier { kUnknown, kLow, kMedium, kHigh };

// P1 is the most urgent.
enum class TicketPriority { kP1 = 1, kP2 = 2, kP3 = 3, kP4 = 4 };

// Sentiment at or below this is "very negative" for the priority.
inline constexpr double kVeryNegativeSentiment = -0.5;

// P1: high tier and very negative; P2: high tier, or very negative; P4: low
// tier and not negative (score >= 0); P3 otherwise. An unknown tier counts
// as medium (the documented default when segmentation cannot answer): P2
// if very negative, else P3.
TicketPriority TicketPriorityOf(ValueTier tier, double sentiment_score);

// When the service desk works: opening hours per weekday in a time zone,
// and holidays (whole local days closed).
struct BusinessCalendar {
  absl::TimeZone zone = absl::UTCTimeZone();
  struct Hours {
    absl::Duration open;   // Since local midnight.
    absl::Duration close;  // After open; at most 24h.
  };
  // Indexed by absl::Weekday (monday = 0 ... sunday = 6); nullopt: closed.
  std::optional<Hours> hours[7];
  std::set<absl::CivilDay> holidays;

  // Monday to Friday 09:00-18:00 in `zone`, no holidays.
  static BusinessCalendar OfficeHours(absl::TimeZone zone);
};

// The instant `duration` of business time after `start` (start itself if
// the duration is zero or negative). absl::InfiniteFuture() if the calendar
// has no opening hours in the ten years after `start`.
absl::Time AddBusinessTime(const BusinessCalendar& calendar, absl::Time start,
                           absl::Duration duration);

// Business time within [from, to) (zero if to <= from).
absl::Duration BusinessTimeBetween(const BusinessCalendar& calendar,
                                   absl::Time from, absl::Time to);

// Business-time budgets of one priority.
struct SlaTargets {
  absl::Duration first_response;
  absl::Duration resolution;
};

// Targets per priority (P1 .. P4, in order).
struct SlaPolicy {
  SlaTargets targets[4];
  // A deadline is imminent when less than this share of its budget is left.
  double imminent_share = 0.2;

  const SlaTargets& For(TicketPriority priority) const {
    return targets[static_cast<int>(priority) - 1];
  }
  // P1 1h/8h, P2 4h/24h, P3 8h/40h, P4 16h/80h of business time.
  static SlaPolicy Default();
};

// The times of a ticket the SLA looks at.
struct TicketTimes {
  TicketPriority priority = TicketPriority::kP3;
  absl::Time open_time;
  std::optional<absl::Time> first_response_time;
  std::optional<absl::Time> resolve_time;
};

// Where one deadline stands at `now`.
enum class DeadlineState { kMet, kOnTrack, kImminent, kBreached };

struct SlaStatus {
  absl::Time first_response_deadline;
  absl::Time resolution_deadline;
  DeadlineState first_response = DeadlineState::kOnTrack;
  DeadlineState resolution = DeadlineState::kOnTrack;
};

// Deadlines are AddBusinessTime(open_time, budget). A deadline is kMet when
// its event happened by the deadline, kBreached when it happened after it
// or has not happened and now is past it, kImminent when it has not
// happened and less than imminent_share of the budget's business time is
// left, kOnTrack otherwise.
SlaStatus EvaluateSla(const BusinessCalendar& calendar, const SlaPolicy& policy,
                      const TicketTimes& ticket, absl::Time now);

// The escalation level a ticket should have at `now`: 0; 1 once the first
// response is breached; 2 once the resolution is breached; 3 once the
// resolution is late by half its budget again (business time).
int EscalationLevel(const BusinessCalendar& calendar, const SlaPolicy& policy,
                    const TicketTimes& ticket, absl::Time now);

// What an escalation run does to a ticket at level `current`: the new level
// if EscalationLevel is higher, nullopt otherwise. Levels only rise, so
// running the job twice (or two jobs at once, each under the ticket's row
// lock) escalates once.
std::optional<int> EscalationUpdate(const BusinessCalendar& calendar,
                                    const SlaPolicy& policy,
                                    const TicketTimes& ticket, int current,
                                    absl::Time now);

// When the escalation job should next look at a ticket at level `current`:
// the earliest of the instants at which a higher level would be reached if
// nothing happens meanwhile (level 1: just after the first-response
// deadline, unless the first response came by then; level 2: just after
// the resolution deadline; level 3: half the resolution budget of business
// time after it, never for a resolved ticket; level 2 unless resolved by
// then). nullopt when no
// higher level can come (level 3, or the events happened in time).
std::optional<absl::Time> NextEscalationCheck(const BusinessCalendar& calendar,
                                              const SlaPolicy& policy,
                                              const TicketTimes& ticket,
                                              int current);

// A deadline not yet met that passes soon: the SLA_BREACH_IMMINENT warning.
struct ImminentDeadline {
  // The escalation level its breach brings: 1 first response, 2 resolution.
  int level = 0;
  absl::Time deadline;
};

// The deadlines of `ticket` whose event has not happened (no first
// response; not resolved) and that pass within `lead` of wall-clock time
// after `now` (now < deadline <= now + lead), first response first. A
// passed deadline is not imminent (the escalation job handles it). Nothing
// when `lead` is zero or negative.
std::vector<ImminentDeadline> ImminentDeadlines(
    const BusinessCalendar& calendar, const SlaPolicy& policy,
    const TicketTimes& ticket, absl::Duration lead, absl::Time now);

// When the SLA job should next look for an imminent deadline of `ticket`:
// the earliest instant after `now` at which a deadline not yet met comes
// within `lead` (deadline - lead > now); nullopt when none will (or `lead`
// is zero or negative). Deadlines already imminent at `now` are not
// counted: ImminentDeadlines reports them.
std::optional<absl::Time> NextSlaWarningCheck(const BusinessCalendar& calendar,
                                              const SlaPolicy& policy,
                                              const TicketTimes& ticket,
                                              absl::Duration lead,
                                              absl::Time now);

}  // namespace crm::feedback

// Parsing of the SLA settings (--sla_policy, --business_hours) into the
// policy and the calendar the ticket rules use. Pure functions: no I/O.
//
//   CRM_ASSIGN_OR_RETURN(SlaPolicy policy, ParseSlaPolicy("P1=1h/8h,..."));
//   CRM_ASSIGN_OR_RETURN(BusinessCalendar calendar,
//                        ParseBusinessHours("Mon-Fri 09:00-18:00", zone));
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/feedback/ticket_rules.h"

namespace crm::feedback {

// --sla_policy's default: today's SlaPolicy::Default().
inline constexpr absl::string_view kDefaultSlaPolicy =
    "P1=1h/8h,P2=4h/24h,P3=8h/40h,P4=16h/80h";

// --business_hours' default: BusinessCalendar::OfficeHours.
inline constexpr absl::string_view kDefaultBusinessHours =
    "Mon-Fri 09:00-18:00";

// Parses "P1=1h/8h,P2=4h/24h,P3=8h/40h,P4=16h/80h": for every priority P1
// to P4, exactly once and in any order, its first-response and resolution
// budgets of business time as absl durations ("90m", "1h30m"). Both must be
// more than zero and first response at most resolution. imminent_share
// keeps SlaPolicy's default. InvalidArgument quoting the offending part
// otherwise.
absl::StatusOr<SlaPolicy> ParseSlaPolicy(absl::string_view text);

// Parses the weekly opening hours: "24x7" (every day, all day), or
// comma-separated "<days> HH:MM-HH:MM" entries where <days> is a day
// ("Sat") or an ascending range ("Mon-Fri") of Mon Tue Wed Thu Fri Sat Sun,
// e.g. "Mon-Fri 09:00-18:00,Sat 10:00-14:00". Close is after open and at
// most 24:00; a day appears in at most one entry; days in no entry are
// closed. The calendar has `zone` and no holidays (the caller adds them).
// InvalidArgument quoting the offending part otherwise.
absl::StatusOr<BusinessCalendar> ParseBusinessHours(absl::string_view text,
                                                    absl::TimeZone zone);

}  // namespace crm::feedback

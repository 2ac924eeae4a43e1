#include "services/feedback/sla_settings.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace crm::feedback {
namespace {

absl::Status BadPart(absl::string_view part, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("part \"", part, "\": ", why));
}

// "P1" .. "P4" as 0 .. 3.
std::optional<int> PriorityIndex(absl::string_view name) {
  if (name.size() != 2 || (name[0] != 'P' && name[0] != 'p')) {
    return std::nullopt;
  }
  if (name[1] < '1' || name[1] > '4') return std::nullopt;
  return name[1] - '1';
}

// "Mon" .. "Sun" (any case) as absl::Weekday's index (monday = 0).
std::optional<int> DayIndex(absl::string_view name) {
  static constexpr absl::string_view kDays[7] = {"mon", "tue", "wed", "thu",
                                                 "fri", "sat", "sun"};
  const std::string lower = absl::AsciiStrToLower(name);
  for (int i = 0; i < 7; ++i) {
    if (lower == kDays[i]) return i;
  }
  return std::nullopt;
}

// "HH:MM" from 00:00 to 24:00 as the time since midnight.
std::optional<absl::Duration> TimeOfDay(absl::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  int hours = 0;
  int minutes = 0;
  for (int i : {0, 1, 3, 4}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
      return std::nullopt;
    }
  }
  if (!absl::SimpleAtoi(text.substr(0, 2), &hours) ||
      !absl::SimpleAtoi(text.substr(3, 2), &minutes)) {
    return std::nullopt;
  }
  if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0)) {
    return std::nullopt;
  }
  return absl::Hours(hours) + absl::Minutes(minutes);
}

}  // namespace

absl::StatusOr<SlaPolicy> ParseSlaPolicy(absl::string_view text) {
  SlaPolicy policy;
  bool seen[4] = {false, false, false, false};
  for (absl::string_view raw : absl::StrSplit(text, ',')) {
    const absl::string_view part = absl::StripAsciiWhitespace(raw);
    if (part.empty()) {
      return absl::InvalidArgumentError(
          "empty part; expected P1=1h/8h,P2=4h/24h,P3=8h/40h,P4=16h/80h");
    }
    const std::vector<absl::string_view> name_and_budgets =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    if (name_and_budgets.size() != 2) {
      return BadPart(part, "expected <priority>=<first response>/<resolution>");
    }
    const std::optional<int> index =
        PriorityIndex(absl::StripAsciiWhitespace(name_and_budgets[0]));
    if (!index.has_value()) return BadPart(part, "priority is not P1 to P4");
    if (seen[*index]) return BadPart(part, "priority appears twice");
    seen[*index] = true;
    const std::vector<absl::string_view> budgets =
        absl::StrSplit(name_and_budgets[1], '/');
    if (budgets.size() != 2) {
      return BadPart(part, "expected <first response>/<resolution>");
    }
    SlaTargets targets;
    if (!absl::ParseDuration(absl::StripAsciiWhitespace(budgets[0]),
                             &targets.first_response) ||
        !absl::ParseDuration(absl::StripAsciiWhitespace(budgets[1]),
                             &targets.resolution)) {
      return BadPart(part, "budgets must be durations such as 90m or 8h");
    }
    if (targets.first_response <= absl::ZeroDuration() ||
        targets.resolution <= absl::ZeroDuration() ||
        targets.first_response == absl::InfiniteDuration() ||
        targets.resolution == absl::InfiniteDuration()) {
      return BadPart(part, "budgets must be finite and more than zero");
    }
    if (targets.first_response > targets.resolution) {
      return BadPart(part, "first response is longer than resolution");
    }
    policy.targets[*index] = targets;
  }
  for (int i = 0; i < 4; ++i) {
    if (!seen[i]) {
      return absl::InvalidArgumentError(
          absl::StrCat("P", i + 1,
                       " is missing; every priority P1 to P4 "
                       "needs its budgets"));
    }
  }
  return policy;
}

absl::StatusOr<BusinessCalendar> ParseBusinessHours(absl::string_view text,
                                                    absl::TimeZone zone) {
  BusinessCalendar calendar;
  calendar.zone = zone;
  const absl::string_view whole = absl::StripAsciiWhitespace(text);
  if (absl::AsciiStrToLower(whole) == "24x7") {
    for (auto& hours : calendar.hours) {
      hours = BusinessCalendar::Hours{absl::ZeroDuration(), absl::Hours(24)};
    }
    return calendar;
  }
  for (absl::string_view raw : absl::StrSplit(whole, ',')) {
    const absl::string_view part = absl::StripAsciiWhitespace(raw);
    if (part.empty()) {
      return absl::InvalidArgumentError(
          "empty part; expected e.g. Mon-Fri 09:00-18:00,Sat 10:00-14:00 "
          "or 24x7");
    }
    const std::vector<absl::string_view> days_and_times =
        absl::StrSplit(part, ' ', absl::SkipWhitespace());
    if (days_and_times.size() != 2) {
      return BadPart(part, "expected <days> HH:MM-HH:MM");
    }
    const std::vector<absl::string_view> days =
        absl::StrSplit(days_and_times[0], '-');
    std::optional<int> first = DayIndex(days[0]);
    std::optional<int> last = days.size() == 2 ? DayIndex(days[1]) : first;
    if (days.size() > 2 || !first.has_value() || !last.has_value()) {
      return BadPart(part, "days must be a day or a range of Mon..Sun");
    }
    if (*last < *first) {
      return BadPart(part, "a day range must run forwards from Mon to Sun");
    }
    const std::vector<absl::string_view> times =
        absl::StrSplit(days_and_times[1], '-');
    if (times.size() != 2) return BadPart(part, "expected HH:MM-HH:MM");
    const std::optional<absl::Duration> open = TimeOfDay(times[0]);
    const std::optional<absl::Duration> close = TimeOfDay(times[1]);
    if (!open.has_value() || !close.has_value()) {
      return BadPart(part, "times must be HH:MM between 00:00 and 24:00");
    }
    if (*close <= *open) return BadPart(part, "close must be after open");
    for (int day = *first; day <= *last; ++day) {
      if (calendar.hours[day].has_value()) {
        return BadPart(part, "a day appears in two parts");
      }
      calendar.hours[day] = BusinessCalendar::Hours{*open, *close};
    }
  }
  return calendar;
}

}  // namespace crm::feedback

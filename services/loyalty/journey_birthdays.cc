#include "services/loyalty/journey_birthdays.h"

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "services/common/status_macros.h"

namespace crm::loyalty {

using ::crm::common::Transaction;

namespace {

bool IsLeapYear(int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

std::vector<std::string> JourneyIds(const std::vector<JourneyRecord>& all) {
  std::vector<std::string> ids;
  ids.reserve(all.size());
  for (const JourneyRecord& journey : all) ids.push_back(journey.id);
  return ids;
}

}  // namespace

std::vector<std::string> BirthdaysOn(absl::CivilDay day) {
  std::vector<std::string> month_days = {
      absl::StrFormat("%02d-%02d", day.month(), day.day())};
  if (day.month() == 2 && day.day() == 28 && !IsLeapYear(day.year())) {
    month_days.push_back("02-29");
  }
  return month_days;
}

std::string BirthdayTriggerEvent(absl::CivilDay day) {
  return absl::StrFormat("birthday:%04d", day.year());
}

int64_t BirthdayPassDay(absl::CivilDay day) {
  return day.year() * 10000 + day.month() * 100 + day.day();
}

absl::StatusOr<BirthdayPassResult> JourneyBirthdays::Run(
    const crm::common::RequestContext& context) {
  BirthdayPassResult result;
  const absl::CivilDay today =
      absl::ToCivilDay(clock_.Now(), absl::UTCTimeZone());
  const int64_t day = BirthdayPassDay(today);
  std::vector<std::string> due;
  CRM_RETURN_IF_ERROR(
      unit_of_work_.Read(context, [&](Transaction& tx) -> absl::Status {
        CRM_ASSIGN_OR_RETURN(
            std::vector<JourneyRecord> active,
            journeys_.ActiveJourneys(tx, v1::JourneyTrigger::BIRTHDAY));
        if (active.empty()) return absl::OkStatus();
        const std::vector<std::string> ids = JourneyIds(active);
        CRM_ASSIGN_OR_RETURN(auto done, passes_.DaysDone(tx, ids));
        for (const std::string& id : ids) {
          auto found = done.find(id);
          if (found == done.end() || found->second < day) due.push_back(id);
        }
        return absl::OkStatus();
      }));
  if (due.empty()) return result;

  TriggerEvent event;
  event.kind = v1::JourneyTrigger::BIRTHDAY;
  event.event_id = BirthdayTriggerEvent(today);
  event.time = absl::FromCivil(today, absl::UTCTimeZone());
  for (const std::string& month_day : BirthdaysOn(today)) {
    std::string token;
    for (int page = 0; page < options_.max_pages; ++page) {
      CRM_RETURN_IF_ERROR(context.CheckActive(clock_.Now()));
      ++result.source_calls;
      CRM_ASSIGN_OR_RETURN(
          BirthdayPage born,
          source_.CustomersBornOn(month_day, token,
                                  clock_.Now() + options_.call_timeout));
      result.customers += static_cast<int64_t>(born.customer_ids.size());
      int64_t members = 0;
      CRM_RETURN_IF_ERROR(
          unit_of_work_.Run(context, [&](Transaction& tx) -> absl::Status {
            members = 0;
            for (const std::string& customer : born.customer_ids) {
              CRM_ASSIGN_OR_RETURN(std::optional<AccountRecord> account,
                                   accounts_.Find(tx, customer));
              // Members only; a merged-away account is no member.
              if (!account.has_value() || !account->merged_into.empty()) {
                continue;
              }
              event.customer_id = customer;
              CRM_RETURN_IF_ERROR(engine_.OnTrigger(tx, event));
              ++members;
            }
            return absl::OkStatus();
          }));
      result.members += members;
      token = born.next_page_token;
      if (token.empty()) break;
    }
  }

  // Done for the journeys still ACTIVE (one paused meanwhile is due again
  // once resumed).
  CRM_RETURN_IF_ERROR(
      unit_of_work_.Run(context, [&](Transaction& tx) -> absl::Status {
        CRM_ASSIGN_OR_RETURN(
            std::vector<JourneyRecord> active,
            journeys_.ActiveJourneys(tx, v1::JourneyTrigger::BIRTHDAY));
        const std::vector<std::string> active_ids = JourneyIds(active);
        const std::set<std::string> still(active_ids.begin(), active_ids.end());
        std::vector<std::string> done;
        for (const std::string& id : due) {
          if (still.count(id) > 0) done.push_back(id);
        }
        if (done.empty()) return absl::OkStatus();
        return passes_.MarkDone(tx, done, day, clock_.Now());
      }));
  return result;
}

}  // namespace crm::loyalty

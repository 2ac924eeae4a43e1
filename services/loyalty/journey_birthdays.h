// BIRTHDAY journeys (journey.proto JourneyTrigger.BIRTHDAY): once per UTC
// day, the members whose birthday it is start a run of every ACTIVE
// BIRTHDAY journey, once per member and year.
//
// Each journey job pass (LOYALTY_JOURNEY_INTERVAL) calls Run:
// - it reads the ACTIVE BIRTHDAY journeys (one indexed read); with none,
//   that is all (customer-profile is not called);
// - it reads, per journey, the last UTC day it was given birthdays
//   (BirthdayPassRepository); when every one is done for today, that is
//   all;
// - otherwise it asks customer-profile (BirthdaySource, a deadline on every
//   call) for the customers born on today's month and day (on 28 February
//   of a year that is not a leap year, also on 29 February), a page at a
//   time, and in one transaction per page starts the runs of each customer
//   with a loyalty account (JourneyEngine::OnTrigger; trigger event
//   `birthday:{YYYY}`, trigger time the day's start, 00:00 UTC), so a
//   member gets one run per journey and year however often the day is
//   passed;
// - then it records today as done for the journeys that were due and are
//   still ACTIVE, so customer-profile is asked once a day, not every pass.
//   A journey created or resumed later that day is due again (its pass asks
//   again; runs already started are not repeated).
// A pass that fails part-way records nothing and the next pass repeats it;
// a day on which no pass runs at all is not caught up.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/account_repository.h"
#include "services/loyalty/birthday_source.h"
#include "services/loyalty/journey_engine.h"
#include "services/loyalty/journey_repository.h"

namespace crm::loyalty {

// The month-days ("MM-DD") whose birthdays fall on UTC day `day`: its own,
// and "02-29" too on 28 February of a year that is not a leap year.
std::vector<std::string> BirthdaysOn(absl::CivilDay day);

// `birthday:{YYYY}`: a BIRTHDAY trigger event, unique per member and year.
std::string BirthdayTriggerEvent(absl::CivilDay day);

// `day` as the number YYYYMMDD (what BirthdayPassRepository stores).
int64_t BirthdayPassDay(absl::CivilDay day);

// Which UTC day each BIRTHDAY journey was last given its birthdays
// (MySqlBirthdayPassRepository). Holds no customer data.
class BirthdayPassRepository {
 public:
  BirthdayPassRepository(const BirthdayPassRepository&) = delete;
  BirthdayPassRepository& operator=(const BirthdayPassRepository&) = delete;
  virtual ~BirthdayPassRepository() = default;

  // The last day done (BirthdayPassDay) of each of `journey_ids` that has
  // one.
  virtual absl::StatusOr<std::map<std::string, int64_t>> DaysDone(
      crm::common::Transaction& tx,
      const std::vector<std::string>& journey_ids) = 0;

  // Records `day` as done for each of `journey_ids` (a later day already
  // recorded stays).
  virtual absl::Status MarkDone(crm::common::Transaction& tx,
                                const std::vector<std::string>& journey_ids,
                                int64_t day, absl::Time now) = 0;

 protected:
  BirthdayPassRepository() = default;
};

struct JourneyBirthdaysOptions {
  // Each call to the source.
  absl::Duration call_timeout = absl::Seconds(10);
  // Pages asked for per month-day at most (a bound on a runaway answer).
  int max_pages = 10000;
};

// What one pass did.
struct BirthdayPassResult {
  int64_t source_calls = 0;
  int64_t customers = 0;  // Born today, as customer-profile listed them.
  int64_t members = 0;    // Of those, with a loyalty account: triggered.
};

class JourneyBirthdays {
 public:
  // Every reference must outlive this.
  JourneyBirthdays(crm::common::UnitOfWork& unit_of_work,
                   JourneyRepository& journeys, AccountRepository& accounts,
                   BirthdayPassRepository& passes, JourneyEngine& engine,
                   BirthdaySource& source, const crm::common::Clock& clock,
                   JourneyBirthdaysOptions options = {})
      : unit_of_work_(unit_of_work),
        journeys_(journeys),
        accounts_(accounts),
        passes_(passes),
        engine_(engine),
        source_(source),
        clock_(clock),
        options_(options) {}
  JourneyBirthdays(const JourneyBirthdays&) = delete;
  JourneyBirthdays& operator=(const JourneyBirthdays&) = delete;

  // One pass for the clock's UTC day (above).
  absl::StatusOr<BirthdayPassResult> Run(
      const crm::common::RequestContext& context);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  JourneyRepository& journeys_;
  AccountRepository& accounts_;
  BirthdayPassRepository& passes_;
  JourneyEngine& engine_;
  BirthdaySource& source_;
  const crm::common::Clock& clock_;
  const JourneyBirthdaysOptions options_;
};

}  // namespace crm::loyalty

// BIRTHDAY journeys on MariaDB (journey_birthdays.h) with a fake
// BirthdaySource in customer-profile's place: a member whose birthday is
// today gets one run per journey and year however many passes run that
// day (customer-profile asked once a day), a customer without a loyalty
// account gets nothing, other days start nothing, 29 February birthdays
// fall on 28 February in a year that is not a leap year (and only then),
// a journey created later in the day still gets that day's birthdays, a
// paused journey does nothing, and without an active BIRTHDAY journey the
// source is never called.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/timestamps.h"
#include "services/loyalty/birthday_source.h"
#include "services/loyalty/journey_birthdays.h"
#include "services/loyalty/journey_engine.h"
#include "services/loyalty/journey_manager.h"
#include "services/loyalty/mysql_account_repository.h"
#include "services/loyalty/mysql_birthday_pass_repository.h"
#include "services/loyalty/outbound_message_repository.h"
#include "tests/integration/loyalty/journey_database_test.h"
#include "tests/testing/status_matchers.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

absl::Time Utc(int year, int month, int day, int hour = 0) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, 0, 0),
                         absl::UTCTimeZone());
}

// customer-profile's answers: the customers born on each "MM-DD", in pages
// of two; every call recorded with its month-day, and its deadline checked.
class FakeBirthdaySource final : public BirthdaySource {
 public:
  explicit FakeBirthdaySource(const crm::common::Clock& clock)
      : clock_(clock) {}

  absl::StatusOr<BirthdayPage> CustomersBornOn(absl::string_view month_day,
                                               absl::string_view page_token,
                                               absl::Time deadline) override {
    calls.push_back(std::string(month_day));
    EXPECT_GT(deadline, clock_.Now());
    EXPECT_LE(deadline, clock_.Now() + absl::Minutes(1));
    const std::vector<std::string>& all = born[std::string(month_day)];
    const size_t start =
        page_token.empty() ? 0 : std::stoul(std::string(page_token));
    BirthdayPage page;
    for (size_t i = start; i < all.size() && i < start + 2; ++i) {
      page.customer_ids.push_back(all[i]);
    }
    if (start + 2 < all.size())
      page.next_page_token = std::to_string(start + 2);
    return page;
  }

  std::map<std::string, std::vector<std::string>> born;
  std::vector<std::string> calls;

 private:
  const crm::common::Clock& clock_;
};

class NoOutbox final : public OutboundMessageRepository {
 public:
  absl::Status Enqueue(crm::common::Transaction&,
                       const OutboundMessage&) override {
    return absl::OkStatus();
  }
};

class JourneyBirthdaysTest
    : public testing::JourneyDatabaseTest<JourneyBirthdaysTest> {
 public:
  static constexpr char kDatabase[] = "loyalty_birthdays";

 protected:
  JourneyBirthdaysTest() : JourneyDatabaseTest(Utc(2027, 12, 4, 8)) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(JourneyDatabaseTest::SetUp());
    birthdays_ =
        std::make_unique<JourneyBirthdays>(*unit_of_work_, journeys_, accounts_,
                                           passes_, *engine_, source_, clock_);
  }

  OutboundMessageRepository* Outbox() override { return &outbox_; }
  JourneyEngineOptions EngineOptions() override { return {.cap_actions = 0}; }

  v1::Journey BirthdayBonus(int64_t points) {
    v1::Journey journey;
    journey.set_display_name("Birthday bonus");
    journey.mutable_trigger()->set_kind(v1::JourneyTrigger::BIRTHDAY);
    journey.mutable_action()->set_kind(v1::JourneyAction::AWARD_POINTS);
    journey.mutable_action()->set_points(points);
    journey.set_purpose(v1::Journey::SERVICE);
    return Create(journey);
  }

  void Member(const std::string& customer) {
    ASSERT_THAT(unit_of_work_->Run(
                    {},
                    [&](crm::common::Transaction& tx) {
                      return accounts_.LockOrCreate(tx, customer, clock_.Now())
                          .status();
                    }),
                IsOk());
  }

  // The trigger events of the journey's runs of `customer`, oldest first.
  std::vector<std::string> Runs(const v1::Journey& journey,
                                const std::string& customer) {
    const std::vector<v1::JourneyRun> runs =
        JourneyDatabaseTest::Runs(journey, customer);
    std::vector<std::string> events;
    for (auto run = runs.rbegin(); run != runs.rend(); ++run) {
      events.push_back(run->trigger_event());
    }
    return events;
  }

  BirthdayPassResult Pass() {
    absl::StatusOr<BirthdayPassResult> pass = birthdays_->Run({});
    EXPECT_THAT(pass.status(), IsOk());
    return pass.ok() ? *pass : BirthdayPassResult{};
  }

  MySqlBirthdayPassRepository passes_;
  NoOutbox outbox_;
  FakeBirthdaySource source_{clock_};
  std::unique_ptr<JourneyBirthdays> birthdays_;
};

TEST_F(JourneyBirthdaysTest, OneRunPerMemberAndYearHoweverManyPasses) {
  Member("b1");
  Member("b2");
  Member("b3");
  source_.born["12-04"] = {"b1", "nomember", "b2"};
  source_.born["12-05"] = {"b3"};
  const v1::Journey journey = BirthdayBonus(500);

  BirthdayPassResult pass = Pass();
  EXPECT_EQ(pass.source_calls, 2);  // Two pages.
  EXPECT_EQ(pass.customers, 3);
  EXPECT_EQ(pass.members, 2);
  EXPECT_THAT(Runs(journey, "b1"), ElementsAre("birthday:2027"));
  EXPECT_THAT(Runs(journey, "b2"), ElementsAre("birthday:2027"));
  EXPECT_EQ(Balance("b1"), 500);
  EXPECT_EQ(Balance("b2"), 500);
  // No account is opened for a customer who is no member.
  EXPECT_FALSE(Account("nomember").has_value());
  // Triggered at the day's start although the journey was created at 08:00.
  v1::ListJourneyRunsRequest request;
  request.set_parent(journey.name());
  request.set_customer("customers/b1");
  absl::StatusOr<v1::ListJourneyRunsResponse> runs =
      manager_->ListJourneyRuns({}, request);
  ASSERT_THAT(runs.status(), IsOk());
  ASSERT_EQ(runs->runs_size(), 1);
  EXPECT_EQ(crm::common::FromProtoTimestamp(runs->runs(0).trigger_time()),
            Utc(2027, 12, 4));
  EXPECT_EQ(runs->runs(0).state(), v1::JourneyRun::COMPLETED);

  // More passes the same day: customer-profile is not asked again.
  for (int hour = 9; hour < 24; hour += 3) {
    clock_.Set(Utc(2027, 12, 4, hour));
    EXPECT_EQ(Pass().source_calls, 0);
  }
  EXPECT_EQ(source_.calls.size(), 2u);
  // A journey created later that day gets the day's birthdays; the first
  // one's runs are not repeated by that second asking.
  const v1::Journey second = BirthdayBonus(7);
  EXPECT_EQ(Pass().source_calls, 2);
  EXPECT_THAT(Runs(journey, "b1"), ElementsAre("birthday:2027"));
  EXPECT_THAT(Runs(second, "b1"), ElementsAre("birthday:2027"));
  EXPECT_EQ(Balance("b1"), 507);
  EXPECT_EQ(Pass().source_calls, 0);

  // The next day: b3's birthday only.
  clock_.Set(Utc(2027, 12, 5, 0) + absl::Seconds(30));
  pass = Pass();
  EXPECT_EQ(pass.source_calls, 1);
  EXPECT_EQ(pass.members, 1);
  EXPECT_THAT(source_.calls.back(), "12-05");
  EXPECT_THAT(Runs(journey, "b1"), ElementsAre("birthday:2027"));
  EXPECT_THAT(Runs(journey, "b3"), ElementsAre("birthday:2027"));
  EXPECT_EQ(Balance("b1"), 507);

  // A year later: one more run each.
  clock_.Set(Utc(2028, 12, 4, 0) + absl::Minutes(1));
  Pass();
  Pass();
  EXPECT_THAT(Runs(journey, "b1"),
              ElementsAre("birthday:2027", "birthday:2028"));
  EXPECT_THAT(Runs(journey, "b2"),
              ElementsAre("birthday:2027", "birthday:2028"));
  EXPECT_EQ(Balance("b2"), 500 + 7 + 500 + 7);
}

TEST_F(JourneyBirthdaysTest, LeapDayBirthdaysFallOnFebruary28) {
  Member("f1");  // Born on 28 February.
  Member("l1");  // Born on 29 February.
  source_.born["02-28"] = {"f1"};
  source_.born["02-29"] = {"l1"};
  clock_.Set(Utc(2027, 2, 27, 12));
  const v1::Journey journey = BirthdayBonus(50);
  Pass();
  EXPECT_THAT(source_.calls, ElementsAre("02-27"));

  clock_.Set(Utc(2027, 2, 28, 1));  // 2027 is no leap year.
  source_.calls.clear();
  Pass();
  Pass();
  EXPECT_THAT(source_.calls, UnorderedElementsAre("02-28", "02-29"));
  EXPECT_THAT(Runs(journey, "f1"), ElementsAre("birthday:2027"));
  EXPECT_THAT(Runs(journey, "l1"), ElementsAre("birthday:2027"));
  clock_.Set(Utc(2027, 3, 1, 1));
  Pass();
  EXPECT_THAT(Runs(journey, "l1"), ElementsAre("birthday:2027"));

  clock_.Set(Utc(2028, 2, 28, 1));  // A leap year: 29 February comes.
  source_.calls.clear();
  Pass();
  EXPECT_THAT(source_.calls, ElementsAre("02-28"));
  EXPECT_THAT(Runs(journey, "f1"),
              ElementsAre("birthday:2027", "birthday:2028"));
  EXPECT_THAT(Runs(journey, "l1"), ElementsAre("birthday:2027"));
  clock_.Set(Utc(2028, 2, 29, 1));
  Pass();
  EXPECT_THAT(Runs(journey, "l1"),
              ElementsAre("birthday:2027", "birthday:2028"));
  EXPECT_EQ(Balance("l1"), 100);
}

TEST_F(JourneyBirthdaysTest, NothingWithoutAnActiveBirthdayJourney) {
  Member("p1");
  source_.born["06-01"] = {"p1"};
  clock_.Set(Utc(2027, 6, 1, 2));
  // No BIRTHDAY journey at all (those of earlier tests are paused).
  BirthdayPassResult pass = Pass();
  EXPECT_EQ(pass.source_calls, 0);
  EXPECT_TRUE(source_.calls.empty());

  // A paused one: nothing either.
  const v1::Journey journey = BirthdayBonus(10);
  v1::PauseJourneyRequest pause;
  pause.set_name(journey.name());
  ASSERT_THAT(manager_->PauseJourney({}, pause).status(), IsOk());
  EXPECT_EQ(Pass().source_calls, 0);
  EXPECT_TRUE(source_.calls.empty());
  EXPECT_TRUE(Runs(journey, "p1").empty());
  EXPECT_EQ(Balance("p1"), 0);

  // Resumed the same day: that day's birthdays come.
  v1::ResumeJourneyRequest resume;
  resume.set_name(journey.name());
  ASSERT_THAT(manager_->ResumeJourney({}, resume).status(), IsOk());
  EXPECT_EQ(Pass().source_calls, 1);
  EXPECT_THAT(Runs(journey, "p1"), ElementsAre("birthday:2027"));
  EXPECT_EQ(Balance("p1"), 10);
}

}  // namespace
}  // namespace crm::loyalty

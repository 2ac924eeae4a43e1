// GetCustomerStatistics on a fresh MariaDB database: CustomerManager over the
// MySQL repositories with a clock the test moves, so customers are created
// in known UTC months; merged and erased customers are in no figure, months
// count the customers created in them and the customers at their end, and
// channels come largest first; an expired deadline fails the read.
#include <memory>
#include <string>
#include <vector>

#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/mysql_pool.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "services/customer_profile/customer_manager.h"
#include "services/customer_profile/migrations.h"
#include "tests/integration/customer_profile/mysql_customer_stack.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::RequestContext;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;

absl::Time Utc(int year, int month, int day) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, 12, 0, 0),
                         absl::UTCTimeZone());
}

absl::Time MonthStart(int year, int month) {
  return absl::FromCivil(absl::CivilMonth(year, month), absl::UTCTimeZone());
}

class CustomerStatisticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("cp_stats"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_, database_->NewMigratedPool(Migrations()));
    CRM_ASSERT_OK_AND_ASSIGN(
        stack_, MySqlCustomerStack::Create(*pool_, notifier_, {}, clock_));
  }

  // Creates a customer at `time` from `channel`; returns its name.
  std::string CreateAt(absl::Time time, const std::string& email,
                       const std::string& channel) {
    clock_.Set(time);
    v1::CreateCustomerRequest request;
    request.mutable_customer()->set_email(email);
    request.mutable_customer()->set_source_channel(channel);
    absl::StatusOr<v1::Customer> customer =
        stack_->manager->Create(RequestContext(), request);
    EXPECT_THAT(customer, IsOk());
    return customer.ok() ? customer->name() : "";
  }

  absl::StatusOr<v1::CustomerStatistics> Statistics(int months) {
    v1::GetCustomerStatisticsRequest request;
    request.set_name("customerStatistics");
    request.set_months(months);
    return stack_->manager->GetStatistics(RequestContext(), request);
  }

  crm::common::FakeClock clock_{Utc(2026, 1, 1)};
  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  crm::common::FeedNotifier notifier_;
  std::unique_ptr<MySqlCustomerStack> stack_;
};

TEST_F(CustomerStatisticsTest, CountsMonthsAndChannelsWithoutMergedOrErased) {
  CreateAt(Utc(2025, 12, 20), "a1@example.com", "web");  // Before the window.
  CreateAt(Utc(2026, 1, 10), "b1@example.com", "web");
  CreateAt(Utc(2026, 1, 31) + absl::Hours(11), "b2@example.com", "store");
  const std::string c1 = CreateAt(Utc(2026, 2, 1), "c1@example.com", "store");
  CreateAt(Utc(2026, 2, 5), "c2@example.com", "store");
  CreateAt(Utc(2026, 2, 6), "c3@example.com", "");
  CreateAt(Utc(2026, 2, 7), "c4@example.com", "store");
  // Merged into c1; from the same channel, so the survivor's stays.
  const std::string merged =
      CreateAt(Utc(2026, 2, 8), "d@example.com", "store");
  const std::string erased = CreateAt(Utc(2026, 2, 9), "e@example.com", "app");
  CreateAt(Utc(2026, 3, 1) - absl::Hours(12), "f1@example.com", "web");

  clock_.Set(Utc(2026, 3, 15));
  v1::MergeCustomersRequest merge;
  merge.set_survivor(c1);
  merge.set_duplicate(merged);
  ASSERT_THAT(stack_->manager->Merge(RequestContext(), merge), IsOk());
  v1::EraseCustomerRequest erase;
  erase.set_name(erased);
  ASSERT_THAT(stack_->manager->Erase(RequestContext(), erase), IsOk());

  CRM_ASSERT_OK_AND_ASSIGN(v1::CustomerStatistics statistics, Statistics(3));
  EXPECT_EQ(statistics.name(), "customerStatistics");
  EXPECT_EQ(statistics.customer_count(), 8);
  EXPECT_EQ(crm::common::FromProtoTimestamp(statistics.compute_time()),
            Utc(2026, 3, 15));
  ASSERT_EQ(statistics.monthly_growth_size(), 3);
  const struct {
    absl::Time start;
    int64_t new_customers;
    int64_t customer_count;
  } expected[] = {{MonthStart(2026, 1), 2, 3},
                  {MonthStart(2026, 2), 4, 7},
                  {MonthStart(2026, 3), 1, 8}};
  for (int i = 0; i < 3; ++i) {
    const v1::CustomerStatistics::MonthlyGrowth& month =
        statistics.monthly_growth(i);
    EXPECT_EQ(crm::common::FromProtoTimestamp(month.month_start_time()),
              expected[i].start)
        << i;
    EXPECT_EQ(month.new_customers(), expected[i].new_customers) << i;
    EXPECT_EQ(month.customer_count(), expected[i].customer_count) << i;
  }
  ASSERT_EQ(statistics.channels_size(), 3);
  EXPECT_EQ(statistics.channels(0).channel(), "store");
  EXPECT_EQ(statistics.channels(0).customer_count(), 4);
  EXPECT_EQ(statistics.channels(1).channel(), "web");
  EXPECT_EQ(statistics.channels(1).customer_count(), 3);
  EXPECT_EQ(statistics.channels(2).channel(), "");
  EXPECT_EQ(statistics.channels(2).customer_count(), 1);

  // 0 months means 12, the current one last; all before the window: 0 new.
  CRM_ASSERT_OK_AND_ASSIGN(v1::CustomerStatistics year, Statistics(0));
  ASSERT_EQ(year.monthly_growth_size(), 12);
  EXPECT_EQ(crm::common::FromProtoTimestamp(
                year.monthly_growth(0).month_start_time()),
            MonthStart(2025, 4));
  EXPECT_EQ(year.monthly_growth(0).customer_count(), 0);
  EXPECT_EQ(year.monthly_growth(8).new_customers(), 1);  // 2025-12.
  EXPECT_EQ(year.monthly_growth(8).customer_count(), 1);
  EXPECT_EQ(year.monthly_growth(11).customer_count(), 8);
  // At most 120.
  CRM_ASSERT_OK_AND_ASSIGN(v1::CustomerStatistics most, Statistics(500));
  EXPECT_EQ(most.monthly_growth_size(), 120);
}

TEST_F(CustomerStatisticsTest, EmptyBaseAndBadRequests) {
  clock_.Set(Utc(2026, 6, 30));
  CRM_ASSERT_OK_AND_ASSIGN(v1::CustomerStatistics statistics, Statistics(2));
  EXPECT_EQ(statistics.customer_count(), 0);
  EXPECT_EQ(statistics.channels_size(), 0);
  ASSERT_EQ(statistics.monthly_growth_size(), 2);
  EXPECT_EQ(statistics.monthly_growth(1).customer_count(), 0);

  absl::StatusOr<v1::CustomerStatistics> negative = Statistics(-1);
  EXPECT_THAT(negative, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(crm::common::ErrorMetadataOf(negative.status())["field"], "months");
  for (const char* name : {"customerStatistics/1", "customers", "x"}) {
    v1::GetCustomerStatisticsRequest request;
    request.set_name(name);
    absl::Status status =
        stack_->manager->GetStatistics(RequestContext(), request).status();
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << name;
    EXPECT_EQ(crm::common::ReasonOf(status), crm::type::v1::FIELD_INVALID);
    EXPECT_EQ(crm::common::ErrorMetadataOf(status)["field"], "name");
  }
  absl::Status unset =
      stack_->manager
          ->GetStatistics(RequestContext(), v1::GetCustomerStatisticsRequest())
          .status();
  EXPECT_EQ(crm::common::ReasonOf(unset), crm::type::v1::FIELD_REQUIRED);
}

TEST_F(CustomerStatisticsTest, ExpiredDeadlineReachesTheDatabase) {
  const RequestContext expired =
      RequestContext::WithDeadline(absl::Now() - absl::Seconds(1));
  v1::GetCustomerStatisticsRequest request;
  request.set_name("customerStatistics");
  EXPECT_THAT(stack_->manager->GetStatistics(expired, request),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

}  // namespace
}  // namespace crm::customer_profile

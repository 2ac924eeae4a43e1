// Counts the database round trips of loyalty calls made through the account
// manager, from the MariaDB session status counters of the one pooled
// connection the calls use (SHOW SESSION STATUS, so other clients of the
// shared server do not disturb the figures). Prints the figures per call and
// asserts what the prepared-statement cache and the lean transaction start
// guarantee: in steady state no statement is prepared again and a unit of
// work sends no SET beyond the deadline's bound.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/loyalty/account_manager.h"
#include "services/loyalty/coupon_codes.h"
#include "services/loyalty/migrations.h"
#include "services/loyalty/mysql_account_repository.h"
#include "services/loyalty/mysql_program_repository.h"
#include "services/loyalty/mysql_program_statistics_repository.h"
#include "services/loyalty/mysql_reward_repository.h"
#include "services/loyalty/program_statistics.h"
#include "services/loyalty/reward_manager.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::loyalty {
namespace {

constexpr int kCalls = 100;

using Counters = std::map<std::string, int64_t>;

class LoyaltyRoundTripsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("roundtrips"));
    // One connection: every call and every counter snapshot share it.
    CRM_ASSERT_OK_AND_ASSIGN(pool_,
                             database_->NewMigratedPool(Migrations(), 1));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    manager_ = std::make_unique<AccountManager>(
        *unit_of_work_, accounts_, programs_, idempotency_, clock_, ids_);
    reward_manager_ = std::make_unique<RewardManager>(
        *unit_of_work_, rewards_, accounts_, idempotency_, clock_, ids_,
        CsprngCouponCodes::Instance());
    statistics_reader_ = std::make_unique<ProgramStatisticsReader>(
        *unit_of_work_, statistics_, programs_, clock_);
  }

  // The session counters of the pool's only connection.
  Counters Snapshot() {
    absl::StatusOr<crm::common::PooledConnection> connection = pool_->Acquire();
    EXPECT_TRUE(connection.ok()) << connection.status();
    Counters counters;
    if (!connection.ok()) return counters;
    std::unique_ptr<sql::Statement> statement((*connection)->createStatement());
    std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(
        "SHOW SESSION STATUS WHERE Variable_name IN ('Questions', "
        "'Com_stmt_prepare', 'Com_stmt_execute', 'Com_stmt_close', "
        "'Com_set_option', 'Com_begin', 'Com_commit', 'Com_rollback')"));
    while (rows->next()) {
      counters[rows->getString(1).asStdString()] = rows->getInt64(2);
    }
    return counters;
  }

  // Per-call counter deltas of `kCalls` runs of `call`, net of the cost of
  // taking the snapshots themselves.
  template <typename Call>
  Counters PerCall(const char* label, Call call) {
    call(-1);  // Warm-up: the connection's first use of each statement.
    Counters a = Snapshot();
    Counters b = Snapshot();
    for (int i = 0; i < kCalls; ++i) call(i);
    Counters c = Snapshot();
    Counters per_call;
    std::string line = absl::StrCat(label, " per call:");
    for (const auto& [name, value] : c) {
      const int64_t overhead = b[name] - a[name];
      const double delta =
          static_cast<double>(value - b[name] - overhead) / kCalls;
      per_call[name] = value - b[name] - overhead;
      absl::StrAppend(&line, " ", name, "=", delta);
    }
    // Round trips: every statement the client waits for. Questions counts
    // queries and executions; prepares are answered too; closes are not.
    const double round_trips =
        static_cast<double>(per_call["Questions"] +
                            per_call["Com_stmt_prepare"]) /
        kCalls;
    absl::StrAppend(&line, " round_trips=", round_trips);
    std::printf("%s\n", line.c_str());
    return per_call;
  }

  static crm::common::RequestContext ContextFor(bool with_deadline) {
    if (!with_deadline) return crm::common::RequestContext();
    return crm::common::RequestContext::WithDeadline(absl::Now() +
                                                     absl::Seconds(30));
  }

  void AdjustOnce(int i, bool with_deadline) {
    v1::AdjustPointsRequest request;
    request.set_account("accounts/c1");
    request.set_points_delta(5);
    request.set_reason("welcome");
    request.set_request_id(absl::StrCat(with_deadline ? "d" : "n", i));
    EXPECT_TRUE(
        manager_->AdjustPoints(ContextFor(with_deadline), request).ok());
  }

  void GetOnce(bool with_deadline) {
    v1::GetAccountRequest request;
    request.set_name("accounts/c1");
    EXPECT_TRUE(manager_->GetAccount(ContextFor(with_deadline), request).ok());
  }

  crm::common::FakeClock clock_{absl::FromUnixSeconds(1767225600)};
  crm::common::SequentialIdGenerator ids_{"e"};
  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlAccountRepository accounts_;
  MySqlProgramRepository programs_;
  MySqlRewardRepository rewards_;
  MySqlProgramStatisticsRepository statistics_;
  crm::common::MySqlIdempotencyRepository idempotency_;
  std::unique_ptr<AccountManager> manager_;
  std::unique_ptr<RewardManager> reward_manager_;
  std::unique_ptr<ProgramStatisticsReader> statistics_reader_;
};

TEST_F(LoyaltyRoundTripsTest, AdjustPointsReusesStatements) {
  Counters no_deadline = PerCall("AdjustPoints (no deadline)",
                                 [&](int i) { AdjustOnce(i, false); });
  Counters deadline =
      PerCall("AdjustPoints (deadline)", [&](int i) { AdjustOnce(i, true); });
  EXPECT_EQ(no_deadline["Com_stmt_prepare"], 0);
  EXPECT_EQ(deadline["Com_stmt_prepare"], 0);
  EXPECT_EQ(no_deadline["Com_set_option"], 0);
  EXPECT_EQ(no_deadline["Com_commit"], kCalls);
  EXPECT_EQ(deadline["Com_commit"], kCalls);
}

TEST_F(LoyaltyRoundTripsTest, GetAccountReusesStatements) {
  AdjustOnce(0, false);
  Counters no_deadline =
      PerCall("GetAccount (no deadline)", [&](int) { GetOnce(false); });
  Counters deadline =
      PerCall("GetAccount (deadline)", [&](int) { GetOnce(true); });
  EXPECT_EQ(no_deadline["Com_stmt_prepare"], 0);
  EXPECT_EQ(deadline["Com_stmt_prepare"], 0);
  EXPECT_EQ(no_deadline["Com_set_option"], 0);
}

// The figures are three aggregate statements in one transaction, whatever
// the number of members.
TEST_F(LoyaltyRoundTripsTest, GetProgramStatisticsIsThreeStatements) {
  AdjustOnce(0, false);
  auto get = [&](bool with_deadline) {
    v1::GetProgramStatisticsRequest request;
    request.set_name("programs/default/statistics");
    absl::StatusOr<v1::ProgramStatistics> statistics =
        statistics_reader_->GetProgramStatistics(ContextFor(with_deadline),
                                                 request);
    EXPECT_TRUE(statistics.ok()) << statistics.status();
    EXPECT_EQ(statistics.value_or(v1::ProgramStatistics()).member_count(), 1);
  };
  Counters no_deadline =
      PerCall("GetProgramStatistics (no deadline)", [&](int) { get(false); });
  Counters deadline =
      PerCall("GetProgramStatistics (deadline)", [&](int) { get(true); });
  EXPECT_EQ(no_deadline["Com_stmt_prepare"], 0);
  EXPECT_EQ(no_deadline["Com_stmt_execute"], 3 * kCalls);
  EXPECT_EQ(deadline["Com_stmt_execute"], 3 * kCalls);
  EXPECT_EQ(no_deadline["Com_set_option"], 0);
  EXPECT_EQ(deadline["Com_commit"], kCalls);
}

// A page of coupons is one statement, with a filter and a page token.
TEST_F(LoyaltyRoundTripsTest, ListCouponsIsOneStatement) {
  for (int i = 0; i < 3; ++i) {
    CouponRecord coupon;
    coupon.id = absl::StrCat("k", i);
    coupon.code = CsprngCouponCodes::Instance().NewCode().value();
    coupon.customer_id = "c1";
    coupon.reward_id = "r1";
    coupon.state = v1::Coupon::ISSUED;
    coupon.issue_time = clock_.Now() + absl::Minutes(i);
    coupon.expire_time = clock_.Now() + absl::Hours(24);
    ASSERT_TRUE(unit_of_work_
                    ->Run({},
                          [&](crm::common::Transaction& tx) {
                            return rewards_.InsertCoupon(tx, coupon);
                          })
                    .ok());
  }
  v1::ListCouponsRequest first;
  first.set_filter("customer = \"customers/c1\" AND state = ISSUED");
  first.set_page_size(2);
  absl::StatusOr<v1::ListCouponsResponse> page =
      reward_manager_->ListCoupons({}, first);
  ASSERT_TRUE(page.ok()) << page.status();
  v1::ListCouponsRequest second = first;
  second.set_page_token(page->next_page_token());
  auto list = [&](bool with_deadline) {
    absl::StatusOr<v1::ListCouponsResponse> listed =
        reward_manager_->ListCoupons(ContextFor(with_deadline), second);
    EXPECT_TRUE(listed.ok()) << listed.status();
    EXPECT_EQ(listed.value_or(v1::ListCouponsResponse()).coupons_size(), 1);
  };
  Counters no_deadline =
      PerCall("ListCoupons (no deadline)", [&](int) { list(false); });
  Counters deadline =
      PerCall("ListCoupons (deadline)", [&](int) { list(true); });
  EXPECT_EQ(no_deadline["Com_stmt_prepare"], 0);
  EXPECT_EQ(no_deadline["Com_stmt_execute"], kCalls);
  EXPECT_EQ(no_deadline["Com_set_option"], 0);
}

}  // namespace
}  // namespace crm::loyalty

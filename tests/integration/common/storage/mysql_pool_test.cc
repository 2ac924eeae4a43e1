#include "services/common/mysql_pool.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "services/common/clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/wait.h"

namespace crm::common {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::crm::testing::TestAdminOptions;
using ::crm::testing::TestDatabase;
using ::testing::HasSubstr;
using ::testing::Not;

// A TCP port on 127.0.0.1 with nothing listening.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return 1;
  }
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

std::string QueryString(sql::Connection& connection, const std::string& sql) {
  std::unique_ptr<sql::Statement> statement(connection.createStatement());
  std::unique_ptr<sql::ResultSet> result(statement->executeQuery(sql));
  if (!result->next()) return "<no row>";
  return result->getString(1);
}

class MySqlPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(db_, TestDatabase::Create("pool"));
  }

  std::unique_ptr<MySqlPool> NewPool(
      int size, absl::Duration acquire_timeout,
      const Clock& clock = SystemClock::Instance()) {
    MySqlOptions options = db_->Options();
    options.pool_size = size;
    options.acquire_timeout = acquire_timeout;
    absl::StatusOr<std::unique_ptr<MySqlPool>> pool =
        MySqlPool::Create(options, clock);
    EXPECT_THAT(pool, IsOk());
    return pool.ok() ? std::move(pool).value() : nullptr;
  }

  std::unique_ptr<TestDatabase> db_;
};

TEST_F(MySqlPoolTest, CreateValidatesOptions) {
  MySqlOptions options = db_->Options();
  options.pool_size = 0;
  EXPECT_THAT(
      MySqlPool::Create(options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("pool_size")));
  options = db_->Options();
  options.port = 70000;
  EXPECT_THAT(MySqlPool::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("port")));
  options = db_->Options();
  options.user = "";
  EXPECT_THAT(MySqlPool::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("user")));
}

TEST_F(MySqlPoolTest, CountsAndBoundWithTimeout) {
  std::unique_ptr<MySqlPool> pool = NewPool(2, absl::Milliseconds(300));
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->capacity(), 2);
  EXPECT_EQ(pool->open(), 0);  // Lazy: nothing opened yet.
  {
    CRM_ASSERT_OK_AND_ASSIGN(PooledConnection a, pool->Acquire());
    EXPECT_EQ(pool->in_use(), 1);
    EXPECT_EQ(pool->open(), 1);
    CRM_ASSERT_OK_AND_ASSIGN(PooledConnection b, pool->Acquire());
    EXPECT_EQ(pool->in_use(), 2);
    EXPECT_EQ(pool->open(), 2);

    // It waits out acquire_timeout (a lower bound: never early), then fails.
    const absl::Time start = absl::Now();
    EXPECT_THAT(pool->Acquire(),
                StatusIs(absl::StatusCode::kUnavailable, HasSubstr("in use")));
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
    EXPECT_EQ(pool->open(), 2);
  }
  EXPECT_EQ(pool->in_use(), 0);
  EXPECT_EQ(pool->open(), 2);  // Returned connections stay open, idle.
  {
    CRM_ASSERT_OK_AND_ASSIGN(PooledConnection again, pool->Acquire());
    EXPECT_EQ(pool->open(), 2);  // Reused, not a third one.
    EXPECT_EQ(QueryString(*again, "SELECT DATABASE()"), db_->name());
  }
}

TEST_F(MySqlPoolTest, WaiterGetsAReleasedConnection) {
  std::unique_ptr<MySqlPool> pool = NewPool(1, absl::Minutes(2));
  ASSERT_NE(pool, nullptr);
  absl::StatusOr<PooledConnection> held = pool->Acquire();
  ASSERT_THAT(held, IsOk());
  const absl::Time start = absl::Now();
  std::thread releaser([&held] {
    // Part of the behaviour under test, not a wait for a result: the
    // connection is returned while Acquire() below is (most likely) already
    // waiting for it. Acquire() cannot succeed before this return.
    absl::SleepFor(absl::Milliseconds(200));
    PooledConnection done = std::move(held).value();
  });
  absl::StatusOr<PooledConnection> second = pool->Acquire();
  const absl::Duration waited = absl::Now() - start;
  releaser.join();
  ASSERT_THAT(second, IsOk());
  EXPECT_GE(waited, absl::Milliseconds(150));  // It waited for the release.
  EXPECT_EQ(pool->open(), 1);
}

TEST_F(MySqlPoolTest, MovedConnectionIsReturnedOnce) {
  std::unique_ptr<MySqlPool> pool = NewPool(2, absl::Seconds(1));
  ASSERT_NE(pool, nullptr);
  {
    CRM_ASSERT_OK_AND_ASSIGN(PooledConnection a, pool->Acquire());
    PooledConnection b = std::move(a);
    CRM_ASSERT_OK_AND_ASSIGN(PooledConnection c, pool->Acquire());
    c = std::move(b);  // c's own connection goes back to the pool.
    EXPECT_EQ(pool->in_use(), 1);
  }
  EXPECT_EQ(pool->in_use(), 0);
  EXPECT_EQ(pool->open(), 2);
}

TEST_F(MySqlPoolTest, SessionIsUtcAndUtf8mb4) {
  std::unique_ptr<MySqlPool> pool = NewPool(1, absl::Seconds(1));
  ASSERT_NE(pool, nullptr);
  CRM_ASSERT_OK_AND_ASSIGN(PooledConnection c, pool->Acquire());
  EXPECT_EQ(QueryString(*c, "SELECT @@session.time_zone"), "+00:00");
  EXPECT_EQ(QueryString(*c, "SELECT @@character_set_connection"), "utf8mb4");
  EXPECT_EQ(QueryString(*c, "SELECT @@autocommit"), "1");
}

TEST_F(MySqlPoolTest, MarkBrokenClosesTheConnection) {
  std::unique_ptr<MySqlPool> pool = NewPool(2, absl::Seconds(1));
  ASSERT_NE(pool, nullptr);
  {
    CRM_ASSERT_OK_AND_ASSIGN(PooledConnection c, pool->Acquire());
    c.MarkBroken();
  }
  EXPECT_EQ(pool->open(), 0);
  EXPECT_EQ(pool->in_use(), 0);
}

// Kills the server side of `pool`'s only (idle) connection and waits until
// the server no longer lists it; the killed connection's id.
std::string KillIdleConnection(MySqlPool& pool, TestDatabase& db) {
  std::string id;
  {
    absl::StatusOr<PooledConnection> c = pool.Acquire();
    EXPECT_THAT(c, IsOk());
    if (!c.ok()) return "";
    id = QueryString(**c, "SELECT CONNECTION_ID()");
  }
  EXPECT_THAT(db.Execute("KILL CONNECTION " + id), IsOk());
  std::unique_ptr<MySqlPool> observer = db.NewPool(1);
  EXPECT_TRUE(crm::testing::WaitUntil([&] {
    absl::StatusOr<PooledConnection> c = observer->Acquire();
    return c.ok() &&
           QueryString(**c,
                       "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                       "WHERE ID = " +
                           id) == "0";
  })) << "connection "
      << id << " is still listed after KILL";
  return id;
}

TEST_F(MySqlPoolTest, ReplacesAnIdleConnectionKilledByTheServer) {
  FakeClock clock(absl::FromUnixSeconds(1'700'000'000));
  std::unique_ptr<MySqlPool> pool = NewPool(1, absl::Seconds(2), clock);
  ASSERT_NE(pool, nullptr);
  const std::string first_id = KillIdleConnection(*pool, *db_);
  ASSERT_FALSE(first_id.empty());
  clock.Advance(absl::Seconds(2));  // Past the validation threshold.
  CRM_ASSERT_OK_AND_ASSIGN(PooledConnection c, pool->Acquire());
  EXPECT_NE(QueryString(*c, "SELECT CONNECTION_ID()"), first_id);
  EXPECT_EQ(pool->open(), 1);
}

TEST_F(MySqlPoolTest, RecentlyIdleConnectionIsHandedOutWithoutAPing) {
  FakeClock clock(absl::FromUnixSeconds(1'700'000'000));
  std::unique_ptr<MySqlPool> pool = NewPool(1, absl::Seconds(2), clock);
  ASSERT_NE(pool, nullptr);
  ASSERT_FALSE(KillIdleConnection(*pool, *db_).empty());
  clock.Advance(absl::Milliseconds(900));  // Within the threshold.
  {
    // Not pinged, so the dead connection itself comes back; the caller sees
    // the failure on use (and marks it broken, as the contract asks).
    CRM_ASSERT_OK_AND_ASSIGN(PooledConnection c, pool->Acquire());
    EXPECT_THROW(QueryString(*c, "SELECT 1"), sql::SQLException);
    c.MarkBroken();
  }
  EXPECT_EQ(pool->open(), 0);
  CRM_ASSERT_OK_AND_ASSIGN(PooledConnection fresh, pool->Acquire());
  EXPECT_EQ(QueryString(*fresh, "SELECT 1"), "1");
}

TEST_F(MySqlPoolTest, PingAnswers) {
  std::unique_ptr<MySqlPool> pool = NewPool(1, absl::Seconds(1));
  ASSERT_NE(pool, nullptr);
  EXPECT_THAT(pool->Ping(), IsOk());
  EXPECT_EQ(pool->in_use(), 0);
}

TEST_F(MySqlPoolTest, PingAnswersWhileEveryConnectionIsBorrowed) {
  std::unique_ptr<MySqlPool> pool = NewPool(1, absl::Milliseconds(200));
  ASSERT_NE(pool, nullptr);
  CRM_ASSERT_OK_AND_ASSIGN(PooledConnection borrowed, pool->Acquire());
  EXPECT_THAT(pool->Acquire(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(pool->Ping(), IsOk());
  EXPECT_EQ(pool->in_use(), 1);
}

TEST_F(MySqlPoolTest, ManyThreadsNeverExceedTheBound) {
  std::unique_ptr<MySqlPool> pool = NewPool(3, absl::Seconds(10));
  ASSERT_NE(pool, nullptr);
  std::atomic<int> failures{0};
  std::atomic<int> max_in_use{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        absl::StatusOr<PooledConnection> c = pool->Acquire();
        if (!c.ok()) {
          ++failures;
          continue;
        }
        int seen = pool->in_use();
        int previous = max_in_use.load();
        while (seen > previous &&
               !max_in_use.compare_exchange_weak(previous, seen)) {
        }
        if (QueryString(**c, "SELECT 1") != "1") ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(max_in_use.load(), 3);
  EXPECT_LE(pool->open(), 3);
  EXPECT_EQ(pool->in_use(), 0);
}

TEST_F(MySqlPoolTest, CloseFailsLaterAcquires) {
  std::unique_ptr<MySqlPool> pool = NewPool(2, absl::Seconds(1));
  ASSERT_NE(pool, nullptr);
  { CRM_ASSERT_OK_AND_ASSIGN(PooledConnection idle, pool->Acquire()); }
  CRM_ASSERT_OK_AND_ASSIGN(PooledConnection borrowed, pool->Acquire());
  ASSERT_EQ(pool->open(), 1);  // The idle one was reused.
  CRM_ASSERT_OK_AND_ASSIGN(PooledConnection second, pool->Acquire());
  { PooledConnection returned = std::move(second); }
  ASSERT_EQ(pool->open(), 2);
  pool->Close();
  EXPECT_EQ(pool->open(), 1);  // Idle closed, borrowed still out.
  EXPECT_THAT(pool->Acquire(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(pool->Ping(), StatusIs(absl::StatusCode::kUnavailable));
  { PooledConnection returned = std::move(borrowed); }
  EXPECT_EQ(pool->open(), 0);
  EXPECT_EQ(pool->in_use(), 0);
}

TEST(MySqlPoolUnreachable, ClosedPortIsUnavailableWithoutWaitingOutTimeouts) {
  MySqlOptions options = TestAdminOptions();
  options.port = ClosedPort();
  // A refused connection must fail at once, not after these timeouts (far
  // longer than the deadline below).
  options.acquire_timeout = absl::Minutes(2);
  options.connect_timeout = absl::Minutes(2);
  CRM_ASSERT_OK_AND_ASSIGN(auto pool, MySqlPool::Create(options));
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(crm::testing::ReturnsWithin(absl::Seconds(20), [&] {
      EXPECT_THAT(pool->Acquire(), StatusIs(absl::StatusCode::kUnavailable));
    }));
  }
  EXPECT_THAT(pool->Ping(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(pool->open(), 0);
  EXPECT_EQ(pool->in_use(), 0);
}

TEST(MySqlPoolUnreachable, BadPasswordIsInternalAndNotEchoed) {
  MySqlOptions options = TestAdminOptions();
  options.password = "definitely-wrong-secret";
  CRM_ASSERT_OK_AND_ASSIGN(auto pool, MySqlPool::Create(options));
  absl::StatusOr<PooledConnection> c = pool->Acquire();
  EXPECT_THAT(c, StatusIs(absl::StatusCode::kInternal,
                          Not(HasSubstr("definitely-wrong-secret"))));
  EXPECT_THAT(c, StatusIs(absl::StatusCode::kInternal, HasSubstr("1045")));
  EXPECT_EQ(pool->in_use(), 0);
}

TEST(MySqlPoolUnreachable, UnknownDatabaseIsAnError) {
  MySqlOptions options = TestAdminOptions();
  options.database = "crm_test_does_not_exist";
  CRM_ASSERT_OK_AND_ASSIGN(auto pool, MySqlPool::Create(options));
  EXPECT_THAT(pool->Acquire(), Not(IsOk()));
}

}  // namespace
}  // namespace crm::common

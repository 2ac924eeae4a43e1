// The per-connection prepared-statement cache and the lean transaction start
// against the real MariaDB: a statement is prepared once per connection
// across units of work, handed out with its parameters cleared, evicted least
// recently used first, and dropped with its connection when the server ends
// the connection (as a server restart does: the shared test server is not
// restarted, the connection is killed instead); ROLLBACK and COMMIT end
// transactions opened with START TRANSACTION on an autocommit connection; the
// statement time bound is sent only when it changes, and requests with the
// same deadline length share one bound.
#include "services/common/prepared_statement_cache.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <cstdint>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/mysql_pool.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/wait.h"

namespace crm::common {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::crm::testing::TestDatabase;

constexpr char kSelectBalance[] = "SELECT balance FROM accounts WHERE id = ?";

std::string QueryString(sql::Connection& c, const std::string& sql) {
  std::unique_ptr<sql::Statement> statement(c.createStatement());
  std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(sql));
  return rows->next() ? rows->getString(1).asStdString() : "";
}

int64_t SessionCounter(sql::Connection& c, const std::string& name) {
  std::unique_ptr<sql::Statement> statement(c.createStatement());
  std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(
      absl::StrCat("SHOW SESSION STATUS LIKE '", name, "'")));
  return rows->next() ? rows->getInt64(2) : -1;
}

class StatementCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(db_, TestDatabase::Create("stmtcache"));
    ASSERT_THAT(db_->Execute("CREATE TABLE accounts (id INT PRIMARY KEY, "
                             "balance INT NOT NULL) ENGINE=InnoDB"),
                IsOk());
    ASSERT_THAT(db_->Execute("INSERT INTO accounts VALUES (1, 100), (2, 200)"),
                IsOk());
    pool_ = db_->NewPool(1);  // One connection: every call shares it.
    ASSERT_NE(pool_, nullptr);
    unit_of_work_ = std::make_unique<MySqlUnitOfWork>(*pool_);
  }

  // Runs a unit of work reading `id`'s balance through the cache; returns
  // the balance and stores the connection's id and its cache.
  absl::StatusOr<int> ReadBalance(int id) {
    return unit_of_work_->Run<int>(
        RequestContext(), [&](Transaction& tx) -> absl::StatusOr<int> {
          sql::Connection& c = MySqlConnectionOf(tx);
          connection_id_ = QueryString(c, "SELECT CONNECTION_ID()");
          cache_ = StatementCacheOf(c);
          CachedStatement select = Prepared(tx, kSelectBalance);
          statement_ = &*select;
          select->setInt(1, id);
          std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
          if (!rows->next()) return absl::NotFoundError("no account");
          return rows->getInt(1);
        });
  }

  // The balance of `id` read outside the cache.
  int Balance(int id) {
    absl::StatusOr<PooledConnection> c = pool_->Acquire();
    EXPECT_THAT(c, IsOk());
    if (!c.ok()) return -2;
    return std::stoi(QueryString(
        **c, absl::StrCat("SELECT balance FROM accounts WHERE id = ", id)));
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<MySqlPool> pool_;
  std::unique_ptr<MySqlUnitOfWork> unit_of_work_;
  std::string connection_id_;
  PreparedStatementCache* cache_ = nullptr;
  sql::PreparedStatement* statement_ = nullptr;
};

TEST_F(StatementCacheTest, PreparedOnceAcrossUnitsOfWork) {
  CRM_ASSERT_OK_AND_ASSIGN(int first, ReadBalance(1));
  EXPECT_EQ(first, 100);
  ASSERT_NE(cache_, nullptr);
  const std::string connection = connection_id_;
  sql::PreparedStatement* statement = statement_;
  const size_t prepared = cache_->prepared_count();

  int64_t server_prepares = -1;
  {
    CRM_ASSERT_OK_AND_ASSIGN(PooledConnection c, pool_->Acquire());
    server_prepares = SessionCounter(*c, "Com_stmt_prepare");
  }
  CRM_ASSERT_OK_AND_ASSIGN(int second, ReadBalance(2));
  CRM_ASSERT_OK_AND_ASSIGN(int third, ReadBalance(1));
  EXPECT_EQ(second, 200);
  EXPECT_EQ(third, 100);

  EXPECT_EQ(connection_id_, connection);
  EXPECT_EQ(statement_, statement);
  EXPECT_EQ(cache_->prepared_count(), prepared);
  CRM_ASSERT_OK_AND_ASSIGN(PooledConnection c, pool_->Acquire());
  EXPECT_EQ(SessionCounter(*c, "Com_stmt_prepare"), server_prepares);
}

TEST_F(StatementCacheTest, ParametersAreClearedBeforeReuse) {
  ASSERT_THAT(ReadBalance(1), IsOk());
  absl::Status status = unit_of_work_->Read(
      RequestContext(), [&](Transaction& tx) -> absl::Status {
        CachedStatement select = Prepared(tx, kSelectBalance);
        EXPECT_TRUE(select.cached());
        // The earlier use bound parameter 1; it must not survive.
        EXPECT_THROW(std::unique_ptr<sql::ResultSet>(select->executeQuery()),
                     sql::SQLException);
        return absl::OkStatus();
      });
  EXPECT_THAT(status, IsOk());
}

TEST_F(StatementCacheTest, EvictsTheLeastRecentlyUsedStatement) {
  CRM_ASSERT_OK_AND_ASSIGN(PooledConnection c, pool_->Acquire());
  {
    PreparedStatementCache cache(*c, /*capacity=*/2);
    sql::PreparedStatement* a = &cache.Get("SELECT 1");
    cache.Get("SELECT 2");
    EXPECT_EQ(&cache.Get("SELECT 1"), a);  // Now the most recently used.
    cache.Get("SELECT 3");                 // Evicts "SELECT 2".
    EXPECT_EQ(cache.size(), 2u);
    EXPECT_EQ(cache.prepared_count(), 3u);
    EXPECT_EQ(&cache.Get("SELECT 1"), a);
    EXPECT_EQ(cache.prepared_count(), 3u);
    cache.Get("SELECT 2");
    EXPECT_EQ(cache.prepared_count(), 4u);
    std::unique_ptr<sql::ResultSet> rows(cache.Get("SELECT 2").executeQuery());
    ASSERT_TRUE(rows->next());
    EXPECT_EQ(rows->getInt(1), 2);
  }
  // This test's cache replaced the pool's registration for the connection.
  c.MarkBroken();
}

TEST_F(StatementCacheTest, DroppedWhenTheServerEndsTheConnection) {
  ASSERT_THAT(ReadBalance(1), IsOk());
  const std::string killed = connection_id_;
  ASSERT_THAT(db_->Execute("KILL CONNECTION " + killed), IsOk());
  ASSERT_TRUE(crm::testing::WaitUntil([&] {
    std::unique_ptr<MySqlPool> observer = db_->NewPool(1);
    absl::StatusOr<PooledConnection> c = observer->Acquire();
    return c.ok() &&
           QueryString(**c,
                       "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                       "WHERE ID = " +
                           killed) == "0";
  }));

  // The transaction cannot start on the dead connection, so it is replaced
  // before the body runs and the statement is prepared on the new one.
  CRM_ASSERT_OK_AND_ASSIGN(int balance, ReadBalance(2));
  EXPECT_EQ(balance, 200);
  EXPECT_NE(connection_id_, killed);
  ASSERT_NE(cache_, nullptr);
  EXPECT_EQ(cache_->prepared_count(), 1u);
  EXPECT_EQ(pool_->open(), 1);
}

TEST_F(StatementCacheTest, ReadOnADeadConnectionFailsThenRecovers) {
  ASSERT_THAT(ReadBalance(1), IsOk());
  ASSERT_THAT(db_->Execute("KILL CONNECTION " + connection_id_), IsOk());
  const std::string killed = connection_id_;
  // A read is not retried: it fails, and the broken connection (with its
  // statements) is dropped instead of returning to the pool.
  absl::Status failed;
  ASSERT_TRUE(crm::testing::WaitUntil([&] {
    failed = unit_of_work_->Read(RequestContext(), [&](Transaction& tx) {
      CachedStatement select = Prepared(tx, kSelectBalance);
      select->setInt(1, 1);
      std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
      return absl::OkStatus();
    });
    return !failed.ok();
  }));
  EXPECT_THAT(failed, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(pool_->open(), 0);
  CRM_ASSERT_OK_AND_ASSIGN(int balance, ReadBalance(1));
  EXPECT_EQ(balance, 100);
  EXPECT_NE(connection_id_, killed);
}

TEST_F(StatementCacheTest,
       RollbackAndCommitEndTheTransactionOnTheSameConnection) {
  ASSERT_THAT(ReadBalance(1), IsOk());
  const std::string connection = connection_id_;
  absl::Status failed = unit_of_work_->Run(
      RequestContext(), [&](Transaction& tx) -> absl::Status {
        CachedStatement update =
            Prepared(tx, "UPDATE accounts SET balance = ? WHERE id = ?");
        update->setInt(1, 0);
        update->setInt(2, 1);
        update->executeUpdate();
        return absl::FailedPreconditionError("refused");
      });
  EXPECT_THAT(failed, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Balance(1), 100);

  EXPECT_THAT(unit_of_work_->Run(
                  RequestContext(),
                  [&](Transaction& tx) -> absl::Status {
                    CachedStatement update = Prepared(
                        tx, "UPDATE accounts SET balance = ? WHERE id = ?");
                    update->setInt(1, 150);
                    update->setInt(2, 1);
                    update->executeUpdate();
                    return absl::OkStatus();
                  }),
              IsOk());
  EXPECT_EQ(Balance(1), 150);

  // Neither ending marked the connection broken, and it is back in
  // autocommit mode with no transaction open.
  ASSERT_THAT(ReadBalance(1), IsOk());
  EXPECT_EQ(connection_id_, connection);
  CRM_ASSERT_OK_AND_ASSIGN(PooledConnection c, pool_->Acquire());
  EXPECT_EQ(QueryString(*c, "SELECT @@autocommit"), "1");
  EXPECT_EQ(QueryString(*c, "SELECT @@in_transaction"), "0");
}

TEST_F(StatementCacheTest, StatementBoundIsSentOnlyWhenItChanges) {
  ASSERT_THAT(ReadBalance(1), IsOk());
  auto set_options = [&]() -> int64_t {
    absl::StatusOr<PooledConnection> c = pool_->Acquire();
    EXPECT_THAT(c, IsOk());
    return c.ok() ? SessionCounter(**c, "Com_set_option") : -1;
  };
  const int64_t before = set_options();
  ASSERT_THAT(ReadBalance(1), IsOk());
  ASSERT_THAT(ReadBalance(2), IsOk());
  EXPECT_EQ(set_options(), before);  // No deadline, no bound: no SET.

  std::string bound;
  const RequestContext with_deadline =
      RequestContext::WithDeadline(absl::Now() + absl::Seconds(30));
  ASSERT_THAT(unit_of_work_->Run(with_deadline,
                                 [&](Transaction& tx) {
                                   bound = QueryString(
                                       MySqlConnectionOf(tx),
                                       "SELECT @@max_statement_time");
                                   return absl::OkStatus();
                                 }),
              IsOk());
  EXPECT_GT(std::stod(bound), 0.0);
  EXPECT_LE(std::stod(bound), 30.0);

  // The next deadline-less unit of work resets the bound, once.
  ASSERT_THAT(unit_of_work_->Read(RequestContext(),
                                  [&](Transaction& tx) {
                                    bound = QueryString(
                                        MySqlConnectionOf(tx),
                                        "SELECT @@max_statement_time");
                                    return absl::OkStatus();
                                  }),
              IsOk());
  EXPECT_EQ(std::stod(bound), 0.0);
  const int64_t after_reset = set_options();
  ASSERT_THAT(ReadBalance(1), IsOk());
  EXPECT_EQ(set_options(), after_reset);
}

TEST_F(StatementCacheTest, RequestsWithTheSameDeadlineLengthShareOneBound) {
  ASSERT_THAT(ReadBalance(1), IsOk());
  auto set_options = [&]() -> int64_t {
    absl::StatusOr<PooledConnection> c = pool_->Acquire();
    EXPECT_THAT(c, IsOk());
    return c.ok() ? SessionCounter(**c, "Com_set_option") : -1;
  };
  auto read_with_deadline = [&](absl::Duration timeout) {
    std::string bound;
    EXPECT_THAT(unit_of_work_->Read(
                    RequestContext::WithDeadline(absl::Now() + timeout),
                    [&](Transaction& tx) {
                      bound = QueryString(MySqlConnectionOf(tx),
                                          "SELECT @@max_statement_time");
                      return absl::OkStatus();
                    }),
                IsOk());
    return bound;
  };
  const int64_t before = set_options();
  // The first request sets the bound (rounded down: 9.9 s for 10 s left).
  EXPECT_DOUBLE_EQ(std::stod(read_with_deadline(absl::Seconds(10))), 9.9);
  EXPECT_EQ(set_options(), before + 1);
  // Later requests with a 10 s deadline have a little less or more time
  // left each; none sends a SET.
  for (int i = 0; i < 20; ++i) {
    EXPECT_DOUBLE_EQ(std::stod(read_with_deadline(absl::Seconds(10))), 9.9);
  }
  EXPECT_EQ(set_options(), before + 1);
  // A shorter deadline changes the bound again.
  EXPECT_DOUBLE_EQ(std::stod(read_with_deadline(absl::Seconds(3))), 2.9);
  EXPECT_EQ(set_options(), before + 2);
}

TEST(StatementBoundTest, RoundsDownToTwoSignificantDigits) {
  EXPECT_EQ(StatementBoundFor(absl::Milliseconds(9970)),
            absl::Milliseconds(9900));
  EXPECT_EQ(StatementBoundFor(absl::Milliseconds(9999)),
            absl::Milliseconds(9900));
  EXPECT_EQ(StatementBoundFor(absl::Milliseconds(2996)),
            absl::Milliseconds(2900));
  EXPECT_EQ(StatementBoundFor(absl::Milliseconds(42500)), absl::Seconds(42));
  EXPECT_EQ(StatementBoundFor(absl::Microseconds(34567)),
            absl::Milliseconds(34));
  EXPECT_EQ(StatementBoundFor(absl::Milliseconds(100)),
            absl::Milliseconds(100));
  // Never more than the time left, never less than 1 ms.
  EXPECT_EQ(StatementBoundFor(absl::Microseconds(200)), absl::Milliseconds(1));
  EXPECT_EQ(StatementBoundFor(-absl::Seconds(1)), absl::Milliseconds(1));
  for (int64_t ms = 2; ms < 100000; ms = ms * 3 / 2 + 1) {
    const absl::Duration left = absl::Milliseconds(ms) + absl::Microseconds(7);
    EXPECT_LE(StatementBoundFor(left), left);
    EXPECT_GE(StatementBoundFor(left), left * 0.9);
  }
}

}  // namespace
}  // namespace crm::common

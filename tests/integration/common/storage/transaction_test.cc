#include "services/common/transaction.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "services/common/mysql_errors.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::common {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::crm::testing::TestDatabase;
using ::testing::HasSubstr;

void Exec(sql::Connection& c, const std::string& sql) {
  std::unique_ptr<sql::Statement> statement(c.createStatement());
  statement->execute(sql);
}

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(db_, TestDatabase::Create("txn"));
    ASSERT_THAT(db_->Execute("CREATE TABLE accounts (id INT PRIMARY KEY, "
                             "balance INT NOT NULL) ENGINE=InnoDB"),
                IsOk());
    ASSERT_THAT(db_->Execute("INSERT INTO accounts VALUES (1, 100), (2, 100)"),
                IsOk());
    pool_ = db_->NewPool(4);
    ASSERT_NE(pool_, nullptr);
  }

  // The balance of `id` read on a fresh autocommit connection; -1 if absent.
  int Balance(int id) {
    absl::StatusOr<int> balance = WithConnection<int>(
        *pool_, [&](sql::Connection& c) -> absl::StatusOr<int> {
          std::unique_ptr<sql::PreparedStatement> st(
              c.prepareStatement("SELECT balance FROM accounts WHERE id = ?"));
          st->setInt(1, id);
          std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
          return rs->next() ? rs->getInt(1) : -1;
        });
    EXPECT_THAT(balance, IsOk());
    return balance.ok() ? *balance : -2;
  }

  static void Add(sql::Connection& c, int id, int amount) {
    std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(
        "UPDATE accounts SET balance = balance + ? WHERE id = ?"));
    st->setInt(1, amount);
    st->setInt(2, id);
    st->executeUpdate();
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<MySqlPool> pool_;
};

TEST_F(TransactionTest, CommitIsVisibleToOtherConnections) {
  EXPECT_THAT(RunInTransaction(*pool_,
                               [](sql::Connection& c) {
                                 Add(c, 1, -30);
                                 Add(c, 2, 30);
                                 return absl::OkStatus();
                               }),
              IsOk());
  EXPECT_EQ(Balance(1), 70);
  EXPECT_EQ(Balance(2), 130);
}

TEST_F(TransactionTest, ReturnsTheBodysValue) {
  absl::StatusOr<int> value = RunInTransaction<int>(
      *pool_, [](sql::Connection& c) -> absl::StatusOr<int> {
        Add(c, 1, 5);
        return 42;
      });
  EXPECT_THAT(value, IsOk());
  EXPECT_EQ(*value, 42);
  EXPECT_EQ(Balance(1), 105);
}

TEST_F(TransactionTest, ErrorStatusRollsBackAndIsNotRetried) {
  int runs = 0;
  absl::Status status = RunInTransaction(*pool_, [&](sql::Connection& c) {
    ++runs;
    Add(c, 1, -50);
    return absl::FailedPreconditionError("insufficient balance");
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr("insufficient balance")));
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(Balance(1), 100);
}

TEST_F(TransactionTest, DomainAbortedIsNotRetried) {
  int runs = 0;
  EXPECT_THAT(RunInTransaction(*pool_,
                               [&](sql::Connection&) {
                                 ++runs;
                                 return absl::AbortedError("etag mismatch");
                               }),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("etag")));
  EXPECT_EQ(runs, 1);
}

TEST_F(TransactionTest, ExceptionRollsBack) {
  EXPECT_THAT(RunInTransaction(*pool_,
                               [](sql::Connection& c) -> absl::Status {
                                 Add(c, 1, -50);
                                 throw std::runtime_error("boom");
                               }),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("boom")));
  EXPECT_EQ(Balance(1), 100);

  EXPECT_THAT(RunInTransaction(*pool_,
                               [](sql::Connection& c) -> absl::Status {
                                 Add(c, 1, -50);
                                 Exec(c, "SELEC broken syntax");
                                 return absl::OkStatus();
                               }),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("1064")));
  EXPECT_EQ(Balance(1), 100);

  EXPECT_THAT(RunInTransaction(*pool_,
                               [](sql::Connection& c) -> absl::Status {
                                 Add(c, 1, -50);
                                 Exec(c, "INSERT INTO accounts VALUES (2, 0)");
                                 return absl::OkStatus();
                               }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(Balance(1), 100);
}

TEST_F(TransactionTest, ConnectionReturnsToAutocommit) {
  std::unique_ptr<MySqlPool> single = db_->NewPool(1);
  ASSERT_NE(single, nullptr);
  ASSERT_THAT(RunInTransaction(*single,
                               [](sql::Connection& c) {
                                 Add(c, 1, 1);
                                 return absl::OkStatus();
                               }),
              IsOk());
  ASSERT_THAT(RunInTransaction(*single,
                               [](sql::Connection& c) {
                                 Add(c, 1, 1);
                                 return absl::InternalError("undo");
                               }),
              StatusIs(absl::StatusCode::kInternal));
  absl::StatusOr<std::string> autocommit = WithConnection<std::string>(
      *single, [](sql::Connection& c) -> absl::StatusOr<std::string> {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> rs(
            st->executeQuery("SELECT @@autocommit"));
        rs->next();
        return std::string(rs->getString(1));
      });
  EXPECT_THAT(autocommit, IsOk());
  EXPECT_EQ(*autocommit, "1");
  EXPECT_EQ(single->open(), 1);
  EXPECT_EQ(Balance(1), 101);
}

TEST_F(TransactionTest, RetriesThrownDeadlockUpToMaxAttempts) {
  int runs = 0;
  TransactionOptions options;
  options.max_attempts = 3;
  options.initial_backoff = absl::Milliseconds(1);
  absl::Status status = RunInTransaction(
      *pool_,
      [&](sql::Connection& c) -> absl::Status {
        ++runs;
        Add(c, 1, 1);
        throw sql::SQLException("Deadlock found", "40001", 1213);
      },
      options);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kAborted, HasSubstr("1213")));
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(Balance(1), 100);
}

TEST_F(TransactionTest, RetriesADeadlockTheBodyMappedToAStatus) {
  int runs = 0;
  absl::Status status = RunInTransaction(*pool_, [&](sql::Connection& c) {
    ++runs;
    Add(c, 1, 1);
    if (runs == 1) {
      return MySqlErrorToStatus(
          sql::SQLException("Lock wait timeout exceeded", "HY000", 1205),
          "updating");
    }
    return absl::OkStatus();
  });
  EXPECT_THAT(status, IsOk());
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(Balance(1), 101);
}

TEST_F(TransactionTest, RealDeadlockIsRetriedAndBothSucceed) {
  std::atomic<int> first_locks{0};
  std::atomic<int> attempts{0};
  auto transfer = [&](int from, int to) {
    return [&, from, to](sql::Connection& c) -> absl::Status {
      const int attempt = ++attempts;
      Add(c, from, -10);
      if (attempt <= 2) {
        // Both first attempts hold their first row lock before either takes
        // its second: a guaranteed deadlock.
        ++first_locks;
        const absl::Time deadline = absl::Now() + absl::Seconds(10);
        while (first_locks.load() < 2 && absl::Now() < deadline) {
          absl::SleepFor(absl::Milliseconds(1));
        }
      }
      Add(c, to, 10);
      return absl::OkStatus();
    };
  };
  absl::Status a, b;
  std::thread ta([&] { a = RunInTransaction(*pool_, transfer(1, 2)); });
  std::thread tb([&] { b = RunInTransaction(*pool_, transfer(2, 1)); });
  ta.join();
  tb.join();
  EXPECT_THAT(a, IsOk());
  EXPECT_THAT(b, IsOk());
  EXPECT_EQ(attempts.load(), 3);  // Exactly one victim, run once more.
  EXPECT_EQ(Balance(1), 100);
  EXPECT_EQ(Balance(2), 100);
}

TEST_F(TransactionTest, WithConnectionMapsExceptions) {
  EXPECT_THAT(WithConnection(*pool_,
                             [](sql::Connection& c) {
                               Exec(c, "INSERT INTO accounts VALUES (1, 0)");
                               return absl::OkStatus();
                             }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(WithConnection(*pool_,
                             [](sql::Connection& c) {
                               Exec(c, "SELECT * FROM no_such_table");
                               return absl::OkStatus();
                             }),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("1146")));
}

TEST_F(TransactionTest, KilledConnectionIsUnavailableAndDiscarded) {
  std::unique_ptr<MySqlPool> single = db_->NewPool(1);
  ASSERT_NE(single, nullptr);
  absl::Status status = RunInTransaction(*single, [&](sql::Connection& c) {
    Add(c, 1, 1);
    std::unique_ptr<sql::Statement> st(c.createStatement());
    std::unique_ptr<sql::ResultSet> rs(
        st->executeQuery("SELECT CONNECTION_ID()"));
    rs->next();
    // The server drops this session mid-transaction.
    absl::Status killed =
        db_->Execute("KILL CONNECTION " + std::string(rs->getString(1)));
    if (!killed.ok()) return killed;
    Add(c, 2, 1);
    return absl::OkStatus();
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(single->open(), 0);
  EXPECT_EQ(Balance(1), 100);
  // The pool recovers with a new connection.
  EXPECT_THAT(RunInTransaction(*single,
                               [](sql::Connection& c) {
                                 Add(c, 1, 1);
                                 return absl::OkStatus();
                               }),
              IsOk());
  EXPECT_EQ(Balance(1), 101);
}

}  // namespace
}  // namespace crm::common

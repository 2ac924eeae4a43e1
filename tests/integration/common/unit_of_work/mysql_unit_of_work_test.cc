#include "services/common/mysql_unit_of_work.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "services/common/error_details.h"
#include "services/common/transaction.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::common {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::TestDatabase;
namespace v1t = ::crm::type::v1;

class MySqlUnitOfWorkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = TestDatabase::Create("unit_of_work");
    ASSERT_THAT(db, IsOk());
    db_ = std::move(db).value();
    ASSERT_THAT(db_->Execute("CREATE TABLE items (id INT PRIMARY KEY, "
                             "value INT NOT NULL) ENGINE=InnoDB"),
                IsOk());
    ASSERT_THAT(db_->Execute("INSERT INTO items VALUES (1, 10)"), IsOk());
    pool_ = db_->NewPool(/*pool_size=*/1);
  }

  // Rows of `items`, read through a separate pool.
  int CountItems() {
    std::unique_ptr<MySqlPool> reader = db_->NewPool(1);
    absl::StatusOr<int> count = WithConnection<int>(
        *reader, [](sql::Connection& c) -> absl::StatusOr<int> {
          std::unique_ptr<sql::Statement> st(c.createStatement());
          std::unique_ptr<sql::ResultSet> rs(
              st->executeQuery("SELECT COUNT(*) FROM items"));
          rs->next();
          return rs->getInt(1);
        });
    EXPECT_THAT(count, IsOk());
    return count.value_or(-1);
  }

  static absl::Status Insert(Transaction& tx, int id) {
    std::unique_ptr<sql::PreparedStatement> st(
        MySqlConnectionOf(tx).prepareStatement(
            "INSERT INTO items (id, value) VALUES (?, 0)"));
    st->setInt(1, id);
    st->executeUpdate();
    return absl::OkStatus();
  }

  static absl::Status Sleep(Transaction& tx, double seconds) {
    std::unique_ptr<sql::Statement> st(MySqlConnectionOf(tx).createStatement());
    std::unique_ptr<sql::ResultSet> rs(
        st->executeQuery("SELECT SLEEP(" + std::to_string(seconds) + ")"));
    rs->next();
    // SLEEP() returns 1 when it was interrupted.
    if (rs->getInt(1) == 1) {
      return absl::DeadlineExceededError("sleep was interrupted");
    }
    return absl::OkStatus();
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<MySqlPool> pool_;
};

TEST_F(MySqlUnitOfWorkTest, CommitsWithinTheDeadline) {
  MySqlUnitOfWork unit_of_work(*pool_);
  const RequestContext context =
      RequestContext::WithDeadline(absl::Now() + absl::Seconds(30));
  EXPECT_THAT(
      unit_of_work.Run(context, [](Transaction& tx) { return Insert(tx, 2); }),
      IsOk());
  EXPECT_EQ(CountItems(), 2);
}

TEST_F(MySqlUnitOfWorkTest, PassedDeadlineRunsNothing) {
  MySqlUnitOfWork unit_of_work(*pool_);
  bool ran = false;
  const absl::Status status = unit_of_work.Run(
      RequestContext::WithDeadline(absl::Now() - absl::Seconds(1)),
      [&](Transaction& tx) {
        ran = true;
        return Insert(tx, 2);
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(ReasonOf(status), v1t::REQUEST_DEADLINE_EXCEEDED);
  EXPECT_FALSE(ran);
  EXPECT_EQ(CountItems(), 1);
}

TEST_F(MySqlUnitOfWorkTest, SlowStatementIsKilledAndNothingIsHalfWritten) {
  MySqlUnitOfWork unit_of_work(*pool_);
  const absl::Time start = absl::Now();
  const absl::Status status = unit_of_work.Run(
      RequestContext::WithDeadline(start + absl::Milliseconds(300)),
      [](Transaction& tx) -> absl::Status {
        if (absl::Status s = Insert(tx, 2); !s.ok()) return s;
        return Sleep(tx, 20);
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  // The server stopped the statement: the call did not wait for the sleep.
  EXPECT_LT(absl::Now() - start, absl::Seconds(15));
  EXPECT_EQ(CountItems(), 1);
}

TEST_F(MySqlUnitOfWorkTest, LockWaitEndsAtTheDeadline) {
  // Another transaction holds the row lock for the whole test.
  std::unique_ptr<MySqlPool> holder_pool = db_->NewPool(1);
  absl::StatusOr<PooledConnection> holder = holder_pool->Acquire();
  ASSERT_THAT(holder, IsOk());
  (*holder)->setAutoCommit(false);
  {
    std::unique_ptr<sql::Statement> st((*holder)->createStatement());
    st->execute("UPDATE items SET value = 11 WHERE id = 1");
  }

  MySqlUnitOfWork unit_of_work(*pool_);
  const absl::Status status = unit_of_work.Run(
      RequestContext::WithDeadline(absl::Now() + absl::Milliseconds(300)),
      [](Transaction& tx) -> absl::Status {
        if (absl::Status s = Insert(tx, 2); !s.ok()) return s;
        std::unique_ptr<sql::Statement> st(
            MySqlConnectionOf(tx).createStatement());
        st->execute("UPDATE items SET value = 12 WHERE id = 1");
        return absl::OkStatus();
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  (*holder)->rollback();
  (*holder)->setAutoCommit(true);
  EXPECT_EQ(CountItems(), 1);
}

TEST_F(MySqlUnitOfWorkTest, BodyOutlivingTheDeadlineIsNotCommitted) {
  FakeClock clock(absl::FromUnixSeconds(1'700'000'000));
  MySqlUnitOfWork unit_of_work(*pool_, TransactionOptions{}, clock);
  const absl::Status status = unit_of_work.Run(
      RequestContext::WithDeadline(clock.Now() + absl::Seconds(5)),
      [&](Transaction& tx) -> absl::Status {
        if (absl::Status s = Insert(tx, 2); !s.ok()) return s;
        clock.Advance(absl::Seconds(10));
        return absl::OkStatus();
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(ReasonOf(status), v1t::REQUEST_DEADLINE_EXCEEDED);
  EXPECT_EQ(CountItems(), 1);
}

TEST_F(MySqlUnitOfWorkTest, BoundDoesNotOutliveItsRequest) {
  // pool_size 1: the second call reuses the connection of the first.
  MySqlUnitOfWork unit_of_work(*pool_);
  EXPECT_THAT(unit_of_work.Read(RequestContext::WithDeadline(
                                    absl::Now() + absl::Milliseconds(200)),
                                [](Transaction&) { return absl::OkStatus(); }),
              IsOk());
  EXPECT_THAT(unit_of_work.Read(RequestContext(),
                                [](Transaction& tx) { return Sleep(tx, 0.5); }),
              IsOk());
}

TEST_F(MySqlUnitOfWorkTest, ReadHonoursTheDeadline) {
  MySqlUnitOfWork unit_of_work(*pool_);
  const absl::Status status = unit_of_work.Read(
      RequestContext::WithDeadline(absl::Now() + absl::Milliseconds(200)),
      [](Transaction& tx) { return Sleep(tx, 20); });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
}

TEST_F(MySqlUnitOfWorkTest, CancelledRequestRunsNothing) {
  MySqlUnitOfWork unit_of_work(*pool_);
  RequestContext context;
  context.set_cancellation([] { return true; });
  const absl::Status status =
      unit_of_work.Run(context, [](Transaction& tx) { return Insert(tx, 2); });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(ReasonOf(status), v1t::REQUEST_CANCELLED);
  EXPECT_EQ(CountItems(), 1);
}

// A COMMIT that never reaches the server (the session ended under it, as in a
// server crash) is an error, never a success: the insert was not committed.
TEST_F(MySqlUnitOfWorkTest,
       CommitLostWithTheConnectionIsNotReportedAsCommitted) {
  MySqlUnitOfWork unit_of_work(*pool_);
  const absl::Status status =
      unit_of_work.Run(RequestContext(), [&](Transaction& tx) -> absl::Status {
        if (absl::Status inserted = Insert(tx, 2); !inserted.ok()) {
          return inserted;
        }
        std::unique_ptr<sql::Statement> st(
            MySqlConnectionOf(tx).createStatement());
        std::unique_ptr<sql::ResultSet> rs(
            st->executeQuery("SELECT CONNECTION_ID()"));
        rs->next();
        return db_->Execute("KILL CONNECTION " +
                            std::to_string(rs->getInt64(1)));
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_EQ(CountItems(), 1);
}

}  // namespace
}  // namespace crm::common

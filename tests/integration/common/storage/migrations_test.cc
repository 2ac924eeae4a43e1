#include "services/common/migrations.h"

#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/transaction.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/wait.h"

namespace crm::common {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::crm::testing::TestAdminOptions;
using ::crm::testing::TestDatabase;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// Deliberately not idempotent (no IF NOT EXISTS, a plain INSERT): applying any
// of these twice fails or leaves a visible trace.
MigrationSet TestSet() {
  return MigrationSet{
      "test_set",
      {
          {"0001", "create_things",
           "-- Things.\n"
           "CREATE TABLE things (\n"
           "  id INT PRIMARY KEY,\n"
           "  name VARCHAR(32) NOT NULL\n"
           ") ENGINE=InnoDB;\n"},
          {"0002", "seed_things",
           "INSERT INTO things VALUES (1, 'a;b');\n"
           "-- a comment between statements\n"
           "CREATE TABLE notes (id INT PRIMARY KEY) ENGINE=InnoDB;\n"
           "INSERT INTO notes VALUES (7);\n"},
          {"0003", "add_column",
           "ALTER TABLE things ADD COLUMN rank_value INT NOT NULL DEFAULT 0;"},
      }};
}

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(db_, TestDatabase::Create("migrations"));
    pool_ = db_->NewPool(2);
    ASSERT_NE(pool_, nullptr);
  }

  std::string Query(const std::string& sql) {
    absl::StatusOr<std::string> value = WithConnection<std::string>(
        *pool_, [&](sql::Connection& c) -> absl::StatusOr<std::string> {
          std::unique_ptr<sql::Statement> st(c.createStatement());
          std::unique_ptr<sql::ResultSet> rs(st->executeQuery(sql));
          if (!rs->next()) return std::string("<no row>");
          return std::string(rs->getString(1));
        });
    EXPECT_THAT(value, IsOk());
    return value.ok() ? *value : "<error>";
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<MySqlPool> pool_;
};

TEST_F(MigrationsTest, AppliesOnceAndRecords) {
  const MigrationSet set = TestSet();
  // The common set grows over time; the test set has 3 migrations.
  const int expected =
      static_cast<int>(CommonMigrations().migrations.size()) + 3;
  std::string versions;
  for (const Migration& m : CommonMigrations().migrations) {
    absl::StrAppend(&versions, "common/", m.version, ",");
  }
  CRM_ASSERT_OK_AND_ASSIGN(
      int applied, ApplyMigrations(*pool_, {&CommonMigrations(), &set}));
  EXPECT_EQ(applied, expected);
  CRM_ASSERT_OK_AND_ASSIGN(
      int again, ApplyMigrations(*pool_, {&CommonMigrations(), &set}));
  EXPECT_EQ(again, 0);

  EXPECT_EQ(Query("SELECT COUNT(*) FROM schema_migrations"),
            absl::StrCat(expected));
  EXPECT_EQ(
      Query("SELECT GROUP_CONCAT(CONCAT(set_name, '/', version) "
            "ORDER BY set_name, version) FROM schema_migrations"),
      absl::StrCat(versions, "test_set/0001,test_set/0002,test_set/0003"));
  EXPECT_EQ(Query("SELECT description FROM schema_migrations "
                  "WHERE set_name = 'test_set' AND version = '0002'"),
            "seed_things");
  EXPECT_THAT(Query("SELECT checksum FROM schema_migrations "
                    "WHERE set_name = 'common'"),
              MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(Query("SELECT COUNT(*) FROM schema_migrations "
                  "WHERE applied_at > UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE"),
            absl::StrCat(expected));
  // The multi-statement file ran every statement, once.
  EXPECT_EQ(Query("SELECT CONCAT(COUNT(*), ':', MIN(name)) FROM things"),
            "1:a;b");
  EXPECT_EQ(Query("SELECT COUNT(*) FROM notes"), "1");
  EXPECT_EQ(Query("SELECT COUNT(*) FROM information_schema.columns WHERE "
                  "table_schema = DATABASE() AND table_name = 'things' AND "
                  "column_name = 'rank_value'"),
            "1");
  EXPECT_EQ(Query("SELECT COUNT(*) FROM information_schema.tables WHERE "
                  "table_schema = DATABASE() AND "
                  "table_name = 'idempotency_keys'"),
            "1");
  EXPECT_EQ(pool_->in_use(), 0);
}

TEST_F(MigrationsTest, AppliesOnlyNewMigrations) {
  MigrationSet set = TestSet();
  set.migrations.resize(1);
  CRM_ASSERT_OK_AND_ASSIGN(int first, ApplyMigrations(*pool_, {&set}));
  EXPECT_EQ(first, 1);
  const MigrationSet full = TestSet();
  CRM_ASSERT_OK_AND_ASSIGN(int second, ApplyMigrations(*pool_, {&full}));
  EXPECT_EQ(second, 2);
}

TEST_F(MigrationsTest, ConcurrentRunnersApplyEachMigrationOnce) {
  const MigrationSet set = TestSet();
  constexpr int kRunners = 3;
  std::vector<absl::StatusOr<int>> results(kRunners, 0);
  std::vector<std::unique_ptr<MySqlPool>> pools;
  for (int i = 0; i < kRunners; ++i) pools.push_back(db_->NewPool(1));
  std::vector<std::thread> threads;
  for (int i = 0; i < kRunners; ++i) {
    threads.emplace_back([&, i] {
      results[i] = ApplyMigrations(*pools[i], {&CommonMigrations(), &set});
    });
  }
  for (std::thread& thread : threads) thread.join();
  int total = 0;
  for (const absl::StatusOr<int>& result : results) {
    ASSERT_THAT(result, IsOk());
    total += *result;
  }
  const int expected =
      static_cast<int>(CommonMigrations().migrations.size()) + 3;
  EXPECT_EQ(total, expected);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM schema_migrations"),
            absl::StrCat(expected));
  EXPECT_EQ(Query("SELECT COUNT(*) FROM things"), "1");
  EXPECT_EQ(Query("SELECT COUNT(*) FROM notes"), "1");
}

TEST_F(MigrationsTest, DetectsAnEditedMigration) {
  const MigrationSet set = TestSet();
  ASSERT_THAT(ApplyMigrations(*pool_, {&set}), IsOk());
  MigrationSet edited = TestSet();
  edited.migrations[1].sql += "\n-- edited after release\n";
  edited.migrations.push_back(
      {"0004", "more", "CREATE TABLE more_things (id INT) ENGINE=InnoDB;"});
  EXPECT_THAT(
      ApplyMigrations(*pool_, {&edited}),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr("test_set/0002"), HasSubstr("checksum"))));
  // Nothing after the mismatch was applied.
  EXPECT_EQ(Query("SELECT COUNT(*) FROM information_schema.tables WHERE "
                  "table_schema = DATABASE() AND table_name = 'more_things'"),
            "0");
  EXPECT_EQ(Query("SELECT COUNT(*) FROM schema_migrations"), "3");
}

TEST_F(MigrationsTest, FailedStatementIsReportedAndNotRecorded) {
  MigrationSet set{"broken_set",
                   {{"0001", "ok", "CREATE TABLE ok_table (id INT);"},
                    {"0002", "bad",
                     "CREATE TABLE bad_table (id INT);\n"
                     "CREATE TABLOID nonsense;"}}};
  EXPECT_THAT(
      ApplyMigrations(*pool_, {&set}),
      StatusIs(absl::StatusCode::kInternal,
               AllOf(HasSubstr("broken_set/0002"), HasSubstr("statement 2"))));
  EXPECT_EQ(Query("SELECT GROUP_CONCAT(version) FROM schema_migrations"),
            "0001");
  // Fixed (this one was never released): it now applies.
  set.migrations[1].sql =
      "CREATE TABLE IF NOT EXISTS bad_table (id INT);\n"
      "CREATE TABLE fixed_table (id INT);";
  CRM_ASSERT_OK_AND_ASSIGN(int applied, ApplyMigrations(*pool_, {&set}));
  EXPECT_EQ(applied, 1);
}

TEST_F(MigrationsTest, RejectsVersionsOutOfOrder) {
  MigrationSet set{"unordered",
                   {{"0002", "b", "SELECT 1;"}, {"0001", "a", "SELECT 1;"}}};
  EXPECT_THAT(
      ApplyMigrations(*pool_, {&set}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unordered")));
}

TEST_F(MigrationsTest, TimesOutWhileAnotherProcessHoldsTheLock) {
  std::unique_ptr<MySqlPool> other = db_->NewPool(1);
  ASSERT_NE(other, nullptr);
  CRM_ASSERT_OK_AND_ASSIGN(PooledConnection holder, other->Acquire());
  {
    std::unique_ptr<sql::Statement> st(holder->createStatement());
    std::unique_ptr<sql::ResultSet> rs(
        st->executeQuery("SELECT GET_LOCK('crm_schema_migrations', 10)"));
    ASSERT_TRUE(rs->next());
    ASSERT_EQ(rs->getInt(1), 1);
  }
  const MigrationSet set = TestSet();
  // The lock is held until released below: returning at all proves the
  // one-second timeout was honoured.
  EXPECT_TRUE(crm::testing::ReturnsWithin(absl::Seconds(20), [&] {
    EXPECT_THAT(ApplyMigrations(*pool_, {&set}, absl::Seconds(1)),
                StatusIs(absl::StatusCode::kDeadlineExceeded));
  }));
  {
    std::unique_ptr<sql::Statement> st(holder->createStatement());
    std::unique_ptr<sql::ResultSet> rs(
        st->executeQuery("SELECT RELEASE_LOCK('crm_schema_migrations')"));
  }
  CRM_ASSERT_OK_AND_ASSIGN(int applied,
                           ApplyMigrations(*pool_, {&set}, absl::Seconds(5)));
  EXPECT_EQ(applied, 3);
}

TEST(MigrationsUnreachable, IsUnavailable) {
  MySqlOptions options = TestAdminOptions();
  options.port = 1;
  CRM_ASSERT_OK_AND_ASSIGN(auto pool, MySqlPool::Create(options));
  EXPECT_THAT(ApplyMigrations(*pool, {&CommonMigrations()}),
              StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace crm::common

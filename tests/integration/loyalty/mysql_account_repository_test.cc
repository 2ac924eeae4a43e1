// MySqlAccountRepository on a fresh MariaDB database, each call inside a
// MySqlUnitOfWork: what it stores and reads back, the create-or-lock of an
// account, the ledger's unique idempotency key, and rollback.
#include "services/loyalty/mysql_account_repository.h"

#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/id_generator.h"
#include "services/common/migrations.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/common/status_macros.h"
#include "services/common/transaction.h"
#include "services/loyalty/ledger_poster.h"
#include "services/loyalty/ledger_rules.h"
#include "services/loyalty/migrations.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::loyalty {
namespace {

using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;

// Whole microseconds: what DATETIME(6) keeps.
const absl::Time kStart = absl::FromUnixMicros(1767225600123456);

class MySqlAccountRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("loyalty"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_, database_->NewMigratedPool(Migrations()));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
  }

  // Runs `body` in one committed (or, on error, rolled back) transaction.
  absl::Status InTransaction(
      const std::function<absl::Status(Transaction&)>& body) {
    return unit_of_work_->Run(RequestContext(), body);
  }

  absl::StatusOr<std::optional<AccountRecord>> Find(
      const std::string& customer_id) {
    return unit_of_work_->Read<std::optional<AccountRecord>>(
        RequestContext(),
        [&](Transaction& tx) { return accounts_.Find(tx, customer_id); });
  }

  int64_t QueryInt(const std::string& query) {
    return crm::common::WithConnection<int64_t>(
               *pool_,
               [&](sql::Connection& connection) -> absl::StatusOr<int64_t> {
                 std::unique_ptr<sql::Statement> statement(
                     connection.createStatement());
                 std::unique_ptr<sql::ResultSet> rows(
                     statement->executeQuery(query));
                 if (!rows->next()) return absl::NotFoundError("no row");
                 return rows->getInt64(1);
               })
        .value_or(-1);
  }

  static LedgerEntryRecord Entry(const std::string& id, const std::string& key,
                                 int64_t delta, int64_t balance_after) {
    LedgerEntryRecord entry;
    entry.customer_id = "c1";
    entry.id = id;
    entry.type = v1::LedgerEntry::ADJUST;
    entry.points_delta = delta;
    entry.balance_after = balance_after;
    entry.reason = "goodwill 补偿";
    entry.idempotency_key = key;
    entry.create_time = kStart;
    return entry;
  }

  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlAccountRepository accounts_;
};

TEST_F(MySqlAccountRepositoryTest, LockOrCreateCreatesOnceAndKeepsTheRow) {
  CRM_ASSERT_OK_AND_ASSIGN(std::optional<AccountRecord> none, Find("c1"));
  EXPECT_FALSE(none.has_value());

  ASSERT_THAT(InTransaction([&](Transaction& tx) -> absl::Status {
                absl::StatusOr<AccountRecord> created =
                    accounts_.LockOrCreate(tx, "c1", kStart);
                if (!created.ok()) return created.status();
                EXPECT_EQ(created->customer_id, "c1");
                EXPECT_EQ(created->points_balance, 0);
                EXPECT_EQ(created->version, 0);
                EXPECT_EQ(created->create_time, kStart);
                EXPECT_EQ(created->update_time, kStart);
                return absl::OkStatus();
              }),
              IsOk());
  // A second LockOrCreate finds the stored account and changes nothing.
  ASSERT_THAT(InTransaction([&](Transaction& tx) -> absl::Status {
                absl::StatusOr<AccountRecord> found =
                    accounts_.LockOrCreate(tx, "c1", kStart + absl::Hours(1));
                if (!found.ok()) return found.status();
                EXPECT_EQ(found->create_time, kStart);
                EXPECT_EQ(found->update_time, kStart);
                return absl::OkStatus();
              }),
              IsOk());
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM accounts"), 1);
}

TEST_F(MySqlAccountRepositoryTest, RolledBackCreateLeavesNoAccount) {
  EXPECT_THAT(InTransaction([&](Transaction& tx) -> absl::Status {
                absl::StatusOr<AccountRecord> created =
                    accounts_.LockOrCreate(tx, "c1", kStart);
                if (!created.ok()) return created.status();
                return absl::FailedPreconditionError("refused");
              }),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  CRM_ASSERT_OK_AND_ASSIGN(std::optional<AccountRecord> none, Find("c1"));
  EXPECT_FALSE(none.has_value());
}

TEST_F(MySqlAccountRepositoryTest, UpdateStoresBalanceTimeAndVersion) {
  const absl::Time later = kStart + absl::Minutes(5);
  ASSERT_THAT(InTransaction([&](Transaction& tx) -> absl::Status {
                absl::StatusOr<AccountRecord> account =
                    accounts_.LockOrCreate(tx, "c1", kStart);
                if (!account.ok()) return account.status();
                account->points_balance = 70;
                account->update_time = later;
                account->version = 3;
                return accounts_.Update(tx, *account);
              }),
              IsOk());
  CRM_ASSERT_OK_AND_ASSIGN(std::optional<AccountRecord> stored, Find("c1"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->points_balance, 70);
  EXPECT_EQ(stored->create_time, kStart);
  EXPECT_EQ(stored->update_time, later);
  EXPECT_EQ(stored->version, 3);

  AccountRecord unknown;
  unknown.customer_id = "nobody";
  unknown.create_time = unknown.update_time = kStart;
  EXPECT_THAT(InTransaction([&](Transaction& tx) {
                return accounts_.Update(tx, unknown);
              }),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MySqlAccountRepositoryTest, LedgerKeepsEachIdempotencyKeyOnce) {
  ASSERT_THAT(InTransaction([&](Transaction& tx) -> absl::Status {
                absl::StatusOr<AccountRecord> account =
                    accounts_.LockOrCreate(tx, "c1", kStart);
                if (!account.ok()) return account.status();
                return accounts_.AppendEntry(
                    tx, Entry("e1", "adjust:r1", 100, 100));
              }),
              IsOk());
  EXPECT_THAT(InTransaction([&](Transaction& tx) {
                return accounts_.AppendEntry(
                    tx, Entry("e2", "adjust:r1", 100, 200));
              }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM ledger_entries"), 1);
  EXPECT_EQ(QueryInt("SELECT SUM(points_delta) FROM ledger_entries"), 100);
  ASSERT_THAT(InTransaction([&](Transaction& tx) {
                return accounts_.AppendEntry(tx,
                                             Entry("e2", "adjust:r2", -40, 60));
              }),
              IsOk());
  EXPECT_EQ(QueryInt("SELECT balance_after FROM ledger_entries "
                     "WHERE id = 'e2'"),
            60);
  EXPECT_EQ(QueryInt("SELECT SUM(points_delta) FROM ledger_entries"), 60);
}

TEST(LedgerMigrationTest, LedgersWrittenBeforeLotsAreBackfilled) {
  CRM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<crm::testing::TestDatabase> database,
                           crm::testing::TestDatabase::Create("loyalty_mig"));
  std::unique_ptr<crm::common::MySqlPool> pool = database->NewPool();
  // The schema as it was before lots: migration 0001 only.
  const crm::common::MigrationSet before_lots{
      Migrations().name, {Migrations().migrations.front()}};
  ASSERT_THAT(crm::common::ApplyMigrations(
                  *pool, {&crm::common::CommonMigrations(), &before_lots})
                  .status(),
              IsOk());
  ASSERT_THAT(database->Execute("INSERT INTO accounts VALUES "
                                "('old', 70, '2026-01-01', '2026-01-02', 2)"),
              IsOk());
  ASSERT_THAT(
      database->Execute("INSERT INTO ledger_entries VALUES "
                        "('old', 'x2', 'ADJUST', -30, 70, 'r', 'adjust:2', "
                        "'2026-01-02'), "
                        "('old', 'x1', 'ADJUST', 100, 100, 'r', 'adjust:1', "
                        "'2026-01-01')"),
      IsOk());
  ASSERT_THAT(crm::common::ApplyMigrations(
                  *pool, {&crm::common::CommonMigrations(), &Migrations()})
                  .status(),
              IsOk());

  crm::common::MySqlUnitOfWork unit_of_work(*pool);
  MySqlAccountRepository accounts;
  ASSERT_THAT(unit_of_work.Run(
                  RequestContext(),
                  [&](Transaction& tx) -> absl::Status {
                    CRM_ASSIGN_OR_RETURN(std::optional<AccountRecord> account,
                                         accounts.Find(tx, "old"));
                    CRM_ASSIGN_OR_RETURN(std::vector<LedgerEntryRecord> entries,
                                         accounts.AllEntries(tx, "old"));
                    CRM_ASSIGN_OR_RETURN(int64_t lots,
                                         accounts.LotsRemainingSum(tx, "old"));
                    const v1::LedgerVerification proof = VerifyLedgerRecords(
                        "accounts/old", account, entries, lots);
                    EXPECT_TRUE(proof.consistent()) << proof.DebugString();
                    // The migrated balance can be spent.
                    AccountRecord locked = *account;
                    LedgerPoster poster(
                        accounts, crm::common::RandomIdGenerator::Instance());
                    Posting spend;
                    spend.type = v1::LedgerEntry::REDEEM;
                    spend.points = 70;
                    spend.reason = "gift";
                    spend.source = "redeem:after-migration";
                    spend.time = kStart;
                    return poster.Debit(tx, locked, spend, "points").status();
                  }),
              IsOk());
}

}  // namespace
}  // namespace crm::loyalty

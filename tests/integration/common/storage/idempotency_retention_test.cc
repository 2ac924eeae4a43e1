#include "services/common/idempotency_retention.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "services/common/idempotency_store.h"
#include "services/common/migrations.h"
#include "services/common/status_macros.h"
#include "services/common/transaction.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/wait.h"

namespace crm::common {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::TestDatabase;
using ::testing::HasSubstr;

constexpr absl::Duration kRetention = absl::Hours(24);

class IdempotencyRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(db_, TestDatabase::Create("idem_retention"));
    pool_ = db_->NewPool(8);
    ASSERT_NE(pool_, nullptr);
    ASSERT_THAT(ApplyMigrations(*pool_, {&CommonMigrations()}), IsOk());
  }

  // Stores `count` responses "<prefix>-<i>" created at `time`, each filed
  // under two subjects ("customers/<prefix>-<i>" and a ticket of it).
  void Store(const std::string& prefix, int count, absl::Time time) {
    ASSERT_THAT(RunInTransaction(*pool_,
                                 [&](sql::Connection& c) -> absl::Status {
                                   for (int i = 0; i < count; ++i) {
                                     const std::string id =
                                         absl::StrCat(prefix, "-", i);
                                     StoredResponse response{
                                         std::string(64, 'f'),
                                         "bytes",
                                         {"customers/" + id,
                                          "customers/" + id + "/tickets/t"}};
                                     CRM_RETURN_IF_ERROR(IdempotencyStore::Save(
                                         c, "M", id, response, time));
                                   }
                                   return absl::OkStatus();
                                 }),
                IsOk());
  }

  int Count(const std::string& query_tail) {
    absl::StatusOr<int> n = WithConnection<int>(
        *pool_, [&](sql::Connection& c) -> absl::StatusOr<int> {
          std::unique_ptr<sql::Statement> st(c.createStatement());
          std::unique_ptr<sql::ResultSet> rs(
              st->executeQuery("SELECT COUNT(*) FROM " + query_tail));
          rs->next();
          return rs->getInt(1);
        });
    EXPECT_THAT(n, IsOk());
    return n.ok() ? *n : -1;
  }

  int Keys(const std::string& prefix) {
    return Count("idempotency_keys WHERE request_id LIKE '" + prefix + "-%'");
  }
  int Subjects(const std::string& prefix) {
    return Count("idempotency_key_subjects WHERE request_id LIKE '" + prefix +
                 "-%'");
  }

  IdempotencyPurgeOptions Options(int batch_size) {
    IdempotencyPurgeOptions options;
    options.retention = kRetention;
    options.batch_size = batch_size;
    options.batch_timeout = absl::Seconds(5);
    options.metrics = &metrics_;
    return options;
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<MySqlPool> pool_;
  // Keys "old" are stored 48 h before now, "new" ones 1 h before.
  const absl::Time now_ = absl::FromUnixSeconds(1700000000);
  FakeClock clock_{now_};
  Metrics metrics_;
};

TEST_F(IdempotencyRetentionTest, DeletesOldKeysInBatchesAndKeepsNewOnes) {
  Store("old", 10, now_ - absl::Hours(48));
  Store("new", 3, now_ - absl::Hours(1));
  IdempotencyPurger purger(*pool_, clock_, Options(4));

  CRM_ASSERT_OK_AND_ASSIGN(IdempotencyPurgeRun run,
                           purger.PurgeOnce(RequestContext()));

  EXPECT_EQ(run.deleted, 10);
  EXPECT_EQ(run.batches, 3);  // 4 + 4 + 2.
  EXPECT_EQ(Keys("old"), 0);
  EXPECT_EQ(Subjects("old"), 0);
  EXPECT_EQ(Keys("new"), 3);
  EXPECT_EQ(Subjects("new"), 6);
  EXPECT_THAT(metrics_.Render(),
              HasSubstr("\ncrm_idempotency_keys_deleted_total 10\n"));
  EXPECT_THAT(metrics_.Render(),
              HasSubstr("\ncrm_idempotency_purge_errors_total 0\n"));

  // Nothing left to do: one short batch.
  CRM_ASSERT_OK_AND_ASSIGN(run, purger.PurgeOnce(RequestContext()));
  EXPECT_EQ(run.deleted, 0);
  EXPECT_EQ(run.batches, 1);
}

TEST_F(IdempotencyRetentionTest, KeyExactlyAtTheCutoffIsKept) {
  Store("edge", 1, now_ - kRetention);
  Store("old", 1, now_ - kRetention - absl::Microseconds(1));
  IdempotencyPurger purger(*pool_, clock_, Options(10));
  CRM_ASSERT_OK_AND_ASSIGN(IdempotencyPurgeRun run,
                           purger.PurgeOnce(RequestContext()));
  EXPECT_EQ(run.deleted, 1);
  EXPECT_EQ(Keys("edge"), 1);
  EXPECT_EQ(Keys("old"), 0);
}

TEST_F(IdempotencyRetentionTest, RunStopsAtItsCapOldestFirst) {
  Store("older", 4, now_ - absl::Hours(72));
  Store("old", 6, now_ - absl::Hours(48));
  IdempotencyPurgeOptions options = Options(3);
  options.max_keys_per_run = 5;
  IdempotencyPurger purger(*pool_, clock_, options);

  CRM_ASSERT_OK_AND_ASSIGN(IdempotencyPurgeRun run,
                           purger.PurgeOnce(RequestContext()));
  EXPECT_EQ(run.deleted, 5);
  EXPECT_EQ(run.batches, 2);  // 3 + 2.
  EXPECT_EQ(Keys("older"), 0);
  EXPECT_EQ(Keys("old"), 5);
  EXPECT_EQ(Subjects("old"), 10);

  CRM_ASSERT_OK_AND_ASSIGN(run, purger.PurgeOnce(RequestContext()));
  EXPECT_EQ(run.deleted, 5);
  EXPECT_EQ(Count("idempotency_keys"), 0);
  EXPECT_EQ(Count("idempotency_key_subjects"), 0);
}

TEST_F(IdempotencyRetentionTest, CancelledRunStopsBeforeTheNextBatch) {
  Store("old", 10, now_ - absl::Hours(48));
  IdempotencyPurger purger(*pool_, clock_, Options(2));
  // Cancelled from its third check on: two batches run.
  std::atomic<int> checks{0};
  RequestContext context;
  context.set_cancellation([&checks] { return ++checks > 2; });

  CRM_ASSERT_OK_AND_ASSIGN(IdempotencyPurgeRun run, purger.PurgeOnce(context));
  EXPECT_EQ(run.batches, 2);
  EXPECT_EQ(run.deleted, 4);
  EXPECT_EQ(Keys("old"), 6);
  EXPECT_EQ(Subjects("old"), 12);
}

TEST_F(IdempotencyRetentionTest, KeyLockedByAnotherTransactionIsSkipped) {
  Store("old", 5, now_ - absl::Hours(48));
  // Another transaction holds one old key (as a repeat reading it would)
  // until told to finish.
  absl::Notification locked;
  absl::Notification release;
  std::thread holder([&] {
    EXPECT_THAT(RunInTransaction(
                    *pool_,
                    [&](sql::Connection& c) -> absl::Status {
                      std::unique_ptr<sql::Statement> st(c.createStatement());
                      std::unique_ptr<sql::ResultSet> rs(st->executeQuery(
                          "SELECT * FROM idempotency_keys WHERE "
                          "method = 'M' AND request_id = 'old-2' "
                          "FOR UPDATE"));
                      locked.Notify();
                      release.WaitForNotification();
                      return absl::OkStatus();
                    }),
                IsOk());
  });
  locked.WaitForNotification();
  IdempotencyPurger purger(*pool_, clock_, Options(2));
  const absl::Time start = absl::Now();
  absl::StatusOr<IdempotencyPurgeRun> run = purger.PurgeOnce(RequestContext());
  const absl::Duration took = absl::Now() - start;
  release.Notify();
  holder.join();

  ASSERT_THAT(run, IsOk());
  EXPECT_EQ(run->deleted, 4);
  EXPECT_LT(took, absl::Seconds(3));  // Never waited for the lock.
  EXPECT_EQ(Keys("old"), 1);
  EXPECT_EQ(Count("idempotency_keys WHERE request_id = 'old-2'"), 1);
  EXPECT_EQ(Subjects("old"), 2);
}

TEST_F(IdempotencyRetentionTest, ConcurrentPurgesShareTheWorkWithoutErrors) {
  Store("old", 400, now_ - absl::Hours(48));
  Store("new", 5, now_);
  constexpr int kPurgers = 3;
  std::vector<absl::StatusOr<IdempotencyPurgeRun>> runs(
      kPurgers, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kPurgers; ++i) {
    threads.emplace_back([&, i] {
      IdempotencyPurger purger(*pool_, clock_, Options(7));
      runs[i] = purger.PurgeOnce(RequestContext());
    });
  }
  for (std::thread& thread : threads) thread.join();

  int deleted = 0;
  for (const absl::StatusOr<IdempotencyPurgeRun>& run : runs) {
    ASSERT_THAT(run, IsOk());
    deleted += run->deleted;
  }
  EXPECT_EQ(deleted, 400);
  EXPECT_EQ(Keys("old"), 0);
  EXPECT_EQ(Subjects("old"), 0);
  EXPECT_EQ(Keys("new"), 5);
  EXPECT_EQ(Subjects("new"), 10);
  EXPECT_THAT(metrics_.Render(),
              HasSubstr("\ncrm_idempotency_keys_deleted_total 400\n"));
}

TEST_F(IdempotencyRetentionTest, FailureIsCountedAndReturned) {
  Store("old", 3, now_ - absl::Hours(48));
  ASSERT_THAT(db_->Execute("DROP TABLE idempotency_key_subjects"), IsOk());
  IdempotencyPurger purger(*pool_, clock_, Options(2));
  EXPECT_FALSE(purger.PurgeOnce(RequestContext()).ok());
  EXPECT_THAT(metrics_.Render(),
              HasSubstr("\ncrm_idempotency_purge_errors_total 1\n"));
  EXPECT_EQ(Keys("old"), 3);
}

TEST_F(IdempotencyRetentionTest, BackgroundJobPurgesUntilStopped) {
  Store("old", 30, now_ - absl::Hours(48));
  IdempotencyPurger purger(*pool_, clock_, Options(1));
  std::atomic<int> runs{0};
  PeriodicJob job(
      [&](const RequestContext& context) {
        EXPECT_THAT(purger.PurgeOnce(context), IsOk());
        ++runs;
      },
      {.interval = absl::Milliseconds(20)});
  job.Start();
  EXPECT_TRUE(crm::testing::WaitUntil([&] { return Keys("old") == 0; },
                                      absl::Seconds(30)));
  Store("later", 20, now_ - absl::Hours(48));

  const absl::Time stop_start = absl::Now();
  job.Stop();
  EXPECT_LT(absl::Now() - stop_start, absl::Seconds(2));
  const int runs_at_stop = runs.load();
  const int left = Keys("later");
  // No run after Stop(): nothing changes for longer than the interval.
  EXPECT_FALSE(crm::testing::WaitUntil(
      [&] { return runs.load() != runs_at_stop || Keys("later") != left; },
      absl::Milliseconds(100)));
  EXPECT_GE(runs_at_stop, 1);
}

TEST_F(IdempotencyRetentionTest, StartIdempotencyPurgeIsOffAtZeroRetention) {
  IdempotencyRetentionSettings settings;
  settings.retention = absl::ZeroDuration();
  EXPECT_EQ(StartIdempotencyPurge(*pool_, clock_, metrics_, settings), nullptr);
  settings.retention = absl::Hours(24);
  std::unique_ptr<PeriodicJob> job =
      StartIdempotencyPurge(*pool_, clock_, metrics_, settings);
  ASSERT_NE(job, nullptr);
  const absl::Time start = absl::Now();
  job->Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  EXPECT_THAT(metrics_.Render(),
              HasSubstr("\ncrm_idempotency_keys_deleted_total 0\n"));
}

}  // namespace
}  // namespace crm::common

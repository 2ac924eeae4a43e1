// The scheduled recompute with two replicas on MariaDB: each replica has its
// own pool, ScoringManager and MySqlScheduledRunLock (GET_LOCK), and when
// both schedules fire together only one recompute runs while the other
// replica skips; the lock is released after the run (the next run of either
// replica proceeds) and when the session holding it dies.
#include "services/segmentation/mysql_scheduled_run_lock.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/metrics.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "services/segmentation/migrations.h"
#include "services/segmentation/mysql_read_model_repository.h"
#include "services/segmentation/mysql_score_repository.h"
#include "services/segmentation/profile_feed_applier.h"
#include "services/segmentation/scheduled_run.h"
#include "services/segmentation/scoring_manager.h"
#include "services/segmentation/scoring_schedule.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/wait.h"

namespace crm::segmentation {
namespace {

namespace cp = ::crm::customerprofile::v1;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

cp::ChangeEvent Created(const std::string& id) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_CREATED);
  event.set_customer_name("customers/" + id);
  event.mutable_customer()->set_state(cp::Customer::ACTIVE);
  return event;
}

cp::ChangeEvent Ordered(const std::string& customer, absl::Time time,
                        int64_t amount) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::ORDER_RECORDED);
  event.set_customer_name("customers/" + customer);
  cp::Order* o = event.mutable_order();
  o->set_name(absl::StrCat("customers/", customer, "/orders/o1"));
  o->mutable_amount()->set_currency_code("CNY");
  o->mutable_amount()->set_amount_minor(amount);
  *o->mutable_order_time() = crm::common::ToProtoTimestamp(time);
  return event;
}

int RunsCounted(const crm::common::Metrics& metrics,
                const std::string& outcome) {
  const std::string text = metrics.Render();
  const std::string prefix =
      absl::StrCat("crm_segmentation_scheduled_runs_total{job=\"",
                   kRecomputeJob, "\",outcome=\"", outcome, "\"} ");
  const size_t at = text.find(prefix);
  if (at == std::string::npos) return -1;
  return std::stoi(text.substr(at + prefix.size()));
}

// One replica of the service: its own pool and the objects main.cc wires.
struct Replica {
  explicit Replica(std::unique_ptr<crm::common::MySqlPool> own_pool)
      : pool(std::move(own_pool)),
        unit_of_work(*pool),
        scoring(unit_of_work, read_model, scores, idempotency,
                crm::common::SystemClock::Instance(),
                crm::common::RandomIdGenerator::Instance(), ScoringPolicy{}),
        lock(*pool) {}

  std::unique_ptr<crm::common::MySqlPool> pool;
  crm::common::MySqlUnitOfWork unit_of_work;
  MySqlReadModelRepository read_model;
  MySqlScoreRepository scores;
  crm::common::MySqlIdempotencyRepository idempotency;
  ScoringManager scoring;
  MySqlScheduledRunLock lock;
  crm::common::Metrics metrics;
};

class ScheduledRunLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = crm::testing::TestDatabase::Create("seg_sched");
    ASSERT_THAT(database, IsOk());
    database_ = *std::move(database);
    auto pool = database_->NewMigratedPool(Migrations());
    ASSERT_THAT(pool, IsOk());
    first_ = std::make_unique<Replica>(*std::move(pool));
    second_ = std::make_unique<Replica>(database_->NewPool());
    ProfileFeedApplier applier(first_->read_model, first_->scoring.FeedHook());
    const absl::Time day = absl::Now() - absl::Hours(24 * 10);
    for (const char* id : {"a", "b", "c"}) {
      for (const cp::ChangeEvent& event :
           {Created(id), Ordered(id, day, 1000)}) {
        ASSERT_THAT(first_->unit_of_work.Run(RequestContext(),
                                             [&](Transaction& tx) {
                                               return applier.Apply(tx, event);
                                             }),
                    IsOk());
      }
    }
  }

  // The replica's scheduled recompute; every run that gets the lock counts
  // in `recomputes_` and then waits for `gate` (when set) before the real
  // recompute.
  std::unique_ptr<ScheduledRun> Schedule(Replica& replica,
                                         absl::Notification* gate) {
    ScheduledRunBody recompute = RecomputeScoresRun(replica.scoring);
    ScheduledRunOptions options;
    options.job = kRecomputeJob;
    options.lock_name = RecomputeLockName(database_->name());
    options.timeout = absl::Minutes(1);
    return std::make_unique<ScheduledRun>(
        [this, gate, recompute](const RequestContext& context) {
          ++recomputes_;
          if (gate != nullptr) gate->WaitForNotification();
          return recompute(context);
        },
        replica.lock, crm::common::SystemClock::Instance(), &replica.metrics,
        options);
  }

  std::vector<std::string> BoundaryRows() {
    auto rows = database_->QueryColumn("SELECT population FROM rfm_boundaries");
    EXPECT_THAT(rows, IsOk());
    return rows.ok() ? *rows : std::vector<std::string>{};
  }

  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<Replica> first_;
  std::unique_ptr<Replica> second_;
  std::atomic<int> recomputes_{0};
};

TEST_F(ScheduledRunLockTest, TwoReplicasContendingRunTheRecomputeOnce) {
  absl::Notification gate;
  std::unique_ptr<ScheduledRun> first = Schedule(*first_, &gate);
  std::unique_ptr<ScheduledRun> second = Schedule(*second_, &gate);
  std::atomic<int> finished{0};
  std::optional<ScheduledRunOutcome> first_outcome;
  std::optional<ScheduledRunOutcome> second_outcome;
  std::thread first_thread([&] {
    first_outcome = first->RunOnce(RequestContext());
    ++finished;
  });
  std::thread second_thread([&] {
    second_outcome = second->RunOnce(RequestContext());
    ++finished;
  });
  // The winner holds the lock (waiting at the gate) until the other replica
  // has given up.
  EXPECT_TRUE(crm::testing::WaitUntil([&] { return finished.load() == 1; }));
  gate.Notify();
  first_thread.join();
  second_thread.join();

  ASSERT_TRUE(first_outcome.has_value() && second_outcome.has_value());
  EXPECT_THAT(
      (std::vector<ScheduledRunOutcome>{*first_outcome, *second_outcome}),
      UnorderedElementsAre(ScheduledRunOutcome::kOk,
                           ScheduledRunOutcome::kSkipped));
  EXPECT_EQ(recomputes_.load(), 1);
  EXPECT_EQ(
      RunsCounted(first_->metrics, "ok") + RunsCounted(second_->metrics, "ok"),
      1);
  EXPECT_EQ(RunsCounted(first_->metrics, "skipped") +
                RunsCounted(second_->metrics, "skipped"),
            1);
  EXPECT_THAT(BoundaryRows(), ElementsAre("3"));

  // The lock went back with the run: each replica's next run proceeds.
  EXPECT_EQ(second->RunOnce(RequestContext()), ScheduledRunOutcome::kOk);
  EXPECT_EQ(first->RunOnce(RequestContext()), ScheduledRunOutcome::kOk);
  EXPECT_EQ(recomputes_.load(), 3);
}

TEST_F(ScheduledRunLockTest, TheLockOfASessionThatDiedIsFree) {
  std::unique_ptr<ScheduledRun> second = Schedule(*second_, nullptr);
  {
    // Another replica takes the lock, then its connection dies mid-run.
    MySqlScheduledRunLock other(*first_->pool);
    auto held = other.TryAcquire(RecomputeLockName(database_->name()));
    ASSERT_THAT(held, IsOk());
    ASSERT_NE(*held, nullptr);
    EXPECT_EQ(second->RunOnce(RequestContext()), ScheduledRunOutcome::kSkipped);
    auto killer = first_->pool->Acquire();
    ASSERT_THAT(killer, IsOk());
    std::unique_ptr<sql::Statement> statement((*killer)->createStatement());
    std::unique_ptr<sql::ResultSet> holder(statement->executeQuery(absl::StrCat(
        "SELECT IS_USED_LOCK('", RecomputeLockName(database_->name()), "')")));
    ASSERT_TRUE(holder->next());
    statement->execute(absl::StrCat("KILL CONNECTION ", holder->getInt64(1)));
    // The lease's release now fails on its dead session; it is discarded.
  }
  EXPECT_TRUE(crm::testing::WaitUntil([&] {
    return second->RunOnce(RequestContext()) == ScheduledRunOutcome::kOk;
  }));
  EXPECT_EQ(recomputes_.load(), 1);
}

}  // namespace
}  // namespace crm::segmentation

// The built-in schedule of the full recompute and the CLV fit over the
// in-memory fakes (no database): a run goes through ScoringManager (scores,
// lifecycle stages, memberships; a stored CLV model), gets a deadline, is
// skipped while another holder has the job's lock, is counted by outcome
// (crm_segmentation_scheduled_runs_total), a failed run leaves the schedule
// running, shutdown cancels a run in progress, and a zero interval disables
// a job. Contention through MariaDB's lock: the integration test
// scheduled_run_lock_test.
#include "services/segmentation/scheduled_run.h"

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/clock.h"
#include "services/common/config.h"
#include "services/common/id_generator.h"
#include "services/common/metrics.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "services/segmentation/cluster_manager.h"
#include "services/segmentation/cluster_model_repository.h"
#include "services/segmentation/membership_manager.h"
#include "services/segmentation/profile_feed_applier.h"
#include "services/segmentation/scoring_manager.h"
#include "services/segmentation/scoring_schedule.h"
#include "services/segmentation/segment_manager.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/fakes/segmentation/in_memory_membership_repository.h"
#include "tests/testing/fakes/segmentation/in_memory_read_model_repository.h"
#include "tests/testing/fakes/segmentation/in_memory_scheduled_run_lock.h"
#include "tests/testing/fakes/segmentation/in_memory_score_repository.h"
#include "tests/testing/fakes/segmentation/in_memory_segment_repository.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wait.h"

namespace crm::segmentation {
namespace {

namespace cp = ::crm::customerprofile::v1;
using ::crm::common::Config;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

cp::ChangeEvent Created(const std::string& id) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_CREATED);
  event.set_customer_name("customers/" + id);
  event.mutable_customer()->set_state(cp::Customer::ACTIVE);
  return event;
}

cp::ChangeEvent Ordered(const std::string& customer, const std::string& order,
                        absl::Time time, int64_t amount) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::ORDER_RECORDED);
  event.set_customer_name("customers/" + customer);
  cp::Order* o = event.mutable_order();
  o->set_name(absl::StrCat("customers/", customer, "/orders/", order));
  o->mutable_amount()->set_currency_code("CNY");
  o->mutable_amount()->set_amount_minor(amount);
  *o->mutable_order_time() = crm::common::ToProtoTimestamp(time);
  return event;
}

// The value of crm_segmentation_scheduled_runs_total{job, outcome}.
std::string RunsLine(const std::string& job, const std::string& outcome) {
  return absl::StrCat("crm_segmentation_scheduled_runs_total{job=\"", job,
                      "\",outcome=\"", outcome, "\"} ");
}

int RunsCounted(const crm::common::Metrics& metrics, const std::string& job,
                const std::string& outcome) {
  const std::string text = metrics.Render();
  const std::string prefix = RunsLine(job, outcome);
  const size_t at = text.find(prefix);
  if (at == std::string::npos) return -1;
  return std::stoi(text.substr(at + prefix.size()));
}

// Keeps the models in a map; does not take part in the unit of work (the
// schedule's tests only read what a committed fit saved).
class MapClusterModelRepository final : public ClusterModelRepository {
 public:
  absl::Status Save(Transaction&, absl::string_view id, absl::Time,
                    const v1::BehaviourClusterModel& model) override {
    models_[std::string(id)] = model;
    last_ = std::string(id);
    return absl::OkStatus();
  }
  absl::StatusOr<std::optional<v1::BehaviourClusterModel>> Latest(
      Transaction& tx) override {
    return Find(tx, last_);
  }
  absl::StatusOr<std::optional<v1::BehaviourClusterModel>> Find(
      Transaction&, absl::string_view id) override {
    auto it = models_.find(std::string(id));
    if (it == models_.end()) return std::nullopt;
    return it->second;
  }
  size_t size() const { return models_.size(); }

 private:
  std::map<std::string, v1::BehaviourClusterModel> models_;
  std::string last_;
};

class ScheduledRunTest : public ::testing::Test {
 protected:
  void Apply(const cp::ChangeEvent& event) {
    ASSERT_THAT(unit_of_work_.Run(
                    context_,
                    [&](Transaction& tx) { return applier_.Apply(tx, event); }),
                IsOk());
  }

  std::string CreateSegment(const std::string& display_name,
                            const std::string& rule) {
    v1::CreateSegmentRequest request;
    request.mutable_segment()->set_display_name(display_name);
    request.mutable_segment()->set_rule(rule);
    absl::StatusOr<v1::Segment> created =
        segment_manager_.CreateSegment(context_, request);
    EXPECT_THAT(created, IsOk());
    return created.ok() ? created->name().substr(sizeof("segments/") - 1) : "";
  }

  std::vector<std::string> Members(const std::string& segment_id) {
    v1::ListSegmentMembersRequest request;
    request.set_parent("segments/" + segment_id);
    absl::StatusOr<v1::ListSegmentMembersResponse> response =
        memberships_.ListSegmentMembers(context_, request);
    EXPECT_THAT(response, IsOk());
    std::vector<std::string> customers;
    if (response.ok()) {
      for (const v1::SegmentMember& member : response->segment_members()) {
        customers.push_back(member.customer());
      }
    }
    return customers;
  }

  std::string StageOf(const std::string& customer) {
    v1::GetCustomerScoreRequest request;
    request.set_name(absl::StrCat("customers/", customer, "/score"));
    absl::StatusOr<v1::CustomerScore> score =
        scoring_.GetCustomerScore(context_, request);
    EXPECT_THAT(score, IsOk());
    return score.ok() ? v1::CustomerScore::LifecycleStage_Name(
                            score->lifecycle_stage())
                      : "";
  }

  std::optional<RfmBoundaries> Boundaries() {
    std::optional<RfmBoundaries> boundaries;
    EXPECT_THAT(unit_of_work_.Read(context_,
                                   [&](Transaction& tx) -> absl::Status {
                                     auto loaded = scores_.LoadBoundaries(tx);
                                     if (!loaded.ok()) return loaded.status();
                                     boundaries = *loaded;
                                     return absl::OkStatus();
                                   }),
                IsOk());
    return boundaries;
  }

  std::optional<ClvModelRecord> LatestModel() {
    std::optional<ClvModelRecord> model;
    EXPECT_THAT(unit_of_work_.Read(context_,
                                   [&](Transaction& tx) -> absl::Status {
                                     auto loaded = scores_.LatestClvModel(tx);
                                     if (!loaded.ok()) return loaded.status();
                                     model = *loaded;
                                     return absl::OkStatus();
                                   }),
                IsOk());
    return model;
  }

  // Customers with repeat purchases at different rhythms and amounts, as of
  // kStart + 200 days: enough for both CLV models.
  void ApplyPurchaseHistories() {
    for (int i = 0; i < 30; ++i) {
      const std::string id = absl::StrCat("c", i);
      Apply(Created(id));
      const int orders = i % 4 + 1;
      for (int k = 0; k < orders; ++k) {
        Apply(Ordered(id, absl::StrCat("o", k),
                      kStart + absl::Hours(24 * (i + k * (i % 5 + 1) * 9)),
                      1000 + 250 * ((i * 7 + k * 3) % 11)));
      }
    }
  }

  ScheduledRunOptions Options(const std::string& job) {
    ScheduledRunOptions options;
    options.job = job;
    options.lock_name = absl::StrCat("crm_segmentation_", job);
    options.interval = absl::Hours(24);
    options.timeout = absl::Minutes(30);
    options.random_first_delay = false;
    options.jitter = 0;
    return options;
  }

  RequestContext context_;
  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"seg"};
  crm::common::Metrics metrics_;
  crm::testing::InMemoryScheduledRunLock lock_;
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemorySegmentRepository segments_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  crm::testing::InMemoryReadModelRepository read_model_{&unit_of_work_};
  crm::testing::InMemoryScoreRepository scores_{&unit_of_work_};
  crm::testing::InMemoryMembershipRepository membership_repository_{
      &unit_of_work_};
  MembershipManager memberships_{
      unit_of_work_, segments_, membership_repository_, read_model_, scores_,
      clock_,        "CNY"};
  SegmentManager segment_manager_{
      unit_of_work_, segments_, keys_,
      clock_,        ids_,      memberships_.SegmentChangeHooks()};
  ScoringManager scoring_{
      unit_of_work_, read_model_, scores_,         keys_,
      clock_,        ids_,        ScoringPolicy{}, memberships_.ScoredHook()};
  ProfileFeedApplier applier_{
      read_model_, CombineHooks(scoring_.FeedHook(), memberships_.FeedHook())};
};

TEST_F(ScheduledRunTest, RecomputeRescoresEveryoneAndMovesMemberships) {
  const std::string churned =
      CreateSegment("Churned", "lifecycle = \"CHURNED\"");
  Apply(Created("a"));
  Apply(Ordered("a", "o1", kStart, 5000));
  Apply(Created("b"));
  EXPECT_EQ(StageOf("a"), "NEW");
  EXPECT_FALSE(Boundaries().has_value());

  // Nothing happens to the customers for 200 days: only a full recompute
  // sees that "a" has churned.
  clock_.Advance(absl::Hours(24 * 200));
  ScheduledRun recompute(RecomputeScoresRun(scoring_), lock_, clock_, &metrics_,
                         Options(kRecomputeJob));
  EXPECT_EQ(recompute.RunOnce(RequestContext()), ScheduledRunOutcome::kOk);

  EXPECT_EQ(StageOf("a"), "CHURNED");
  EXPECT_THAT(Members(churned), ElementsAre("customers/a"));
  ASSERT_TRUE(Boundaries().has_value());
  EXPECT_EQ(Boundaries()->population, 1);
  EXPECT_EQ(RunsCounted(metrics_, kRecomputeJob, "ok"), 1);
  EXPECT_EQ(RunsCounted(metrics_, kRecomputeJob, "failed"), 0);
  EXPECT_FALSE(lock_.IsHeld(Options(kRecomputeJob).lock_name));
}

TEST_F(ScheduledRunTest, ClvFitStoresAModelThroughTheManager) {
  ApplyPurchaseHistories();
  clock_.Set(kStart + absl::Hours(24 * 200));
  ScheduledRun fit(FitClvModelRun(scoring_), lock_, clock_, &metrics_,
                   Options(kClvFitJob));
  EXPECT_EQ(fit.RunOnce(RequestContext()), ScheduledRunOutcome::kOk);

  std::optional<ClvModelRecord> model = LatestModel();
  ASSERT_TRUE(model.has_value());
  EXPECT_EQ(model->customers, 30);
  EXPECT_EQ(model->currency_code, "CNY");
  EXPECT_EQ(model->observation_end, kStart + absl::Hours(24 * 200));
  EXPECT_EQ(RunsCounted(metrics_, kClvFitJob, "ok"), 1);
}

TEST_F(ScheduledRunTest, ClusterRefitStoresAModelThroughTheManager) {
  MapClusterModelRepository models;
  ClusterManager clusters(unit_of_work_, read_model_, models, keys_, clock_,
                          ids_, "CNY");
  ScheduledRun refit(FitClusterModelRun(clusters), lock_, clock_, &metrics_,
                     Options(kClusterFitJob));
  // No customers yet: the fit cannot run, and the run is counted failed.
  EXPECT_EQ(refit.RunOnce(RequestContext()), ScheduledRunOutcome::kFailed);
  EXPECT_EQ(models.size(), 0u);

  ApplyPurchaseHistories();
  clock_.Set(kStart + absl::Hours(24 * 200));
  EXPECT_EQ(refit.RunOnce(RequestContext()), ScheduledRunOutcome::kOk);
  ASSERT_EQ(models.size(), 1u);
  EXPECT_EQ(RunsCounted(metrics_, kClusterFitJob, "ok"), 1);
  EXPECT_EQ(RunsCounted(metrics_, kClusterFitJob, "failed"), 1);
}

TEST_F(ScheduledRunTest, EachRunHasADeadlineFromItsStart) {
  std::optional<absl::Time> deadline;
  ScheduledRunOptions options = Options("probe");
  options.timeout = absl::Minutes(7);
  ScheduledRun run(
      [&](const RequestContext& context) -> absl::StatusOr<ScheduledRunCounts> {
        deadline = context.deadline();
        return ScheduledRunCounts{};
      },
      lock_, clock_, &metrics_, options);
  EXPECT_EQ(run.RunOnce(RequestContext()), ScheduledRunOutcome::kOk);
  EXPECT_EQ(deadline, kStart + absl::Minutes(7));
}

TEST_F(ScheduledRunTest, ARunPastItsDeadlineStopsAndFails) {
  Apply(Created("a"));
  Apply(Ordered("a", "o1", kStart, 5000));
  ScheduledRunBody recompute = RecomputeScoresRun(scoring_);
  ScheduledRun run(
      [&](const RequestContext& context) {
        clock_.Advance(absl::Minutes(31));  // A slow run.
        return recompute(context);
      },
      lock_, clock_, &metrics_, Options(kRecomputeJob));
  EXPECT_EQ(run.RunOnce(RequestContext()), ScheduledRunOutcome::kFailed);
  EXPECT_EQ(RunsCounted(metrics_, kRecomputeJob, "failed"), 1);
  EXPECT_FALSE(Boundaries().has_value());
}

TEST_F(ScheduledRunTest, ARunIsSkippedWhileAnotherHolderHasTheLock) {
  int bodies = 0;
  ScheduledRun run(
      [&](const RequestContext&) -> absl::StatusOr<ScheduledRunCounts> {
        ++bodies;
        return ScheduledRunCounts{};
      },
      lock_, clock_, &metrics_, Options(kRecomputeJob));
  {
    auto other_replica = lock_.TryAcquire(Options(kRecomputeJob).lock_name);
    ASSERT_THAT(other_replica, IsOk());
    ASSERT_NE(*other_replica, nullptr);
    EXPECT_EQ(run.RunOnce(RequestContext()), ScheduledRunOutcome::kSkipped);
    EXPECT_EQ(bodies, 0);
  }
  EXPECT_EQ(run.RunOnce(RequestContext()), ScheduledRunOutcome::kOk);
  EXPECT_EQ(bodies, 1);
  EXPECT_EQ(RunsCounted(metrics_, kRecomputeJob, "skipped"), 1);
  EXPECT_EQ(RunsCounted(metrics_, kRecomputeJob, "ok"), 1);
}

TEST_F(ScheduledRunTest, ALockThatCannotBeAskedForIsAFailedRun) {
  lock_.FailNextAcquire(absl::UnavailableError("database down"));
  ScheduledRun recompute(RecomputeScoresRun(scoring_), lock_, clock_, &metrics_,
                         Options(kRecomputeJob));
  EXPECT_EQ(recompute.RunOnce(RequestContext()), ScheduledRunOutcome::kFailed);
  EXPECT_EQ(unit_of_work_.runs(), 0);
  EXPECT_EQ(RunsCounted(metrics_, kRecomputeJob, "failed"), 1);
}

TEST_F(ScheduledRunTest, AFailedRunIsCountedAndTheNextOneStillHappens) {
  Apply(Created("a"));
  Apply(Ordered("a", "o1", kStart, 5000));
  // The first recompute's commit fails (and rolls back); the schedule goes
  // on and the next run succeeds.
  unit_of_work_.FailNextCommit(absl::UnavailableError("connection lost"));
  ScheduledRunOptions options = Options(kRecomputeJob);
  options.interval = absl::Milliseconds(10);
  ScheduledRun recompute(RecomputeScoresRun(scoring_), lock_, clock_, &metrics_,
                         options);
  recompute.Start();
  EXPECT_TRUE(crm::testing::WaitUntil(
      [&] { return RunsCounted(metrics_, kRecomputeJob, "ok") >= 1; }));
  recompute.Stop();
  EXPECT_EQ(RunsCounted(metrics_, kRecomputeJob, "failed"), 1);
  EXPECT_TRUE(Boundaries().has_value());
}

TEST_F(ScheduledRunTest, AFailingFitIsCountedAsFailed) {
  // An empty read model cannot support a fit (FAILED_PRECONDITION).
  ScheduledRun fit(FitClvModelRun(scoring_), lock_, clock_, &metrics_,
                   Options(kClvFitJob));
  EXPECT_EQ(fit.RunOnce(RequestContext()), ScheduledRunOutcome::kFailed);
  EXPECT_EQ(RunsCounted(metrics_, kClvFitJob, "failed"), 1);
  EXPECT_FALSE(LatestModel().has_value());
}

TEST_F(ScheduledRunTest, ShutdownCancelsARunInProgressAndStartsNoNewOne) {
  std::atomic<bool> shutting_down{false};
  std::atomic<bool> started{false};
  ScheduledRunOptions options = Options("probe");
  options.shutting_down = [&] { return shutting_down.load(); };
  ScheduledRun run(
      [&](const RequestContext& context) -> absl::StatusOr<ScheduledRunCounts> {
        started = true;
        // A long run that checks its context between steps.
        while (!context.IsCancelled()) absl::SleepFor(absl::Milliseconds(1));
        return context.CheckActive(absl::Now());
      },
      lock_, clock_, &metrics_, options);
  std::optional<ScheduledRunOutcome> outcome;
  std::thread runner([&] { outcome = run.RunOnce(RequestContext()); });
  ASSERT_TRUE(crm::testing::WaitUntil([&] { return started.load(); }));
  shutting_down = true;
  runner.join();
  EXPECT_EQ(outcome, ScheduledRunOutcome::kCancelled);
  EXPECT_EQ(RunsCounted(metrics_, "probe", "cancelled"), 1);
  EXPECT_FALSE(lock_.IsHeld(options.lock_name));

  // Once shutting down, a run does not start (and is not counted).
  started = false;
  EXPECT_EQ(run.RunOnce(RequestContext()), ScheduledRunOutcome::kCancelled);
  EXPECT_FALSE(started.load());
  EXPECT_EQ(RunsCounted(metrics_, "probe", "cancelled"), 1);
}

TEST_F(ScheduledRunTest, RecomputeStopsBetweenBatchesWhenCancelled) {
  Apply(Created("a"));
  Apply(Ordered("a", "o1", kStart, 5000));
  RequestContext cancelled;
  cancelled.set_cancellation([] { return true; });
  EXPECT_THAT(RecomputeScoresRun(scoring_)(cancelled),
              StatusIs(absl::StatusCode::kCancelled));
  EXPECT_FALSE(Boundaries().has_value());
}

TEST_F(ScheduledRunTest, StopReturnsPromptlyDuringAPause) {
  ScheduledRunOptions options = Options(kRecomputeJob);
  options.interval = absl::Hours(24);
  options.random_first_delay = true;
  ScheduledRun recompute(RecomputeScoresRun(scoring_), lock_, clock_, &metrics_,
                         options);
  recompute.Start();
  EXPECT_TRUE(
      crm::testing::ReturnsWithin(absl::Seconds(5), [&] { recompute.Stop(); }));
  EXPECT_EQ(RunsCounted(metrics_, kRecomputeJob, "ok"), 0);
}

// The settings read from the environment `env`.
absl::StatusOr<ScoringScheduleSettings> SettingsFrom(
    std::map<std::string, std::string> env) {
  const char* argv[] = {"crm-segmentation"};
  absl::StatusOr<Config> config = Config::Load(
      ScoringScheduleOptions(), 1, argv,
      [env](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
      });
  if (!config.ok()) return config.status();
  return ReadScoringScheduleSettings(*config);
}

TEST(ScoringScheduleSettingsTest, DefaultsAreDailyWithAHalfHourDeadline) {
  absl::StatusOr<ScoringScheduleSettings> settings = SettingsFrom({});
  ASSERT_THAT(settings, IsOk());
  EXPECT_EQ(settings->recompute_interval, absl::Hours(24));
  EXPECT_EQ(settings->clv_fit_interval, absl::Hours(24));
  EXPECT_EQ(settings->cluster_fit_interval, absl::Hours(24));
  EXPECT_EQ(settings->run_timeout, absl::Minutes(30));
}

TEST(ScoringScheduleSettingsTest, OutOfRangeValuesNameTheFlag) {
  EXPECT_THAT(SettingsFrom({{"SEGMENTATION_RECOMPUTE_INTERVAL", "30s"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--recompute_interval")));
  EXPECT_THAT(SettingsFrom({{"SEGMENTATION_CLV_FIT_INTERVAL", "-1h"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--clv_fit_interval")));
  EXPECT_THAT(SettingsFrom({{"SEGMENTATION_CLUSTER_FIT_INTERVAL", "10s"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--cluster_fit_interval")));
  EXPECT_THAT(SettingsFrom({{"SEGMENTATION_SCHEDULED_RUN_TIMEOUT", "0s"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--scheduled_run_timeout")));
}

TEST_F(ScheduledRunTest, AZeroIntervalDisablesTheJob) {
  absl::StatusOr<ScoringScheduleSettings> settings =
      SettingsFrom({{"SEGMENTATION_RECOMPUTE_INTERVAL", "0s"},
                    {"SEGMENTATION_CLV_FIT_INTERVAL", "0s"}});
  ASSERT_THAT(settings, IsOk());
  EXPECT_THAT(StartScoringSchedule(scoring_, lock_, clock_, &metrics_,
                                   *settings, "crm_segmentation"),
              IsEmpty());

  settings->clv_fit_interval = absl::Hours(24);
  std::vector<std::unique_ptr<ScheduledRun>> runs = StartScoringSchedule(
      scoring_, lock_, clock_, &metrics_, *settings, "crm_segmentation");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]->options().job, kClvFitJob);
  EXPECT_EQ(runs[0]->options().lock_name, "crm_segmentation_clv_fit");
  for (auto& run : runs) run->Stop();
  EXPECT_EQ(RunsCounted(metrics_, kRecomputeJob, "ok"), -1);  // Never made.

  MapClusterModelRepository models;
  ClusterManager clusters(unit_of_work_, read_model_, models, keys_, clock_,
                          ids_, "CNY");
  settings->clv_fit_interval = absl::ZeroDuration();
  runs = StartScoringSchedule(scoring_, lock_, clock_, &metrics_, *settings,
                              "crm_segmentation", &clusters);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]->options().job, kClusterFitJob);
  EXPECT_EQ(runs[0]->options().lock_name, "crm_segmentation_cluster_fit");
  for (auto& run : runs) run->Stop();
  settings->cluster_fit_interval = absl::ZeroDuration();
  EXPECT_THAT(StartScoringSchedule(scoring_, lock_, clock_, &metrics_,
                                   *settings, "crm_segmentation", &clusters),
              IsEmpty());
}

}  // namespace
}  // namespace crm::segmentation

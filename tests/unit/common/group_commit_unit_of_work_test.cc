// GroupCommitUnitOfWork over an in-memory unit of work whose transactions
// buffer their writes and publish them on commit, and whose running
// transactions can be held open, so the tests decide which requests queue
// up behind a running batch.
#include "services/common/group_commit_unit_of_work.h"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "services/common/error_details.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wait.h"

namespace crm::common {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::crm::testing::WaitUntil;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

class InMemoryTransaction final : public Transaction {
 public:
  explicit InMemoryTransaction(const RequestContext& context)
      : context_(context) {}
  const RequestContext& context() const override { return context_; }
  std::vector<std::string> writes;

 private:
  const RequestContext& context_;
};

// Transactions that commit their buffered writes to `committed()` when the
// body returns OK (unless a commit failure was injected).
class InMemoryUnitOfWork final : public UnitOfWork {
 public:
  absl::Status Run(
      const RequestContext& context,
      const std::function<absl::Status(Transaction&)>& body) override {
    {
      absl::MutexLock lock(&mu_);
      ++runs_;
    }
    InMemoryTransaction tx(context);
    absl::Status status = body(tx);
    absl::MutexLock lock(&mu_);
    if (status.ok() && fail_next_commit_.has_value() &&
        tx.writes.size() >= fail_commit_writes_) {
      status = *std::move(fail_next_commit_);
      fail_next_commit_.reset();
    }
    if (status.ok()) {
      committed_.insert(committed_.end(), tx.writes.begin(), tx.writes.end());
      transaction_sizes_.push_back(tx.writes.size());
    }
    return status;
  }
  absl::Status Read(
      const RequestContext& context,
      const std::function<absl::Status(Transaction&)>& body) override {
    {
      absl::MutexLock lock(&mu_);
      ++reads_;
    }
    InMemoryTransaction tx(context);
    return body(tx);
  }
  using UnitOfWork::Read;
  using UnitOfWork::Run;

  // The next commit of a transaction with at least `writes` writes fails
  // with `status` (after its body succeeded).
  void FailNextCommitOfAtLeast(size_t writes, absl::Status status) {
    absl::MutexLock lock(&mu_);
    fail_commit_writes_ = writes;
    fail_next_commit_ = std::move(status);
  }
  std::vector<std::string> committed() const {
    absl::MutexLock lock(&mu_);
    return committed_;
  }
  // Writes per committed transaction, in commit order.
  std::vector<size_t> transaction_sizes() const {
    absl::MutexLock lock(&mu_);
    return transaction_sizes_;
  }
  int runs() const {
    absl::MutexLock lock(&mu_);
    return runs_;
  }
  int reads() const {
    absl::MutexLock lock(&mu_);
    return reads_;
  }

 private:
  mutable absl::Mutex mu_;
  std::optional<absl::Status> fail_next_commit_ ABSL_GUARDED_BY(mu_);
  size_t fail_commit_writes_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> committed_ ABSL_GUARDED_BY(mu_);
  std::vector<size_t> transaction_sizes_ ABSL_GUARDED_BY(mu_);
  int runs_ ABSL_GUARDED_BY(mu_) = 0;
  int reads_ ABSL_GUARDED_BY(mu_) = 0;
};

// A body that writes `key` in its transaction and then returns `outcome`.
std::function<absl::Status(Transaction&)> Writes(
    std::string key, absl::Status outcome = absl::OkStatus()) {
  return [key, outcome](Transaction& tx) {
    static_cast<InMemoryTransaction&>(tx).writes.push_back(key);
    return outcome;
  };
}

// A request's item for CombinedWrites: its key, and which form wrote it.
struct KeyToWrite {
  std::string key;
  std::string written_by;
};

// Writes every item's key with one call (prefixed "set:"), or fails the
// call with `failure` when set; counts its calls and their sizes.
class CombinedWrites final : public RequestCombinerOf<KeyToWrite> {
 public:
  absl::Status RunTogether(Transaction& tx,
                           const std::vector<KeyToWrite*>& items) override {
    absl::MutexLock lock(&mu_);
    call_sizes_.push_back(items.size());
    if (!failure_.ok()) return failure_;
    for (KeyToWrite* item : items) {
      static_cast<InMemoryTransaction&>(tx).writes.push_back(
          absl::StrCat("set:", item->key));
      item->written_by = "combiner";
    }
    return absl::OkStatus();
  }
  void FailWith(absl::Status failure) {
    absl::MutexLock lock(&mu_);
    failure_ = std::move(failure);
  }
  std::vector<size_t> call_sizes() const {
    absl::MutexLock lock(&mu_);
    return call_sizes_;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  std::vector<size_t> call_sizes_ ABSL_GUARDED_BY(mu_);
};

// The body of a combinable request: writes the item's key alone.
std::function<absl::Status(Transaction&)> WritesAlone(KeyToWrite& item) {
  return [&item](Transaction& tx) {
    static_cast<InMemoryTransaction&>(tx).writes.push_back(item.key);
    item.written_by = "body";
    return absl::OkStatus();
  };
}

class GroupCommitTest : public ::testing::Test {
 protected:
  // Starts a request that holds the only batch slot (max_concurrent 1)
  // until release_blocker_ is notified, so later requests queue up.
  void StartBlocker(GroupCommitUnitOfWork& batched) {
    threads_.emplace_back([this, &batched] {
      blocker_status_ = batched.Run(RequestContext(), [this](Transaction& tx) {
        blocker_running_.Notify();
        release_blocker_.WaitForNotification();
        static_cast<InMemoryTransaction&>(tx).writes.push_back("blocker");
        return absl::OkStatus();
      });
    });
    blocker_running_.WaitForNotification();
  }
  // Starts Run(context, body) on a thread; its status lands in *status.
  void StartRequest(GroupCommitUnitOfWork& batched,
                    std::function<absl::Status(Transaction&)> body,
                    absl::Status* status,
                    RequestContext context = RequestContext()) {
    threads_.emplace_back([&batched, body = std::move(body), status,
                           context = std::move(context)] {
      *status = batched.Run(context, body);
    });
  }
  // Starts RunCombinable(item) with `combiner` on a thread.
  void StartCombinable(UnitOfWork& unit_of_work, CombinedWrites& combiner,
                       KeyToWrite& item, absl::Status* status) {
    threads_.emplace_back([&unit_of_work, &combiner, &item, status] {
      *status = unit_of_work.RunCombinable(RequestContext(), WritesAlone(item),
                                           combiner, item);
    });
  }
  void JoinAll() {
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
  }
  void TearDown() override {
    if (!release_blocker_.HasBeenNotified()) release_blocker_.Notify();
    JoinAll();
  }

  static GroupCommitOptions OneBatchAtATime() {
    return {.max_batch_size = 16,
            .max_wait = absl::InfiniteDuration(),
            .max_concurrent_batches = 1};
  }

  InMemoryUnitOfWork inner_;
  std::vector<std::thread> threads_;
  absl::Notification blocker_running_;
  absl::Notification release_blocker_;
  absl::Status blocker_status_;
};

TEST_F(GroupCommitTest, IdleRequestRunsAtOnceInItsOwnTransaction) {
  GroupCommitUnitOfWork batched(inner_, OneBatchAtATime());
  // max_wait is infinite: returning at all shows the request did not wait.
  EXPECT_THAT(batched.Run(RequestContext(), Writes("a")), IsOk());
  EXPECT_THAT(inner_.committed(), ElementsAre("a"));
  EXPECT_EQ(batched.stats().batches, 0);
  EXPECT_EQ(batched.stats().solo_runs, 1);
}

TEST_F(GroupCommitTest, QueuedRequestsCommitInOneTransaction) {
  GroupCommitUnitOfWork batched(inner_, OneBatchAtATime());
  StartBlocker(batched);
  absl::Status status[4];
  for (int i = 0; i < 4; ++i) {
    StartRequest(batched, Writes(absl::StrCat("r", i)), &status[i]);
  }
  ASSERT_TRUE(WaitUntil([&] { return batched.waiting() == 4; }));
  release_blocker_.Notify();
  JoinAll();

  EXPECT_THAT(blocker_status_, IsOk());
  for (const absl::Status& s : status) EXPECT_THAT(s, IsOk());
  EXPECT_THAT(inner_.committed(),
              UnorderedElementsAre("blocker", "r0", "r1", "r2", "r3"));
  // The blocker's transaction, then one for all four.
  EXPECT_THAT(inner_.transaction_sizes(), ElementsAre(1, 4));
  EXPECT_EQ(batched.stats().batches, 1);
  EXPECT_EQ(batched.stats().batched_requests, 4);
  EXPECT_EQ(batched.stats().largest_batch, 4);
}

TEST_F(GroupCommitTest, FullBatchStartsWithoutWaitingForTheRunningOne) {
  GroupCommitOptions options = OneBatchAtATime();
  options.max_batch_size = 3;
  GroupCommitUnitOfWork batched(inner_, options);
  StartBlocker(batched);
  absl::Status status[3];
  for (int i = 0; i < 3; ++i) {
    StartRequest(batched, Writes(absl::StrCat("r", i)), &status[i]);
  }
  // The blocker still holds its batch open; the full batch commits anyway.
  ASSERT_TRUE(WaitUntil([&] { return inner_.committed().size() == 3; }));
  EXPECT_THAT(inner_.transaction_sizes(), ElementsAre(3));
  release_blocker_.Notify();
  JoinAll();
  for (const absl::Status& s : status) EXPECT_THAT(s, IsOk());
}

TEST_F(GroupCommitTest, WaitIsBoundedByMaxWait) {
  GroupCommitOptions options = OneBatchAtATime();
  options.max_wait = absl::Milliseconds(1);
  GroupCommitUnitOfWork batched(inner_, options);
  StartBlocker(batched);
  absl::Status status;
  StartRequest(batched, Writes("late"), &status);
  // Starts after max_wait although the blocker's batch still runs.
  ASSERT_TRUE(WaitUntil([&] { return inner_.committed().size() == 1; }));
  EXPECT_THAT(inner_.committed(), ElementsAre("late"));
  release_blocker_.Notify();
  JoinAll();
  EXPECT_THAT(status, IsOk());
}

TEST_F(GroupCommitTest, FailingRequestDoesNotFailItsNeighbours) {
  GroupCommitUnitOfWork batched(inner_, OneBatchAtATime());
  StartBlocker(batched);
  absl::Status status[4];
  StartRequest(batched, Writes("r0"), &status[0]);
  ASSERT_TRUE(WaitUntil([&] { return batched.waiting() == 1; }));
  StartRequest(batched,
               Writes("refused", InvalidFieldError("order.amount", "bad")),
               &status[1]);
  ASSERT_TRUE(WaitUntil([&] { return batched.waiting() == 2; }));
  StartRequest(batched, Writes("r2"), &status[2]);
  StartRequest(batched, Writes("r3"), &status[3]);
  ASSERT_TRUE(WaitUntil([&] { return batched.waiting() == 4; }));
  release_blocker_.Notify();
  JoinAll();

  EXPECT_THAT(status[0], IsOk());
  EXPECT_THAT(status[1], StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(status[1]), crm::type::v1::FIELD_INVALID);
  EXPECT_THAT(status[2], IsOk());
  EXPECT_THAT(status[3], IsOk());
  // The failed body's write was rolled back with its first batch; the
  // other three committed together.
  EXPECT_THAT(inner_.committed(),
              UnorderedElementsAre("blocker", "r0", "r2", "r3"));
  EXPECT_THAT(inner_.transaction_sizes(), ElementsAre(1, 3));
  EXPECT_EQ(batched.stats().batched_requests, 3);
  // The refused request ran alone (again) and got its own error.
  EXPECT_EQ(batched.stats().solo_runs, 2);  // The blocker and it.
}

TEST_F(GroupCommitTest, FailedBatchCommitRunsEveryRequestAlone) {
  GroupCommitUnitOfWork batched(inner_, OneBatchAtATime());
  StartBlocker(batched);
  absl::Status status[3];
  for (int i = 0; i < 3; ++i) {
    StartRequest(batched, Writes(absl::StrCat("r", i)), &status[i]);
  }
  ASSERT_TRUE(WaitUntil([&] { return batched.waiting() == 3; }));
  inner_.FailNextCommitOfAtLeast(
      2, absl::UnavailableError("connection lost at commit"));
  release_blocker_.Notify();
  JoinAll();
  for (const absl::Status& s : status) EXPECT_THAT(s, IsOk());
  EXPECT_THAT(inner_.committed(),
              UnorderedElementsAre("blocker", "r0", "r1", "r2"));
  EXPECT_THAT(inner_.transaction_sizes(), ElementsAre(1, 1, 1, 1));
  EXPECT_EQ(batched.stats().batched_requests, 0);
  EXPECT_EQ(batched.stats().solo_runs, 4);
}

TEST_F(GroupCommitTest, CombinableRequestsShareOneCombinerCall) {
  GroupCommitUnitOfWork batched(inner_, OneBatchAtATime());
  CombinedWrites combiner;
  StartBlocker(batched);
  KeyToWrite items[3] = {{"c0", ""}, {"c1", ""}, {"c2", ""}};
  absl::Status status[4];
  StartCombinable(batched, combiner, items[0], &status[0]);
  ASSERT_TRUE(WaitUntil([&] { return batched.waiting() == 1; }));
  StartRequest(batched, Writes("plain"), &status[3]);
  ASSERT_TRUE(WaitUntil([&] { return batched.waiting() == 2; }));
  StartCombinable(batched, combiner, items[1], &status[1]);
  ASSERT_TRUE(WaitUntil([&] { return batched.waiting() == 3; }));
  StartCombinable(batched, combiner, items[2], &status[2]);
  ASSERT_TRUE(WaitUntil([&] { return batched.waiting() == 4; }));
  release_blocker_.Notify();
  JoinAll();

  for (const absl::Status& s : status) EXPECT_THAT(s, IsOk());
  EXPECT_THAT(combiner.call_sizes(), ElementsAre(3));
  for (const KeyToWrite& item : items) EXPECT_EQ(item.written_by, "combiner");
  // The combiner ran at the place of its first request, then the plain body.
  EXPECT_THAT(inner_.committed(),
              ElementsAre("blocker", "set:c0", "set:c1", "set:c2", "plain"));
  EXPECT_THAT(inner_.transaction_sizes(), ElementsAre(1, 4));
  EXPECT_EQ(batched.stats().batched_requests, 4);
  EXPECT_EQ(batched.stats().combined_requests, 3);
}

TEST_F(GroupCommitTest, FailedCombinerCallRunsItsRequestsAloneOnly) {
  GroupCommitUnitOfWork batched(inner_, OneBatchAtATime());
  CombinedWrites combiner;
  combiner.FailWith(absl::AlreadyExistsError("one of them is a repeat"));
  StartBlocker(batched);
  KeyToWrite items[2] = {{"c0", ""}, {"c1", ""}};
  absl::Status status[4];
  StartRequest(batched, Writes("p0"), &status[2]);
  ASSERT_TRUE(WaitUntil([&] { return batched.waiting() == 1; }));
  StartCombinable(batched, combiner, items[0], &status[0]);
  StartCombinable(batched, combiner, items[1], &status[1]);
  ASSERT_TRUE(WaitUntil([&] { return batched.waiting() == 3; }));
  StartRequest(batched, Writes("p1"), &status[3]);
  ASSERT_TRUE(WaitUntil([&] { return batched.waiting() == 4; }));
  release_blocker_.Notify();
  JoinAll();

  for (const absl::Status& s : status) EXPECT_THAT(s, IsOk());
  EXPECT_THAT(combiner.call_sizes(), ElementsAre(2));
  // Each combinable request ran alone, through its body; the plain ones
  // were batched again without them.
  for (const KeyToWrite& item : items) EXPECT_EQ(item.written_by, "body");
  EXPECT_THAT(inner_.committed(),
              UnorderedElementsAre("blocker", "p0", "p1", "c0", "c1"));
  EXPECT_THAT(inner_.transaction_sizes(), UnorderedElementsAre(1, 2, 1, 1));
  EXPECT_EQ(batched.stats().batched_requests, 2);
  EXPECT_EQ(batched.stats().combined_requests, 0);
  EXPECT_EQ(batched.stats().solo_runs, 3);  // The blocker, c0 and c1.
}

TEST_F(GroupCommitTest, LoneCombinableRequestRunsItsBody) {
  CombinedWrites combiner;
  KeyToWrite item{"only", ""};
  // A unit of work that does not batch runs the body.
  EXPECT_THAT(
      inner_.RunCombinable(RequestContext(), WritesAlone(item), combiner, item),
      IsOk());
  EXPECT_EQ(item.written_by, "body");
  // So does a batch holding one request of the combiner.
  GroupCommitUnitOfWork batched(inner_, OneBatchAtATime());
  StartBlocker(batched);
  KeyToWrite queued{"queued", ""};
  absl::Status status[2];
  StartCombinable(batched, combiner, queued, &status[0]);
  ASSERT_TRUE(WaitUntil([&] { return batched.waiting() == 1; }));
  StartRequest(batched, Writes("plain"), &status[1]);
  ASSERT_TRUE(WaitUntil([&] { return batched.waiting() == 2; }));
  release_blocker_.Notify();
  JoinAll();
  for (const absl::Status& s : status) EXPECT_THAT(s, IsOk());
  EXPECT_EQ(queued.written_by, "body");
  EXPECT_TRUE(combiner.call_sizes().empty());
  EXPECT_THAT(inner_.transaction_sizes(), ElementsAre(1, 1, 2));
}

TEST_F(GroupCommitTest, CombinableReadsShareOneReadAndNeverAWrite) {
  GroupCommitUnitOfWork batched(inner_, OneBatchAtATime());
  CombinedWrites combiner;
  // A read holds the only read batch.
  KeyToWrite held{"held", ""};
  absl::Notification holding;
  absl::Notification release;
  absl::Status held_status;
  threads_.emplace_back([&] {
    held_status = batched.ReadCombinable(
        RequestContext(),
        [&](Transaction&) {
          holding.Notify();
          release.WaitForNotification();
          return absl::OkStatus();
        },
        combiner, held);
  });
  holding.WaitForNotification();
  // Writes have batches of their own: this one runs at once.
  EXPECT_THAT(batched.Run(RequestContext(), Writes("w")), IsOk());
  KeyToWrite items[3] = {{"r0", ""}, {"r1", ""}, {"r2", ""}};
  absl::Status status[3];
  for (int i = 0; i < 3; ++i) {
    threads_.emplace_back([&, i] {
      status[i] = batched.ReadCombinable(
          RequestContext(), WritesAlone(items[i]), combiner, items[i]);
    });
    ASSERT_TRUE(WaitUntil([&] { return batched.waiting() == i + 1; }));
  }
  release.Notify();
  JoinAll();

  EXPECT_THAT(held_status, IsOk());
  for (const absl::Status& s : status) EXPECT_THAT(s, IsOk());
  EXPECT_THAT(combiner.call_sizes(), ElementsAre(3));
  for (const KeyToWrite& item : items) EXPECT_EQ(item.written_by, "combiner");
  // The held read and the batch of three: two reads of the wrapped unit.
  EXPECT_EQ(inner_.reads(), 2);
  EXPECT_EQ(inner_.runs(), 1);
  EXPECT_THAT(inner_.committed(), ElementsAre("w"));
  EXPECT_EQ(batched.stats().combined_requests, 3);
}

TEST_F(GroupCommitTest, RequestThatExpiredWhileQueuedIsRefusedUnrun) {
  FakeClock clock(absl::FromUnixSeconds(1'000'000));
  GroupCommitUnitOfWork batched(inner_, OneBatchAtATime(), clock);
  StartBlocker(batched);
  absl::Status expired;
  absl::Status live;
  StartRequest(batched, Writes("expired"), &expired,
               RequestContext::WithDeadline(clock.Now() + absl::Seconds(1)));
  StartRequest(batched, Writes("live"), &live);
  ASSERT_TRUE(WaitUntil([&] { return batched.waiting() == 2; }));
  clock.Advance(absl::Seconds(2));
  release_blocker_.Notify();
  JoinAll();
  EXPECT_THAT(expired, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(ReasonOf(expired), crm::type::v1::REQUEST_DEADLINE_EXCEEDED);
  EXPECT_THAT(live, IsOk());
  EXPECT_THAT(inner_.committed(), UnorderedElementsAre("blocker", "live"));
}

TEST_F(GroupCommitTest, ValuesReachTheirOwnCallers) {
  GroupCommitUnitOfWork batched(inner_, OneBatchAtATime());
  StartBlocker(batched);
  absl::StatusOr<int> values[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    threads_.emplace_back([&, i] {
      values[i] = batched.Run<int>(
          RequestContext(),
          [i](Transaction&) -> absl::StatusOr<int> { return 100 + i; });
    });
  }
  ASSERT_TRUE(WaitUntil([&] { return batched.waiting() == 3; }));
  release_blocker_.Notify();
  JoinAll();
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(values[i], IsOk());
    EXPECT_EQ(*values[i], 100 + i);
  }
  EXPECT_EQ(batched.stats().batches, 1);
}

TEST_F(GroupCommitTest, BatchSizeOneAndReadsGoStraightThrough) {
  GroupCommitUnitOfWork batched(inner_, {.max_batch_size = 1});
  EXPECT_THAT(batched.Run(RequestContext(), Writes("a")), IsOk());
  EXPECT_THAT(batched.Read(RequestContext(),
                           [](Transaction&) { return absl::OkStatus(); }),
              IsOk());
  EXPECT_EQ(inner_.runs(), 1);
  EXPECT_EQ(inner_.reads(), 1);
  EXPECT_EQ(batched.stats().solo_runs, 0);
}

TEST_F(GroupCommitTest, ManyConcurrentWritersEachCommitExactlyOnce) {
  GroupCommitUnitOfWork batched(inner_, {.max_batch_size = 8,
                                         .max_wait = absl::Milliseconds(1),
                                         .max_concurrent_batches = 2});
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::vector<std::thread> writers;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Every fifth request of a thread fails after writing.
        absl::Status outcome =
            i % 5 == 0 ? absl::FailedPreconditionError("x") : absl::OkStatus();
        absl::Status status = batched.Run(
            RequestContext(), Writes(absl::StrCat(t, "-", i), outcome));
        if (status.ok() != outcome.ok()) ++failures[t];
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  for (int f : failures) EXPECT_EQ(f, 0);
  std::vector<std::string> committed = inner_.committed();
  std::set<std::string> distinct(committed.begin(), committed.end());
  EXPECT_EQ(distinct.size(), committed.size()) << "a write committed twice";
  EXPECT_EQ(committed.size(),
            static_cast<size_t>(kThreads * kPerThread * 4 / 5));
}

TEST(GroupCommitOptionsTest, ReadFromFlagsAndEnvironment) {
  std::map<std::string, std::string> env = {
      {"LOYALTY_GROUP_COMMIT_MAX_WAIT", "5ms"}};
  const char* argv[] = {"prog", "--group_commit_max_batch=64"};
  absl::StatusOr<Config> config =
      Config::Load(GroupCommitConfigOptions("LOYALTY"), 2, argv,
                   [&](const std::string& name) -> std::optional<std::string> {
                     auto it = env.find(name);
                     if (it == env.end()) return std::nullopt;
                     return it->second;
                   });
  ASSERT_THAT(config, IsOk());
  absl::StatusOr<GroupCommitOptions> options = GroupCommitOptionsFrom(*config);
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->max_batch_size, 64);
  EXPECT_EQ(options->max_wait, absl::Milliseconds(5));
  EXPECT_EQ(options->max_concurrent_batches,
            GroupCommitOptions().max_concurrent_batches);
}

TEST(GroupCommitOptionsTest, RejectsAZeroBatchSize) {
  const char* argv[] = {"prog", "--group_commit_max_batch=0"};
  absl::StatusOr<Config> config =
      Config::Load(GroupCommitConfigOptions("LOYALTY"), 2, argv,
                   [](const std::string&) { return std::nullopt; });
  ASSERT_THAT(config, IsOk());
  absl::StatusOr<GroupCommitOptions> options = GroupCommitOptionsFrom(*config);
  EXPECT_THAT(options, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ErrorMetadataOf(options.status())["field"],
            "group_commit_max_batch");
}

}  // namespace
}  // namespace crm::common

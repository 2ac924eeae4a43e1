// The change feed on real MariaDB: gap-free numbering by the sequencer under
// concurrent writers with rollbacks, per-customer order under concurrent
// writers and two sequencers, sequencer shutdown, WatchChanges
// replay/tail/cancel, and the exactly-once consumer, including one in a child
// process that is SIGKILLed mid-stream.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/change_feed_sequencer.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/metrics.h"
#include "services/common/migrations.h"
#include "services/common/request_context.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"
#include "services/customer_profile/change_feed_client.h"
#include "services/customer_profile/change_feed_streamer_impl.h"
#include "services/customer_profile/customer_profile_feed.h"
#include "tests/integration/common/change_feed/feed_test_server.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/wait.h"

extern char** environ;

namespace crm::customer_profile {
namespace {

using ::crm::common::ChangeFeedOutbox;
using ::crm::common::ChangeFeedSequencer;
using ::crm::common::ChangeFeedSequencerOptions;
using ::crm::common::FeedEventRecord;
using ::crm::testing::IsOk;
using ::crm::testing::IsOkAndHolds;
using ::crm::testing::StatusIs;

std::unique_ptr<crm::testing::TestDatabase> NewDatabase(
    const std::string& prefix) {
  absl::StatusOr<std::unique_ptr<crm::testing::TestDatabase>> db =
      crm::testing::TestDatabase::Create(prefix);
  EXPECT_THAT(db.status(), IsOk());
  return db.ok() ? std::move(*db) : nullptr;
}

// A consumer's own database: the common migrations (its cursor table) and
// a table `applied` (sequence BIGINT) for the apply functions to write.
struct ConsumerDatabase {
  std::unique_ptr<crm::testing::TestDatabase> database;
  std::unique_ptr<crm::common::MySqlPool> pool;
};
ConsumerDatabase NewConsumerDatabase(int pool_size) {
  ConsumerDatabase consumer;
  consumer.database = NewDatabase("consumer");
  if (consumer.database == nullptr) return consumer;
  consumer.pool = consumer.database->NewPool(pool_size);
  const absl::Status migrated =
      crm::common::ApplyMigrations(*consumer.pool,
                                   {&crm::common::CommonMigrations()})
          .status();
  EXPECT_THAT(migrated, IsOk());
  const absl::Status created =
      consumer.database->Execute("CREATE TABLE applied (sequence BIGINT)");
  EXPECT_THAT(created, IsOk());
  if (!migrated.ok() || !created.ok()) consumer.pool.reset();
  return consumer;
}

// The rows of a consumer test's table `applied` (one per applied event);
// INTERNAL if a sequence was applied twice.
absl::StatusOr<int64_t> CountApplied(crm::common::MySqlPool& pool) {
  return crm::common::WithConnection<int64_t>(
      pool, [](sql::Connection& c) -> absl::StatusOr<int64_t> {
        std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(
            "SELECT COUNT(*), COUNT(DISTINCT sequence) FROM applied"));
        std::unique_ptr<sql::ResultSet> rows(st->executeQuery());
        rows->next();
        if (rows->getInt64(1) != rows->getInt64(2)) {
          return absl::InternalError("an event was applied twice");
        }
        return static_cast<int64_t>(rows->getInt64(1));
      });
}

// The id (write-order key) of the event the caller's transaction appended
// last on `c`.
int64_t LastEventId(sql::Connection& c) {
  std::unique_ptr<sql::PreparedStatement> st(
      c.prepareStatement("SELECT LAST_INSERT_ID()"));
  std::unique_ptr<sql::ResultSet> rows(st->executeQuery());
  return rows->next() ? rows->getInt64(1) : -1;
}

// Waits until the sequencer has numbered event `id`; its sequence, or -1.
int64_t WaitForSequence(
    crm::common::MySqlPool& pool, int64_t id,
    absl::Duration timeout = crm::testing::kDefaultWaitTimeout) {
  int64_t found = -1;
  crm::testing::WaitUntil(
      [&] {
        absl::StatusOr<int64_t> sequence = crm::common::WithConnection<int64_t>(
            pool, [&](sql::Connection& c) -> absl::StatusOr<int64_t> {
              std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(
                  "SELECT sequence FROM change_feed_events WHERE id = ?"));
              st->setInt64(1, id);
              std::unique_ptr<sql::ResultSet> rows(st->executeQuery());
              if (!rows->next()) return absl::NotFoundError("no such event");
              const int64_t value = rows->getInt64(1);
              return rows->wasNull() ? 0 : value;
            });
        if (!sequence.ok()) return true;  // Give up: -1.
        if (*sequence > 0) found = *sequence;
        return found > 0;
      },
      timeout, absl::Milliseconds(1));
  return found;
}

// Appends an ORDER_RECORDED event for `customer` worth `amount` in its own
// transaction, notifies `written` (the sequencer's wake-up; nullptr acts
// like another replica's writer) and waits until the event is numbered;
// returns its sequence.
int64_t AppendOrder(
    crm::common::MySqlPool& pool, crm::common::FeedNotifier* written,
    const std::string& customer, int64_t amount,
    v1::ChangeEvent::Type type = v1::ChangeEvent::ORDER_RECORDED) {
  v1::ChangeEvent event;
  event.set_type(type);
  event.set_customer_name(absl::StrCat("customers/", customer));
  event.mutable_order()->mutable_amount()->set_currency_code("CNY");
  event.mutable_order()->mutable_amount()->set_amount_minor(amount);
  FeedEventRecord record;
  record.type = type;
  record.key = customer;
  record.payload = event.SerializeAsString();
  absl::StatusOr<int64_t> id = crm::common::RunInTransaction<int64_t>(
      pool, [&](sql::Connection& c) -> absl::StatusOr<int64_t> {
        CRM_RETURN_IF_ERROR(ChangeFeedOutbox::Append(c, kCustomerProfileFeed,
                                                     record, absl::Now()));
        return LastEventId(c);
      });
  EXPECT_THAT(id.status(), IsOk());
  if (!id.ok()) return -1;
  if (written != nullptr) written->Notify();
  return WaitForSequence(pool, *id);
}

class ChangeFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    feed_db_ = NewDatabase("feed");
    ASSERT_NE(feed_db_, nullptr);
    pool_ = feed_db_->NewPool(12);
    ASSERT_THAT(crm::common::ApplyMigrations(
                    *pool_, {&crm::common::CommonMigrations()}),
                IsOk());
    sequencer_ = std::make_unique<ChangeFeedSequencer>(
        *pool_, std::string(kCustomerProfileFeed), written_, notifier_,
        ChangeFeedSequencerOptions{.batch_size = 100,
                                   .poll_interval = absl::Milliseconds(100)});
    sequencer_->Start();
  }
  void TearDown() override {
    if (sequencer_ != nullptr) sequencer_->Stop();
  }

  std::vector<FeedEventRecord> ReadAll() {
    absl::StatusOr<std::vector<FeedEventRecord>> events =
        crm::common::WithConnection<std::vector<FeedEventRecord>>(
            *pool_, [&](sql::Connection& c) {
              return ChangeFeedOutbox::ReadAfter(c, kCustomerProfileFeed, 0,
                                                 100000, {});
            });
    EXPECT_THAT(events.status(), IsOk());
    return events.ok() ? *events : std::vector<FeedEventRecord>();
  }
  int64_t LastSequence() {
    absl::StatusOr<int64_t> last =
        crm::common::WithConnection<int64_t>(*pool_, [&](sql::Connection& c) {
          return ChangeFeedOutbox::LastSequence(c, kCustomerProfileFeed);
        });
    EXPECT_THAT(last.status(), IsOk());
    return last.ok() ? *last : -1;
  }

  std::unique_ptr<crm::testing::TestDatabase> feed_db_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  crm::common::FeedNotifier written_;   // Writers -> sequencer.
  crm::common::FeedNotifier notifier_;  // Sequencer -> streamers.
  std::unique_ptr<ChangeFeedSequencer> sequencer_;
};

TEST_F(ChangeFeedTest, OutboxIsGapFreeUnderConcurrentWritersWithRollbacks) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::atomic<int> committed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const bool roll_back = i % 5 == 4;
        absl::Status status =
            crm::common::RunInTransaction(*pool_, [&](sql::Connection& c) {
              FeedEventRecord record;
              record.type = 5;
              record.key = absl::StrCat("c", t);
              record.payload = absl::StrCat(t, ":", i);
              CRM_RETURN_IF_ERROR(ChangeFeedOutbox::Append(
                  c, kCustomerProfileFeed, record, absl::Now()));
              return roll_back ? absl::CancelledError("rolled back")
                               : absl::OkStatus();
            });
        if (status.ok()) {
          ++committed;
          written_.Notify();  // The background sequencer races the writers.
        }
        EXPECT_TRUE(status.ok() || roll_back) << status;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(committed.load(), kThreads * kPerThread * 4 / 5);
  // Whatever the background sequencer has not numbered yet.
  CRM_ASSERT_OK(sequencer_->SequencePending().status());
  std::vector<FeedEventRecord> events = ReadAll();
  ASSERT_EQ(events.size(), static_cast<size_t>(committed.load()));
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i].sequence, static_cast<int64_t>(i + 1));
  }
  EXPECT_EQ(LastSequence(), committed.load());
  // Nothing left unnumbered.
  CRM_ASSERT_OK_AND_ASSIGN(
      int64_t unnumbered,
      (crm::common::WithConnection<int64_t>(
          *pool_, [&](sql::Connection& c) -> absl::StatusOr<int64_t> {
            std::unique_ptr<sql::PreparedStatement> st(
                c.prepareStatement("SELECT COUNT(*) FROM change_feed_events "
                                   "WHERE sequence IS NULL"));
            std::unique_ptr<sql::ResultSet> rows(st->executeQuery());
            rows->next();
            return static_cast<int64_t>(rows->getInt64(1));
          })));
  EXPECT_EQ(unnumbered, 0);
}

// Writers that lock the same customer's row must appear in the feed in the
// order they committed, even with a second sequencer (another replica)
// numbering concurrently and some writers rolling back.
TEST_F(ChangeFeedTest, PerCustomerOrderHoldsUnderConcurrentWriters) {
  ASSERT_THAT(feed_db_->Execute("CREATE TABLE versions (customer VARCHAR(16) "
                                "PRIMARY KEY, v BIGINT NOT NULL)"),
              IsOk());
  constexpr int kCustomers = 3;
  for (int c = 0; c < kCustomers; ++c) {
    ASSERT_THAT(feed_db_->Execute(absl::StrCat(
                    "INSERT INTO versions VALUES ('c", c, "', 0)")),
                IsOk());
  }
  crm::common::FeedNotifier other_written;
  crm::common::FeedNotifier other_sequenced;
  ChangeFeedSequencer other_replica(
      *pool_, std::string(kCustomerProfileFeed), other_written, other_sequenced,
      ChangeFeedSequencerOptions{.batch_size = 7,
                                 .poll_interval = absl::Milliseconds(1)});
  other_replica.Start();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::atomic<int> committed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string customer = absl::StrCat("c", (t + i) % kCustomers);
        const bool roll_back = i % 7 == 6;
        absl::Status status =
            crm::common::RunInTransaction(*pool_, [&](sql::Connection& c) {
              // The customer's row lock first; the event last (the writer
              // contract), carrying the version this writer made.
              std::unique_ptr<sql::PreparedStatement> bump(c.prepareStatement(
                  "UPDATE versions SET v = v + 1 WHERE customer = ?"));
              bump->setString(1, customer);
              bump->executeUpdate();
              std::unique_ptr<sql::PreparedStatement> read(c.prepareStatement(
                  "SELECT v FROM versions WHERE customer = ?"));
              read->setString(1, customer);
              std::unique_ptr<sql::ResultSet> rows(read->executeQuery());
              rows->next();
              FeedEventRecord record;
              record.type = 5;
              record.key = customer;
              record.payload = absl::StrCat(rows->getInt64(1));
              CRM_RETURN_IF_ERROR(ChangeFeedOutbox::Append(
                  c, kCustomerProfileFeed, record, absl::Now()));
              return roll_back ? absl::CancelledError("rolled back")
                               : absl::OkStatus();
            });
        if (status.ok()) {
          ++committed;
          written_.Notify();
        }
        EXPECT_TRUE(status.ok() || roll_back) << status;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  other_replica.Stop();
  CRM_ASSERT_OK(sequencer_->SequencePending().status());
  std::vector<FeedEventRecord> events = ReadAll();
  ASSERT_EQ(events.size(), static_cast<size_t>(committed.load()));
  std::map<std::string, int64_t> last_version;
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i].sequence, static_cast<int64_t>(i + 1));
    // Versions of one customer appear as 1, 2, 3, ...: commit order.
    ASSERT_EQ(events[i].payload, absl::StrCat(last_version[events[i].key] + 1))
        << "customer " << events[i].key << " at sequence "
        << events[i].sequence;
    ++last_version[events[i].key];
  }
  EXPECT_EQ(LastSequence(), committed.load());
}

// The rows a sequencer pass reads stay in proportion to the events it
// numbers, however many the outbox holds: numbering leaves delete-marked
// index entries behind until purge removes them (held off here by an open
// snapshot, as a long report or a busy server does), and on those estimates
// the optimizer preferred walking the whole primary key in id order.
TEST_F(ChangeFeedTest, SequencerPassReadsOnlyTheUnnumberedEvents) {
  sequencer_->Stop();
  constexpr int kNumbered = 20000;
  absl::StatusOr<crm::common::PooledConnection> snapshot = pool_->Acquire();
  ASSERT_THAT(snapshot.status(), IsOk());
  {
    std::unique_ptr<sql::Statement> st((*snapshot)->createStatement());
    st->execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
    std::unique_ptr<sql::ResultSet> rows(
        st->executeQuery("SELECT COUNT(*) FROM change_feed_events"));
  }
  auto append = [&](int count) {
    ASSERT_THAT(feed_db_->Execute(absl::StrCat(
                    "INSERT INTO change_feed_events (feed, sequence, type, "
                    "`key`, payload, event_time) SELECT '",
                    kCustomerProfileFeed,
                    "', NULL, 1, CONCAT('c', seq), REPEAT('x', 200), "
                    "UTC_TIMESTAMP(6) FROM seq_1_to_",
                    count)),
                IsOk());
  };
  append(kNumbered);
  ChangeFeedSequencer numbering(*pool_, std::string(kCustomerProfileFeed),
                                written_, notifier_,
                                ChangeFeedSequencerOptions{.batch_size = 1000});
  ASSERT_THAT(numbering.SequencePending(), IsOkAndHolds(kNumbered));
  append(3);
  absl::StatusOr<int64_t> rows_read = crm::common::RunInTransaction<int64_t>(
      *pool_, [&](sql::Connection& c) -> absl::StatusOr<int64_t> {
        auto handler_reads = [&c]() {
          std::unique_ptr<sql::Statement> st(c.createStatement());
          std::unique_ptr<sql::ResultSet> rows(st->executeQuery(
              "SELECT SUM(VARIABLE_VALUE) FROM "
              "information_schema.SESSION_STATUS WHERE VARIABLE_NAME IN "
              "('Handler_read_first', 'Handler_read_key', "
              "'Handler_read_next', 'Handler_read_rnd_next')"));
          rows->next();
          return static_cast<int64_t>(rows->getInt64(1));
        };
        // What reading the counters itself reads, taken off below.
        const int64_t first = handler_reads();
        const int64_t before = handler_reads();
        const int64_t own_reads = before - first;
        CRM_ASSIGN_OR_RETURN(int numbered, ChangeFeedSequencer::SequenceBatch(
                                               c, kCustomerProfileFeed, 1000));
        if (numbered != 3) {
          return absl::InternalError(absl::StrCat("numbered ", numbered));
        }
        return handler_reads() - before - own_reads;
      });
  ASSERT_THAT(rows_read.status(), IsOk());
  // The counter row, three events found and three numbered: tens, never
  // thousands.
  EXPECT_LT(*rows_read, 100);
  {
    std::unique_ptr<sql::Statement> st((*snapshot)->createStatement());
    st->execute("COMMIT");
  }
}

TEST_F(ChangeFeedTest, SequencerStopDoesNotWaitOutALongPoll) {
  // A feed of its own, so that only this sequencer numbers it.
  constexpr char kIdleFeed[] = "idle_feed";
  crm::common::FeedNotifier written;
  crm::common::FeedNotifier sequenced;
  // The poll is far longer than ReturnsWithin's deadline below.
  ChangeFeedSequencer sequencer(
      *pool_, kIdleFeed, written, sequenced,
      ChangeFeedSequencerOptions{.batch_size = 100,
                                 .poll_interval = absl::Minutes(3)});
  sequencer.Start();
  // Once it has numbered an event it goes idle, waiting for writers.
  CRM_ASSERT_OK_AND_ASSIGN(
      int64_t id,
      (crm::common::RunInTransaction<int64_t>(
          *pool_, [&](sql::Connection& c) -> absl::StatusOr<int64_t> {
            CRM_RETURN_IF_ERROR(
                ChangeFeedOutbox::Append(c, kIdleFeed,
                                         FeedEventRecord{.sequence = 0,
                                                         .type = 5,
                                                         .key = "k",
                                                         .payload = {},
                                                         .event_time = {}},
                                         absl::Now()));
            return LastEventId(c);
          })));
  written.Notify();
  ASSERT_EQ(WaitForSequence(*pool_, id), 1);
  EXPECT_TRUE(crm::testing::ReturnsWithin(absl::Seconds(20),
                                          [&] { sequencer.Stop(); }));
  sequencer.Stop();  // Idempotent.
}

TEST_F(ChangeFeedTest, WatchReplaysInBatchesFromTheCursorWithTypeFilter) {
  for (int i = 1; i <= 1203; ++i) {
    AppendOrder(*pool_, &written_, "c", i,
                i % 3 == 0 ? v1::ChangeEvent::ORDER_REFUNDED
                           : v1::ChangeEvent::ORDER_RECORDED);
  }
  ChangeFeedStreamerImpl streamer(*pool_, notifier_,
                                  crm::common::SystemClock::Instance());
  std::vector<v1::ChangeEvent> seen;
  v1::WatchChangesRequest request;
  request.set_after_sequence(100);
  CRM_ASSERT_OK(streamer.Watch(
      crm::common::RequestContext(), request, [&](const v1::ChangeEvent& e) {
        seen.push_back(e);
        return seen.size() < 1103;  // Stop after the last one.
      }));
  ASSERT_EQ(seen.size(), 1103u);
  for (size_t i = 0; i < seen.size(); ++i) {
    ASSERT_EQ(seen[i].sequence(), static_cast<int64_t>(101 + i));
  }
  EXPECT_TRUE(seen[0].has_event_time());
  EXPECT_EQ(seen[0].order().amount().amount_minor(), 101);

  // Only refunds: every third event.
  seen.clear();
  request.set_after_sequence(0);
  request.add_types(v1::ChangeEvent::ORDER_REFUNDED);
  CRM_ASSERT_OK(streamer.Watch(crm::common::RequestContext(), request,
                               [&](const v1::ChangeEvent& e) {
                                 seen.push_back(e);
                                 return seen.size() < 401;
                               }));
  ASSERT_EQ(seen.size(), 401u);
  for (size_t i = 0; i < seen.size(); ++i) {
    ASSERT_EQ(seen[i].sequence(), static_cast<int64_t>(3 * (i + 1)));
    ASSERT_EQ(seen[i].type(), v1::ChangeEvent::ORDER_REFUNDED);
  }
  request.set_after_sequence(-1);
  EXPECT_THAT(streamer.Watch(crm::common::RequestContext(), request,
                             [](const v1::ChangeEvent&) { return true; }),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Watches on a thread; records which sequences arrived. If `wake` is set,
// Cancel() notifies it so that Watch notices at once instead of at its next
// poll (a streamer with a long poll_interval).
class Watcher {
 public:
  Watcher(ChangeFeedStreamer& streamer, int64_t after,
          crm::common::FeedNotifier* wake = nullptr)
      : wake_(wake) {
    thread_ = std::thread([this, &streamer, after] {
      v1::WatchChangesRequest request;
      request.set_after_sequence(after);
      crm::common::RequestContext context;
      context.set_cancellation([this] { return cancelled_.load(); });
      status_ =
          streamer.Watch(context, request, [this](const v1::ChangeEvent& e) {
            absl::MutexLock lock(&mu_);
            arrived_.insert(e.sequence());
            return true;
          });
    });
  }
  ~Watcher() { Cancel(); }
  // Waits until `sequence` arrived or `timeout` passes; whether it arrived.
  bool WaitFor(int64_t sequence,
               absl::Duration timeout = crm::testing::kDefaultWaitTimeout) {
    absl::MutexLock lock(&mu_);
    auto arrived = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return arrived_.count(sequence) > 0;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&arrived), timeout);
  }
  size_t count() {
    absl::MutexLock lock(&mu_);
    return arrived_.size();
  }
  // Cancels and joins.
  void Cancel() {
    cancelled_ = true;
    if (wake_ != nullptr) wake_->Notify();
    if (thread_.joinable()) thread_.join();
  }
  absl::Status status() const { return status_; }

 private:
  crm::common::FeedNotifier* const wake_;
  absl::Mutex mu_;
  std::set<int64_t> arrived_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> cancelled_{false};
  absl::Status status_;
  std::thread thread_;
};

TEST_F(ChangeFeedTest, TailIsWokenBySequencedEventsNotByItsPoll) {
  AppendOrder(*pool_, &written_, "c", 1);
  // A fallback poll far longer than WaitFor's deadline: an event that
  // arrives in time was delivered because the sequencer woke the streamer.
  ChangeFeedStreamerImpl notified_streamer(
      *pool_, notifier_, crm::common::SystemClock::Instance(),
      ChangeFeedStreamerOptions{.batch_size = 500,
                                .poll_interval = absl::Minutes(3)});
  Watcher watcher(notified_streamer, 0, &notifier_);
  ASSERT_TRUE(watcher.WaitFor(1));

  for (int round = 0; round < 3; ++round) {
    // The sequencer, woken by the writer, wakes the streamer.
    const int64_t seq = AppendOrder(*pool_, &written_, "c", 10 + round);
    ASSERT_TRUE(watcher.WaitFor(seq)) << "sequence " << seq;
  }
  // Another replica's commit (no Notify in this process) is found by the
  // sequencer's fallback poll, which then wakes the streamer.
  const int64_t seq = AppendOrder(*pool_, nullptr, "c", 99);
  ASSERT_TRUE(watcher.WaitFor(seq)) << "sequence " << seq;
  EXPECT_EQ(watcher.count(), 5u);

  watcher.Cancel();
  EXPECT_THAT(watcher.status(), IsOk());
}

TEST_F(ChangeFeedTest, WatchReturnsOnceCancelledWhileTailing) {
  AppendOrder(*pool_, &written_, "c", 1);
  // The default, short poll.
  ChangeFeedStreamerImpl streamer(*pool_, notifier_,
                                  crm::common::SystemClock::Instance());
  Watcher watcher(streamer, 0);
  ASSERT_TRUE(watcher.WaitFor(1));
  // Nothing else is written: Watch must notice the cancellation by itself.
  EXPECT_TRUE(crm::testing::ReturnsWithin(absl::Seconds(20),
                                          [&] { watcher.Cancel(); }));
  EXPECT_THAT(watcher.status(), IsOk());
  EXPECT_EQ(watcher.count(), 1u);
}

// A stream's deadline ends it even while it waits for events that never
// come (a poll far longer than the deadline): DEADLINE_EXCEEDED after
// delivering what there was.
TEST_F(ChangeFeedTest, WatchEndsAtItsDeadlineWhileTailing) {
  AppendOrder(*pool_, &written_, "c", 1);
  ChangeFeedStreamerImpl streamer(
      *pool_, notifier_, crm::common::SystemClock::Instance(),
      ChangeFeedStreamerOptions{.batch_size = 500,
                                .poll_interval = absl::Minutes(3)});
  const crm::common::RequestContext context =
      crm::common::RequestContext::WithDeadline(absl::Now() +
                                                absl::Milliseconds(300));
  std::vector<int64_t> delivered;
  absl::Status status;
  EXPECT_TRUE(crm::testing::ReturnsWithin(absl::Seconds(20), [&] {
    status = streamer.Watch(context, v1::WatchChangesRequest(),
                            [&](const v1::ChangeEvent& e) {
                              delivered.push_back(e.sequence());
                              return true;
                            });
  }));
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(crm::common::ReasonOf(status),
            crm::type::v1::REQUEST_DEADLINE_EXCEEDED);
  EXPECT_THAT(delivered, ::testing::ElementsAre(1));
}

TEST_F(ChangeFeedTest, InProcessConsumerAppliesEachEventOnceAcrossErrors) {
  ConsumerDatabase consumer_db = NewConsumerDatabase(4);
  ASSERT_NE(consumer_db.pool, nullptr);
  crm::common::MySqlPool* consumer_pool = consumer_db.pool.get();
  for (int i = 1; i <= 20; ++i) AppendOrder(*pool_, &written_, "c", i);

  FeedTestServer server(*pool_, notifier_);
  ASSERT_FALSE(server.address().empty());
  auto stub = v1::CustomerProfileService::NewStub(grpc::CreateChannel(
      server.address(), grpc::InsecureChannelCredentials()));
  std::atomic<int> failures_left{2};
  crm::common::Metrics metrics;
  crm::common::FeedConsumer consumer(
      *consumer_pool, MakeCustomerProfileFeedOpener(stub.get()),
      [&](sql::Connection& c, int64_t sequence,
          absl::string_view) -> absl::Status {
        std::unique_ptr<sql::PreparedStatement> insert(
            c.prepareStatement("INSERT INTO applied (sequence) VALUES (?)"));
        insert->setInt64(1, sequence);
        insert->executeUpdate();
        // Fails twice at sequence 7 after writing: the write must vanish.
        if (sequence == 7 && failures_left.fetch_sub(1) > 0) {
          return absl::InternalError("injected failure");
        }
        return absl::OkStatus();
      },
      {.consumer = "test-consumer",
       .initial_backoff = absl::Milliseconds(10),
       .max_backoff = absl::Milliseconds(50),
       .transaction = {},
       .metrics = &metrics});
  consumer.Start();
  crm::testing::WaitUntil([&] { return consumer.last_sequence() >= 20; });
  ASSERT_EQ(consumer.last_sequence(), 20);
  // Tailing: a new event arrives without a reconnect.
  const int64_t seq = AppendOrder(*pool_, &written_, "c", 21);
  crm::testing::WaitUntil([&] { return consumer.last_sequence() >= seq; });
  EXPECT_EQ(consumer.last_sequence(), seq);
  // Stop() ends the open stream rather than waiting for the feed to end.
  EXPECT_TRUE(
      crm::testing::ReturnsWithin(absl::Seconds(20), [&] { consumer.Stop(); }));

  CRM_ASSERT_OK_AND_ASSIGN(int64_t applied, CountApplied(*consumer_pool));
  EXPECT_EQ(applied, 21);
  CRM_ASSERT_OK_AND_ASSIGN(
      int64_t cursor,
      crm::common::FeedConsumer::LoadCursor(*consumer_pool, "test-consumer"));
  EXPECT_EQ(cursor, 21);
  const std::string rendered = metrics.Render();
  EXPECT_THAT(rendered, ::testing::HasSubstr(
                            "crm_feed_consumer_last_sequence{consumer=\"test-"
                            "consumer\"} 21"));
  EXPECT_THAT(rendered, ::testing::HasSubstr(
                            "crm_feed_consumer_lag_events{consumer=\"test-"
                            "consumer\"} 0"));
  EXPECT_THAT(rendered,
              ::testing::HasSubstr("crm_feed_consumer_reconnects_total"));
}

// A scripted feed: the events after the cursor it was opened at, then it
// blocks like a tailing stream until cancelled. With `gated`, it hands on
// the first event, then waits for Release() before the rest.
class ScriptedFeedStream final : public crm::common::FeedStream {
 public:
  ScriptedFeedStream(int64_t after, int64_t last, bool gated)
      : first_(after + 1), next_(after + 1), last_(last), released_(!gated) {}
  bool Next(crm::common::FeedItem* item) override {
    absl::MutexLock lock(&mu_);
    if (next_ > first_) {
      auto go_on = [this] { return released_ || cancelled_; };
      mu_.Await(absl::Condition(&go_on));
    }
    if (next_ <= last_ && !cancelled_) {
      item->sequence = next_++;
      item->payload = absl::StrCat("event ", item->sequence);
      return true;
    }
    exhausted_ = true;  // The reader has handed on everything before this.
    mu_.Await(absl::Condition(&cancelled_));
    return false;
  }
  absl::Status Finish() override { return absl::CancelledError("cancelled"); }
  void Cancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    released_ = true;
  }
  bool exhausted() const {
    absl::MutexLock lock(&mu_);
    return exhausted_;
  }

 private:
  mutable absl::Mutex mu_;
  const int64_t first_;
  int64_t next_;
  const int64_t last_;
  bool released_;
  bool cancelled_ = false;
  bool exhausted_ = false;
};

TEST_F(ChangeFeedTest, ConsumerAppliesABacklogInOneTransactionAndFallsBack) {
  ConsumerDatabase consumer_db = NewConsumerDatabase(2);
  ASSERT_NE(consumer_db.pool, nullptr);
  crm::common::MySqlPool* consumer_pool = consumer_db.pool.get();
  absl::Mutex mu;
  std::vector<int64_t> opened_after;
  std::vector<int64_t> apply_calls;
  ScriptedFeedStream* current = nullptr;
  int failures_left = 2;
  crm::common::Metrics metrics;
  crm::common::FeedConsumer consumer(
      *consumer_pool,
      [&](int64_t after)
          -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
        // The first stream holds its backlog until the first event is being
        // applied, so the first batch is that event alone.
        auto stream =
            std::make_unique<ScriptedFeedStream>(after, 20, after == 0);
        absl::MutexLock lock(&mu);
        opened_after.push_back(after);
        current = stream.get();
        return std::unique_ptr<crm::common::FeedStream>(std::move(stream));
      },
      [&](sql::Connection& c, int64_t sequence,
          absl::string_view payload) -> absl::Status {
        EXPECT_EQ(payload, absl::StrCat("event ", sequence));
        std::unique_ptr<sql::PreparedStatement> insert(
            c.prepareStatement("INSERT INTO applied (sequence) VALUES (?)"));
        insert->setInt64(1, sequence);
        insert->executeUpdate();
        absl::MutexLock lock(&mu);
        apply_calls.push_back(sequence);
        if (sequence == 1) {
          // Lets the backlog through and holds the first event until all of
          // it is buffered, so the next batch is exactly 2..20.
          current->Release();
          mu.Unlock();
          const bool buffered = crm::testing::WaitUntil([&] {
            absl::MutexLock inner(&mu);
            return current->exhausted();
          });
          mu.Lock();
          EXPECT_TRUE(buffered);
        }
        // Fails at 15 twice after writing: in the batch 2..20, then alone.
        if (sequence == 15 && failures_left > 0) {
          --failures_left;
          return absl::InternalError("injected failure");
        }
        return absl::OkStatus();
      },
      {.consumer = "batching-consumer",
       .initial_backoff = absl::Milliseconds(10),
       .max_backoff = absl::Milliseconds(50),
       .max_batch_events = 100,
       .transaction = {},
       .metrics = &metrics});
  consumer.Start();
  EXPECT_TRUE(
      crm::testing::WaitUntil([&] { return consumer.last_sequence() >= 20; }));
  EXPECT_TRUE(
      crm::testing::ReturnsWithin(absl::Seconds(20), [&] { consumer.Stop(); }));

  std::vector<int64_t> expected_calls = {1};
  for (int64_t s = 2; s <= 15; ++s) expected_calls.push_back(s);  // Batch.
  for (int64_t s = 2; s <= 15; ++s) expected_calls.push_back(s);  // Alone.
  for (int64_t s = 15; s <= 20; ++s) expected_calls.push_back(s);
  {
    absl::MutexLock lock(&mu);
    EXPECT_EQ(apply_calls, expected_calls);
    // The fallback committed 2..14 before the failing event.
    EXPECT_EQ(opened_after, (std::vector<int64_t>{0, 14}));
  }
  CRM_ASSERT_OK_AND_ASSIGN(int64_t applied, CountApplied(*consumer_pool));
  EXPECT_EQ(applied, 20);
  CRM_ASSERT_OK_AND_ASSIGN(int64_t cursor,
                           crm::common::FeedConsumer::LoadCursor(
                               *consumer_pool, "batching-consumer"));
  EXPECT_EQ(cursor, 20);
  const std::string rendered = metrics.Render();
  EXPECT_THAT(rendered,
              ::testing::HasSubstr("crm_feed_consumer_applied_total{consumer="
                                   "\"batching-consumer\"} 20"));
}

TEST_F(ChangeFeedTest, ApplyBatchSkipsAppliedEventsAndRollsBackAsOne) {
  ConsumerDatabase consumer_db = NewConsumerDatabase(2);
  ASSERT_NE(consumer_db.pool, nullptr);
  crm::common::MySqlPool* consumer_pool = consumer_db.pool.get();
  bool fail_at_9 = true;
  crm::common::FeedConsumer consumer(
      *consumer_pool,
      [](int64_t) -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
        return absl::UnimplementedError("not streamed in this test");
      },
      [&](sql::Connection& c, int64_t sequence, absl::string_view) {
        std::unique_ptr<sql::PreparedStatement> insert(
            c.prepareStatement("INSERT INTO applied (sequence) VALUES (?)"));
        insert->setInt64(1, sequence);
        insert->executeUpdate();
        return sequence == 9 && fail_at_9 ? absl::AbortedError("injected")
                                          : absl::OkStatus();
      },
      {.consumer = "batch-direct"});
  auto items = [](std::vector<int64_t> sequences) {
    std::vector<crm::common::FeedItem> out;
    for (int64_t s : sequences) out.push_back({.sequence = s, .payload = "p"});
    return out;
  };
  auto count_applied = [&] {
    return CountApplied(*consumer_pool).value_or(-1);
  };
  EXPECT_THAT(consumer.ApplyBatch(items({1, 2, 3})), IsOkAndHolds(3));
  // 2 and 3 are at or below the cursor: only 4 and 5 apply.
  EXPECT_THAT(consumer.ApplyBatch(items({2, 3, 4, 5})), IsOkAndHolds(2));
  EXPECT_EQ(count_applied(), 5);
  // A failure anywhere rolls back the whole batch and keeps the cursor.
  EXPECT_THAT(consumer.ApplyBatch(items({6, 7, 8, 9, 10})),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(count_applied(), 5);
  EXPECT_THAT(
      crm::common::FeedConsumer::LoadCursor(*consumer_pool, "batch-direct"),
      IsOkAndHolds(5));
  fail_at_9 = false;
  EXPECT_THAT(consumer.ApplyBatch(items({6, 7, 8, 9, 10})), IsOkAndHolds(5));
  EXPECT_THAT(consumer.ApplyBatch(items({})), IsOkAndHolds(0));
  EXPECT_EQ(count_applied(), 10);
  EXPECT_EQ(consumer.last_sequence(), 10);
}

TEST_F(ChangeFeedTest, DelayHistogramTimesEachAppliedEventWithATime) {
  ConsumerDatabase consumer_db = NewConsumerDatabase(2);
  ASSERT_NE(consumer_db.pool, nullptr);
  crm::common::Metrics metrics;
  crm::common::FeedConsumer consumer(
      *consumer_db.pool,
      [](int64_t) -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
        return absl::UnimplementedError("not streamed in this test");
      },
      [](sql::Connection&, int64_t, absl::string_view) {
        return absl::OkStatus();
      },
      {.consumer = "delays", .metrics = &metrics});
  const absl::Time now = absl::Now();
  auto item = [](int64_t sequence, absl::Time event_time) {
    crm::common::FeedItem out;
    out.sequence = sequence;
    out.payload = "p";
    out.event_time = event_time;
    return out;
  };
  // Two events committed 40 ms ago by their producer, one without a time.
  EXPECT_THAT(consumer.ApplyBatch({item(1, now - absl::Milliseconds(40)),
                                   item(2, now - absl::Milliseconds(40)),
                                   item(3, absl::InfinitePast())}),
              IsOkAndHolds(3));
  // 2 and 3 again (not applied, not timed) and one 10 minutes old.
  EXPECT_THAT(consumer.ApplyBatch({item(2, now - absl::Milliseconds(40)),
                                   item(3, absl::InfinitePast()),
                                   item(4, now - absl::Minutes(10))}),
              IsOkAndHolds(1));
  const std::string rendered = metrics.Render();
  EXPECT_THAT(rendered, ::testing::HasSubstr(
                            "crm_feed_consumer_delay_seconds_count{consumer="
                            "\"delays\"} 3"));
  // 40 ms (plus the transaction) is above 30 ms; 10 minutes above 300 s.
  EXPECT_THAT(rendered, ::testing::HasSubstr(
                            "crm_feed_consumer_delay_seconds_bucket{consumer="
                            "\"delays\",le=\"0.03\"} 0"));
  EXPECT_THAT(rendered, ::testing::HasSubstr(
                            "crm_feed_consumer_delay_seconds_bucket{consumer="
                            "\"delays\",le=\"300\"} 2"));
  EXPECT_THAT(rendered, ::testing::HasSubstr(
                            "crm_feed_consumer_delay_seconds_bucket{consumer="
                            "\"delays\",le=\"+Inf\"} 3"));
}

// The child consumer process (feed_consumer_child.cc).
class ChildConsumer {
 public:
  ChildConsumer(const std::string& address, const std::string& database,
                int64_t stop_after, int delay_ms) {
    std::vector<std::string> args = {CRM_FEED_CONSUMER_CHILD,
                                     address,
                                     database,
                                     "child-consumer",
                                     absl::StrCat(stop_after),
                                     absl::StrCat(delay_ms)};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    spawned_ = posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(),
                           environ) == 0;
  }
  ~ChildConsumer() {
    if (running()) Kill();
  }
  bool running() const { return spawned_ && !reaped_; }
  void Kill() {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
  }
  // Waits for a normal exit; its exit code, or -1 on timeout (then killed).
  int WaitForExit(absl::Duration timeout) {
    int exit_code = -1;
    const bool exited = crm::testing::WaitUntil(
        [&] {
          int status = 0;
          if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
          reaped_ = true;
          exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -2;
          return true;
        },
        timeout, absl::Milliseconds(20));
    if (!exited) Kill();
    return exit_code;
  }
  bool spawned() const { return spawned_; }

 private:
  pid_t pid_ = 0;
  bool spawned_ = false;
  bool reaped_ = false;
};

TEST_F(ChangeFeedTest, ChildConsumerKilledMidStreamAppliesEverythingOnce) {
  auto consumer_db = NewDatabase("child");
  ASSERT_NE(consumer_db, nullptr);
  auto consumer_pool = consumer_db->NewPool(2);
  ASSERT_THAT(crm::common::ApplyMigrations(*consumer_pool,
                                           {&crm::common::CommonMigrations()}),
              IsOk());
  ASSERT_THAT(
      consumer_db->Execute(
          "CREATE TABLE consumer_totals (customer VARCHAR(80) "
          "PRIMARY KEY, total BIGINT NOT NULL, events BIGINT NOT NULL)"),
      IsOk());
  ASSERT_THAT(consumer_db->Execute(
                  "CREATE TABLE consumer_applied (sequence BIGINT NOT NULL)"),
              IsOk());

  std::map<std::string, int64_t> expected;
  int64_t last = 0;
  auto produce = [&](int n) {
    for (int i = 0; i < n; ++i) {
      const std::string customer = absl::StrCat("c", (last + i) % 7);
      const int64_t amount = 100 + (last + i) * 3;
      const int64_t seq = AppendOrder(*pool_, &written_, customer, amount);
      ASSERT_EQ(seq, last + i + 1);
      expected[absl::StrCat("customers/", customer)] += amount;
    }
    last += n;
  };
  auto cursor = [&] {
    absl::StatusOr<int64_t> c =
        crm::common::FeedConsumer::LoadCursor(*consumer_pool, "child-consumer");
    return c.ok() ? *c : -1;
  };
  auto kill_when_cursor_reaches = [&](ChildConsumer& child, int64_t at) {
    crm::testing::WaitUntil([&] { return cursor() >= at; }, absl::Seconds(60));
    ASSERT_GE(cursor(), at);
    child.Kill();
  };

  produce(300);
  FeedTestServer server(*pool_, notifier_);
  ASSERT_FALSE(server.address().empty());

  const int64_t before_first_kill = [&] {
    ChildConsumer child(server.address(), consumer_db->name(), 1 << 30, 2);
    EXPECT_TRUE(child.spawned());
    kill_when_cursor_reaches(child, 80);
    return cursor();
  }();
  EXPECT_LT(before_first_kill, 300);  // Killed mid-stream.
  produce(150);
  {
    ChildConsumer child(server.address(), consumer_db->name(), 1 << 30, 2);
    kill_when_cursor_reaches(child, before_first_kill + 100);
  }
  EXPECT_LT(cursor(), 450);
  {
    // The last run also tails events produced while it runs.
    ChildConsumer child(server.address(), consumer_db->name(), 600, 1);
    produce(150);
    EXPECT_EQ(child.WaitForExit(absl::Seconds(90)), 0);
  }
  EXPECT_EQ(cursor(), 600);

  CRM_ASSERT_OK_AND_ASSIGN(
      auto totals,
      (crm::common::WithConnection<std::map<std::string, int64_t>>(
          *consumer_pool,
          [](sql::Connection& c)
              -> absl::StatusOr<std::map<std::string, int64_t>> {
            std::map<std::string, int64_t> out;
            std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(
                "SELECT customer, total FROM consumer_totals"));
            std::unique_ptr<sql::ResultSet> rows(st->executeQuery());
            while (rows->next()) {
              out[rows->getString(1)] = rows->getInt64(2);
            }
            return out;
          })));
  EXPECT_EQ(totals, expected);
  CRM_ASSERT_OK_AND_ASSIGN(
      int64_t applied,
      (crm::common::WithConnection<int64_t>(
          *consumer_pool, [](sql::Connection& c) -> absl::StatusOr<int64_t> {
            std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(
                "SELECT COUNT(*), COUNT(DISTINCT sequence), MIN(sequence), "
                "MAX(sequence) FROM consumer_applied"));
            std::unique_ptr<sql::ResultSet> rows(st->executeQuery());
            rows->next();
            if (rows->getInt64(1) != rows->getInt64(2) ||
                rows->getInt64(3) != 1 || rows->getInt64(4) != 600) {
              return absl::InternalError("applied log is not exactly 1..600");
            }
            return static_cast<int64_t>(rows->getInt64(1));
          })));
  EXPECT_EQ(applied, 600);
}

}  // namespace
}  // namespace crm::customer_profile

// The consumer side of a change feed (BRIEF §3), shared by every service
// that follows another's feed: applies each event exactly once to the
// consumer's own database.
//
// Events are applied in batches: the events already received when the
// previous batch committed (at most options.max_batch_events; one when the
// consumer keeps up with the feed) go into ONE transaction of the consumer's
// database: lock the consumer's cursor row (table feed_consumer_cursors,
// common migration 0003), skip each event whose sequence is not above the
// cursor, run `apply` for the others in feed order on the same connection,
// and store the last one's sequence as the cursor. A crash at any point
// either commits the effects and the cursor together or neither, so after a
// restart (which resumes after the stored cursor) nothing is lost or applied
// twice. If a batch of several events fails, its events are applied again
// one per transaction, so those before a failing event still commit.
//
// A reader thread per open stream receives ahead of the applier, into a
// buffer of at most 2 * max_batch_events events.
//
//   FeedConsumer consumer(
//       own_pool,
//       MakeCustomerProfileFeedOpener(stub),       // change_feed_client.h
//       [&](sql::Connection& c, int64_t seq, absl::string_view payload) {
//         v1::ChangeEvent e;
//         if (!e.ParseFromString(payload)) return absl::DataLossError("...");
//         ... statements on `c` ...
//         return absl::OkStatus();
//       },
//       {.consumer = "segmentation"});
//   consumer.Start();   // background thread
//   ...
//   consumer.Stop();    // cancels the stream, joins
//
// The stream is reopened after any error (stream or apply) with capped,
// jittered exponential backoff, resuming from the stored cursor. `apply`
// may be called again for an event whose transaction failed or was retried,
// so it must have no effects outside the connection's transaction.
//
// Metrics (Metrics::Default() unless options.metrics is set), labelled
// {consumer="<name>"}:
//   crm_feed_consumer_last_sequence   cursor after the last applied event
//   crm_feed_consumer_lag_events      highest sequence known on the feed
//                                     (FeedItem.head_sequence, else the
//                                     highest received) minus the cursor
//   crm_feed_consumer_applied_total   events applied (skipped ones excluded)
//   crm_feed_consumer_batches_total   transactions that applied events (so
//                                     applied / batches = events per commit)
//   crm_feed_consumer_reconnects_total  streams reopened after an error
//   crm_feed_consumer_batch_seconds   histogram: each transaction that
//                                     applied events, from its start to its
//                                     commit (retries included)
//   crm_feed_consumer_receive_delay_seconds  histogram: from an event's
//                                     time on the feed to its arrival here,
//                                     before it waits for the applier (the
//                                     producer's and the stream's share)
//   crm_feed_consumer_delay_seconds   histogram: from an event's time on
//                                     the feed (FeedItem.event_time: its
//                                     producer's commit, that process's
//                                     clock) to the commit that applied it
//                                     here (this process's clock)
#pragma once

#include <cppconn/connection.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/metrics.h"
#include "services/common/mysql_pool.h"
#include "services/common/transaction.h"

namespace crm::common {

// One event as received from a feed.
struct FeedItem {
  int64_t sequence = 0;  // > 0, increasing along a stream.
  std::string payload;   // The feed's serialized event message.
  // Latest sequence the producer reported, if the transport carries it
  // (0 = unknown); only used for the lag metric.
  int64_t head_sequence = 0;
  // When the producer committed the event, if the transport carries it
  // (InfinitePast = unknown); only used for the delay metric.
  absl::Time event_time = absl::InfinitePast();
};

// An open stream of a feed, read from one thread; Cancel() may be called
// from any thread.
class FeedStream {
 public:
  virtual ~FeedStream() = default;
  // Blocks until the next event (true) or the end of the stream (false, then
  // call Finish()).
  virtual bool Next(FeedItem* item) = 0;
  // Why the stream ended. Only after Next() returned false.
  virtual absl::Status Finish() = 0;
  // Makes a blocked or later Next() return false promptly.
  virtual void Cancel() = 0;
};

// Opens a stream of the events with sequence > `after_sequence`. Must not
// block for long (connection failures surface as a failed Next()/Finish()).
using FeedStreamOpener =
    std::function<absl::StatusOr<std::unique_ptr<FeedStream>>(
        int64_t after_sequence)>;

// Applies one event to the consumer's database on `connection`, inside the
// consumer's transaction. A non-OK status rolls the transaction back (the
// cursor does not move) and reconnects after a backoff; deadlocks are
// retried like any RunInTransaction body.
using FeedApplyFunction = std::function<absl::Status(
    sql::Connection& connection, int64_t sequence, absl::string_view payload)>;

// Applies several events, in feed order, to the consumer's database on
// `connection` inside one transaction of the consumer (a batch; see the file
// comment): the same contract as FeedApplyFunction for all of them at once.
// For consumers that answer a batch with fewer statements than its events
// one by one would take.
using FeedBatchApplyFunction = std::function<absl::Status(
    sql::Connection& connection, const std::vector<FeedItem>& items)>;

struct FeedConsumerOptions {
  // Cursor row key and metric label: 1 to 64 characters of [a-z0-9_.-].
  std::string consumer;
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(10);
  // Most events applied in one transaction (>= 1; 1 = one per event).
  int max_batch_events = 100;
  TransactionOptions transaction;
  Metrics* metrics = nullptr;  // nullptr: Metrics::Default().
};

class FeedConsumer {
 public:
  // `pool` must outlive the consumer.
  FeedConsumer(MySqlPool& pool, FeedStreamOpener open, FeedApplyFunction apply,
               FeedConsumerOptions options);
  // The same with a batch apply function: each transaction hands it every
  // event of the batch above the cursor.
  FeedConsumer(MySqlPool& pool, FeedStreamOpener open,
               FeedBatchApplyFunction apply_batch, FeedConsumerOptions options);
  FeedConsumer(const FeedConsumer&) = delete;
  FeedConsumer& operator=(const FeedConsumer&) = delete;
  ~FeedConsumer();  // Stop().

  // Runs Run() on a background thread. Call at most once.
  void Start();
  // Asks Run() to return, cancelling the open stream and any backoff wait,
  // and joins the background thread if Start() made one. Thread-safe,
  // idempotent; returns once the consumer has stopped.
  void Stop();

  // Consumes until Stop(): opens a stream after the stored cursor, applies
  // events, reopens with backoff on errors. Returns OK after Stop();
  // INVALID_ARGUMENT at once if the consumer name is invalid.
  absl::Status Run();

  // Applies one event exactly once (see the file comment). Returns true if
  // it was applied, false if it was at or below the cursor (skipped).
  absl::StatusOr<bool> ApplyOne(int64_t sequence, absl::string_view payload);

  // Applies `items` (increasing sequences) in one transaction as described
  // in the file comment, without the one-per-transaction fallback. Returns
  // how many were applied (the rest were at or below the cursor).
  absl::StatusOr<int> ApplyBatch(const std::vector<FeedItem>& items);

  // The stored cursor of `consumer` in `pool`'s database (0 if none).
  static absl::StatusOr<int64_t> LoadCursor(MySqlPool& pool,
                                            absl::string_view consumer);

  // Cursor after the last event this object applied or loaded.
  int64_t last_sequence() const;

 private:
  // Waits up to `d` or until Stop(); true if stopping.
  bool SleepUnlessStopped(absl::Duration d);
  bool stopping() const;
  void PublishMetrics();
  // Applies the events of one open stream until it ends, an event fails or
  // Stop(); returns the apply error, if any, and the failed sequence.
  absl::Status ConsumeStream(FeedStream& stream, int64_t* failed_sequence,
                             absl::Duration* backoff);
  // ApplyBatch, then one per transaction if a batch of several failed.
  absl::Status ApplyWithFallback(const std::vector<FeedItem>& items,
                                 int64_t* failed_sequence);
  // Counts a committed batch whose last `applied` items were new, whose
  // transaction took `took`.
  void RecordApplied(const std::vector<FeedItem>& items, int applied,
                     absl::Duration took);

  MySqlPool& pool_;
  const FeedStreamOpener open_;
  const FeedBatchApplyFunction apply_batch_;
  const FeedConsumerOptions options_;
  Metrics& metrics_;

  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  FeedStream* stream_ ABSL_GUARDED_BY(mu_) = nullptr;  // While one is open.
  int64_t last_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t head_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
  absl::Mutex join_mu_;
};

}  // namespace crm::common

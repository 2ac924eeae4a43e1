// Numbers a change feed's committed outbox events (change_feed_outbox.h)
// 1, 2, 3, ... without gaps, after the writers' commits, so that no writer
// waits on a feed-wide lock.
//
//   FeedNotifier written;    // writers Notify() after commit
//   FeedNotifier sequenced;  // tailing readers wait on it
//   ChangeFeedSequencer sequencer(pool, "customer_profile", written,
//                                 sequenced);
//   sequencer.Start();
//   ...
//   sequencer.Stop();  // before the pool closes; prompt (one pass at most)
//
// One pass is one transaction:
//  1. lock the feed's counter row (created at 0 if missing) FOR UPDATE: it
//     serialises sequencers, so several replicas may each run one (a
//     counter lock is never held by a writer: writers do not wait on it);
//  2. SELECT the oldest unnumbered events ORDER BY id LIMIT n FOR UPDATE
//     SKIP LOCKED, which skips the rows of writers that have not committed;
//  3. number them last+1, last+2, ... in id order, store the new last number
//     in the counter row, commit. Readers therefore see every number up to
//     the counter at once, in contiguous blocks: the feed has no gaps and a
//     rolled-back writer leaves no row, hence no hole.
//
// Why skipping uncommitted rows cannot break per-customer order: a pass
// numbers only committed rows, in id order, and skips the row of any writer
// W1 still open. Take a row numbered in the pass, of a committed writer W2.
// If W1 and W2 conflict on a row lock (e.g. the customer's), the later of
// them to get it waited for the other's commit (InnoDB holds row locks until
// commit) and, by the writer contract, appended only afterwards. W1 is still
// open, so W2 cannot have waited for it: W1 got the lock after W2 committed,
// and W1 will commit after W2. Numbering W2 now and W1 in a later pass
// (always with a higher number) is therefore the commit order. If they do not
// conflict, neither saw the other's writes and either order is a valid serial
// order. Among the committed rows of one pass, id order agrees with commit
// order for every conflicting pair (change_feed_outbox.h). Several
// sequencers never skip each other's rows: the counter lock admits one pass
// at a time, and a pass's row locks end with its commit.
//
// The background thread (Start) runs a pass whenever `written` is notified
// (writers of this process, just after their commit: latency in
// milliseconds, at most min_pass_interval after the previous pass) and at
// least every `poll_interval` (other replicas' writers), repeats at once
// while passes come back full, and notifies `sequenced` after each
// pass that numbered events. Errors (e.g. the database is down) are logged
// and retried with backoff; they never stop the thread.
#pragma once

#include <cppconn/connection.h>

#include <cstdint>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/mysql_pool.h"

namespace crm::common {

struct ChangeFeedSequencerOptions {
  int batch_size = 1000;  // Events numbered per pass (transaction).
  // Longest wait between passes when `written` is not notified; bounds the
  // latency of other replicas' events.
  absl::Duration poll_interval = absl::Milliseconds(50);
  // Shortest time from the start of one pass to the start of the next,
  // unless the last pass was full. Writers' notifications arriving meanwhile
  // are served by one pass: under load a pass numbers many events instead
  // of one (each pass is a transaction with its own commit, and on a
  // CPU-bound host one pass per write costs the writers throughput), at the
  // price of at most this much extra feed latency.
  absl::Duration min_pass_interval = absl::Milliseconds(10);
  // Longest wait between attempts after a failing pass.
  absl::Duration max_error_backoff = absl::Seconds(2);
};

class ChangeFeedSequencer {
 public:
  // `pool`, `written` and `sequenced` must outlive the sequencer.
  ChangeFeedSequencer(MySqlPool& pool, std::string feed, FeedNotifier& written,
                      FeedNotifier& sequenced,
                      ChangeFeedSequencerOptions options = {});
  ~ChangeFeedSequencer();  // Stop().
  ChangeFeedSequencer(const ChangeFeedSequencer&) = delete;
  ChangeFeedSequencer& operator=(const ChangeFeedSequencer&) = delete;

  // Starts the background thread; at most once.
  void Start();
  // Stops and joins the background thread: returns once any pass in flight
  // has ended (committed or rolled back). Idempotent; no-op if not started.
  void Stop();

  // Runs passes on the calling thread until one numbers nothing, notifying
  // `sequenced` if any were numbered; how many were numbered. For tests and
  // tools; safe alongside the background thread (the counter lock
  // serialises them).
  absl::StatusOr<int64_t> SequencePending();

  // One pass inside the caller's transaction on `connection` (see above):
  // numbers up to `limit` committed unnumbered events of `feed`; how many.
  // Run it at READ COMMITTED (RunPass does): under REPEATABLE READ the
  // locking scan also takes gap locks that make writers' inserts wait for
  // the pass to commit.
  static absl::StatusOr<int> SequenceBatch(sql::Connection& connection,
                                           absl::string_view feed, int limit);

 private:
  absl::StatusOr<int> RunPass();
  void Loop();
  // Waits until `until` or Stop(), whichever comes first.
  void SleepUntil(absl::Time until);
  bool stopping() const;

  MySqlPool& pool_;
  const std::string feed_;
  FeedNotifier& written_;
  FeedNotifier& sequenced_;
  const ChangeFeedSequencerOptions options_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace crm::common

// Group commit for concurrent writers: a UnitOfWork that runs the bodies of
// concurrent Run() calls one after another inside ONE transaction of the
// wrapped unit of work, so a batch pays one START TRANSACTION and one durable
// COMMIT (one log flush) instead of one per request. Concurrent
// ReadCombinable() reads are batched too, apart from writes (below).
//
//   MySqlUnitOfWork unit_of_work(pool);
//   GroupCommitUnitOfWork batched(unit_of_work,
//                                 GroupCommitOptionsFrom(config).value());
//   OrderManagerImpl orders(batched, ...);   // RecordOrder, RecordEvents
//
// Batching. The first Run() that finds no open batch opens one and leads it;
// later calls join it until it holds max_batch_size requests. The leader
// starts the batch as soon as (a) it is full, or (b) fewer than
// max_concurrent_batches batches are running, or (c) max_wait has passed
// since it opened. So an idle service runs every request at once, alone
// (no added latency), and a busy one queues requests behind the running
// batches and commits them together: the queue is what batching feeds on.
//
// THE LATENCY TRADE-OFF: a request may wait up to max_wait for its batch to
// start, then for the bodies queued before it in the batch and for the one
// commit; in exchange the commit (and transaction start) is paid once per
// batch, which is what bounds throughput when commits are durable
// (innodb_flush_log_at_trx_commit=1). A larger max_batch_size and max_wait
// raise throughput under load and p99 latency; max_batch_size = 1 turns
// batching off (every Run() goes straight to the wrapped unit of work).
//
// Semantics are those of the wrapped unit of work, per request:
// - One result per request. A batch commits only when every body in it
//   returned OK. When body i fails, the batch is rolled back; request i is
//   then run ALONE in its own transaction (so its result, error or not, is
//   exactly what an unbatched run gives), and the others are batched again
//   without it. When the batch fails after all bodies succeeded (commit
//   error, deadline, exhausted conflict retries), every request is run
//   alone. A failing request therefore never fails its neighbours.
// - Bodies must be safe to run more than once (as for any Run()): a body
//   may run in a batch that is rolled back and then again.
// - The batch's transaction has the earliest deadline of its requests (the
//   statement bound follows it) and no cancellation; a request whose
//   deadline passed or that was cancelled while waiting is refused without
//   running, like Run() does. Within a batch, Transaction::context() is the
//   batch's context, not the request's.
// - Change feed: each body still appends its events after its own row
//   locks, so events of one key (one customer) stay in commit order; two
//   batched requests of different keys are concurrent, so either order is
//   valid (change_feed_outbox.h's writer contract, per request).
//
// Set-based batches: requests made with RunCombinable() and the same
// RequestCombiner are run by ONE RunTogether() call of the combiner (at the
// place of the first of them) instead of their bodies one after another, so
// a batch of N orders costs a few multi-row statements rather than N sets.
// When that call fails, those requests run alone (their bodies) and the
// others are batched again without them. A combiner with only one request
// in a batch runs that request's body.
//
// Reads: ReadCombinable() calls are batched the same way, in batches of
// their own (never with writes), each batch one Read() of the wrapped unit
// of work in which a combiner's RunTogether() reads for all its requests;
// a failed call runs its requests alone (their bodies, through Read()).
// This coalesces concurrent point reads into one statement per kind of row.
// A read checks only its deadline on arrival, as MySqlUnitOfWork::Read does.
//
// Read() is passed through unchanged. Thread-safe; every Run() must have
// returned before the object is destroyed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/config.h"
#include "services/common/unit_of_work.h"

namespace crm::common {

struct GroupCommitOptions {
  // Most requests per transaction; 1 = no batching.
  int max_batch_size = 32;
  // Longest a request waits for its batch to start.
  absl::Duration max_wait = absl::Milliseconds(1);
  // A batch starts at once while fewer batches than this are running. Each
  // running batch holds one connection and runs its plain bodies one after
  // another, so a low value trades the concurrency of their round trips for
  // fewer commits; requests made with RunCombinable() cost a batch about
  // what one of them costs alone, so for them a low value is all gain
  // (bench/README.md: RecordOrder at 8 and 32 callers, 1, 2 and 8 batches).
  int max_concurrent_batches = 2;
};

// The settings `group_commit_max_batch`, `group_commit_max_wait` and
// `group_commit_max_concurrent` (flags), with environment fallbacks
// <env_prefix>_GROUP_COMMIT_MAX_BATCH, _MAX_WAIT and _MAX_CONCURRENT and the
// defaults of GroupCommitOptions; for a service's extra_options.
std::vector<ConfigOption> GroupCommitConfigOptions(
    const std::string& env_prefix);

// The options from a Config that declared GroupCommitConfigOptions();
// INVALID_ARGUMENT naming the flag when a value does not parse or is out of
// range (batch size and concurrency >= 1, wait >= 0).
absl::StatusOr<GroupCommitOptions> GroupCommitOptionsFrom(const Config& config);

class GroupCommitUnitOfWork final : public UnitOfWork {
 public:
  // What the batcher did so far (for tests, benchmarks and metrics).
  struct Stats {
    // Transactions started for batches of two or more requests.
    int64_t batches = 0;
    // Requests that committed as part of such a batch.
    int64_t batched_requests = 0;
    // Requests run alone: a batch of one, or after their batch failed.
    int64_t solo_runs = 0;
    // The largest batch started.
    int64_t largest_batch = 0;
    // Of batched_requests, those whose work ran in a combiner's
    // RunTogether() call.
    int64_t combined_requests = 0;
  };

  // `inner` and `clock` must outlive this object.
  GroupCommitUnitOfWork(UnitOfWork& inner, GroupCommitOptions options,
                        const Clock& clock = SystemClock::Instance());
  ~GroupCommitUnitOfWork() override = default;

  absl::Status Run(
      const RequestContext& context,
      const std::function<absl::Status(Transaction&)>& body) override;
  absl::Status Read(
      const RequestContext& context,
      const std::function<absl::Status(Transaction&)>& body) override;
  using UnitOfWork::Read;
  using UnitOfWork::Run;

  Stats stats() const;
  // Requests waiting in the open batches (test hook).
  int waiting() const;

 protected:
  absl::Status RunCombinableErased(
      const RequestContext& context,
      const std::function<absl::Status(Transaction&)>& body,
      RequestCombiner& combiner, void* item) override;
  absl::Status ReadCombinableErased(
      const RequestContext& context,
      const std::function<absl::Status(Transaction&)>& body,
      RequestCombiner& combiner, void* item) override;

 private:
  struct Request;
  struct Batch;

  // What RunBatch() did.
  struct BatchOutcome {
    // Indexes of the requests to run alone: empty when the batch committed;
    // those of the body or combiner call that failed, or all of them when
    // the batch failed after every call succeeded.
    std::vector<size_t> failed;
    // Requests whose work ran in a combiner's RunTogether() call.
    int64_t combined = 0;
  };
  // Run(), RunCombinableErased() and (`read`) ReadCombinableErased():
  // `combiner` and `item` null for a plain body.
  absl::Status Submit(const RequestContext& context,
                      const std::function<absl::Status(Transaction&)>& body,
                      RequestCombiner* combiner, void* item, bool read = false);
  // Runs `request`'s body alone in the wrapped unit of work (Read() for a
  // read), under its deadline only.
  absl::Status RunAlone(const Request& request);
  // The index of `request`'s kind in open_ and running_: 0 write, 1 read.
  static int KindOf(const Request& request);
  // Runs the requests of a closed batch; sets every request's outcome.
  void Execute(std::vector<Request*> requests);
  // Runs `requests` (two or more, all reads or all writes) in one
  // transaction, or one Read() for reads.
  BatchOutcome RunBatch(const std::vector<Request*>& requests);
  // Marks `request` finished with `status` or to be run alone by its caller.
  void Finish(Request& request, absl::Status status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishAlone(Request& request) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  UnitOfWork& inner_;
  const GroupCommitOptions options_;
  const Clock& clock_;

  mutable absl::Mutex mu_;
  // Index 0: writes; 1: reads.
  Batch* open_[2] ABSL_GUARDED_BY(mu_) = {nullptr, nullptr};
  int running_[2] ABSL_GUARDED_BY(mu_) = {0, 0};
  Stats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace crm::common

// The transactional outbox behind a service's change feed (BRIEF §3).
//
// A service appends an event on the same connection, inside the same
// transaction, as the state change it describes. Append takes no feed-wide
// lock (concurrent appenders never wait for each other): it inserts the
// event with sequence NULL and an AUTO_INCREMENT id, the write-order key.
// After commit, the ChangeFeedSequencer (change_feed_sequencer.h) numbers
// committed events 1, 2, 3, ... in id order without gaps; readers (ReadAfter,
// LastSequence) see only numbered events.
//
//   RunInTransaction(pool, [&](sql::Connection& c) -> absl::Status {
//     ... SELECT ... FOR UPDATE / UPDATE customers ...   (all row locks)
//     CRM_RETURN_IF_ERROR(ChangeFeedOutbox::Append(
//         c, "customers", {.type = 2, .key = id, .payload = bytes}, now));
//                                                         (last statement)
//     return absl::OkStatus();
//   });
//   written.Notify();  // after commit: wakes the sequencer at once.
//
// THE WRITER CONTRACT. Append must come after every row lock the writer's
// transaction takes (in practice: be its last statement; several Appends at
// the end are fine). Why: the id is allocated when Append runs, not at
// commit. If transactions A and B conflict on a row (say the customer's), B
// waits for A's commit at that lock; when Append follows the lock, B's id is
// allocated after A committed, so id(A) < id(B) and the feed orders A before
// B, as the database did. A lock taken after Append could let B allocate its
// id first and still commit second. Transactions that take no common lock
// ran concurrently without observing each other, so either order is a valid
// serial order of them; and a transaction that starts after another
// committed always gets a higher id. Hence: id order, and so sequence order,
// agrees with the commit order of every pair of conflicting or
// non-overlapping transactions, in particular per customer.
// (RunIdempotent's key row is written after the body's Append; a transaction
// that waits on that row is a repeat of the same request and appends
// nothing, so it cannot be misordered.)
//
// Tables: change_feed_events and change_feed_counters (common migrations).
#pragma once

#include <cppconn/connection.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace crm::common {

struct FeedEventRecord {
  int64_t sequence = 0;   // Assigned by the sequencer; ignored on input.
  int type = 0;           // The feed's own enum value (e.g. ChangeEvent.Type).
  std::string key;        // Partition key, e.g. the customer id.
  std::string payload;    // Serialized event message (without sequence).
  absl::Time event_time;  // Assigned by Append (`now`).
};

class ChangeFeedOutbox {
 public:
  // Appends one event to feed `feed` on the caller's connection and
  // transaction, unnumbered (its id is LAST_INSERT_ID() on `connection`).
  // Must follow every row lock of the transaction (see above).
  static absl::Status Append(sql::Connection& connection,
                             absl::string_view feed,
                             const FeedEventRecord& event, absl::Time now);
  // Appends `events` in order (ascending ids) with multi-row INSERTs; the
  // same contract as Append.
  static absl::Status AppendMany(sql::Connection& connection,
                                 absl::string_view feed,
                                 const std::vector<FeedEventRecord>& events,
                                 absl::Time now);
  // Up to `limit` numbered events of `feed` with sequence > `after`,
  // ascending; only the given types when `types` is non-empty. Numbers are
  // committed in contiguous blocks, so a reader sees 1..LastSequence().
  static absl::StatusOr<std::vector<FeedEventRecord>> ReadAfter(
      sql::Connection& connection, absl::string_view feed, int64_t after,
      int limit, const std::vector<int>& types);
  // The highest committed sequence of `feed` (0 if none): the counter the
  // sequencer updates in the transaction that numbers the events.
  static absl::StatusOr<int64_t> LastSequence(sql::Connection& connection,
                                              absl::string_view feed);
  // Erasure: every event of `feed` keyed `key` gets `new_key` and the
  // payload `rewrite` makes of its own (sequences, types and times kept),
  // locked until the transaction ends. A feed that re-keys should index
  // change_feed_events (feed, `key`).
  static absl::Status ReKey(sql::Connection& connection, absl::string_view feed,
                            absl::string_view key, absl::string_view new_key,
                            const std::function<absl::StatusOr<std::string>(
                                const std::string& payload)>& rewrite);
};

// A generation counter to wake threads waiting for new events: the writers
// of this process notify one after commit to wake the sequencer; the
// sequencer notifies another after numbering events to wake tailing readers.
// Other replicas' events are found by the waiters' short fallback polls.
class FeedNotifier {
 public:
  // Call after a transaction that appended events has committed.
  void Notify();
  // Waits until Notify() is called after `seen_generation` or `timeout`
  // passes; returns the current generation.
  uint64_t WaitForChange(uint64_t seen_generation, absl::Duration timeout);
  uint64_t generation() const;

 private:
  mutable absl::Mutex mu_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace crm::common

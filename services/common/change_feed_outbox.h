// The transactional outbox behind a service's change feed (BRIEF §3).
//
// A service appends an event on the same connection, inside the same
// transaction, as the state change it describes; the event gets the next
// sequence number, 1, 2, 3, ... with no gaps: numbers are taken from a
// counter row locked until commit, so a rolled-back transaction leaves no
// hole and events become visible in sequence order.
//
//   RunInTransaction(pool, [&](sql::Connection& c) -> absl::Status {
//     ... UPDATE customers ...
//     CRM_ASSIGN_OR_RETURN(int64_t seq, ChangeFeedOutbox::Append(
//         c, "customers", {.type = 2, .key = id, .payload = bytes}, now));
//     return absl::OkStatus();
//   });
//   notifier.Notify();  // after commit: wakes tailing readers at once.
//
// Tables: change_feed_events and change_feed_counters (common migrations).
#pragma once

#include <cppconn/connection.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace crm::common {

struct FeedEventRecord {
  int64_t sequence = 0;   // Assigned by Append; ignored on input.
  int type = 0;           // The feed's own enum value (e.g. ChangeEvent.Type).
  std::string key;        // Partition key, e.g. the customer id.
  std::string payload;    // Serialized event message (without sequence).
  absl::Time event_time;  // Assigned by Append (`now`).
};

class ChangeFeedOutbox {
 public:
  // Appends one event to feed `feed` on the caller's connection and
  // transaction; returns its sequence.
  static absl::StatusOr<int64_t> Append(sql::Connection& connection,
                                        absl::string_view feed,
                                        const FeedEventRecord& event,
                                        absl::Time now);
  // Up to `limit` events of `feed` with sequence > `after`, ascending; only
  // the given types when `types` is non-empty.
  static absl::StatusOr<std::vector<FeedEventRecord>> ReadAfter(
      sql::Connection& connection, absl::string_view feed, int64_t after,
      int limit, const std::vector<int>& types);
  // The highest committed sequence of `feed` (0 if none).
  static absl::StatusOr<int64_t> LastSequence(sql::Connection& connection,
                                              absl::string_view feed);
};

// Wakes readers tailing a feed when this process commits new events. Other
// replicas' events are found by the readers' short fallback poll.
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

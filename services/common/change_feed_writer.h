// Appending to a service's change feed over the storage seam: managers hand
// the writer the unit of work's Transaction; the MySQL implementation appends
// to the transactional outbox (change_feed_outbox.h, whose writer contract
// applies: append after every row lock, in practice last).
//
//   CRM_RETURN_IF_ERROR(feed_.Append(tx, {.type = ChangeEvent::ORDER_RECORDED,
//                                         .key = customer_id,
//                                         .payload =
//                                         event.SerializeAsString()}));
//   ... after Run() returned OK:
//   feed_.NotifyCommitted();
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/clock.h"
#include "services/common/unit_of_work.h"

namespace crm::common {

class ChangeFeedWriter {
 public:
  ChangeFeedWriter(const ChangeFeedWriter&) = delete;
  ChangeFeedWriter& operator=(const ChangeFeedWriter&) = delete;
  virtual ~ChangeFeedWriter() = default;

  // Appends `event` (its sequence and event_time are assigned by the feed)
  // inside `tx`; it becomes visible to readers only if `tx` commits.
  virtual absl::Status Append(Transaction& tx,
                              const FeedEventRecord& event) = 0;
  // Appends `events` in order, as if by Append on each (their ids, and so
  // their sequences, follow the vector's order). The MySQL writer sends
  // them as multi-row INSERTs.
  virtual absl::Status AppendAll(Transaction& tx,
                                 const std::vector<FeedEventRecord>& events) {
    for (const FeedEventRecord& event : events) {
      absl::Status appended = Append(tx, event);
      if (!appended.ok()) return appended;
    }
    return absl::OkStatus();
  }
  // Tells the feed that a transaction which appended events has committed
  // (wakes the sequencer). Cheap; call after every successful Run().
  virtual void NotifyCommitted() = 0;

 protected:
  ChangeFeedWriter() = default;
};

// The outbox of feed `feed` in the service's own database.
class MySqlChangeFeedWriter final : public ChangeFeedWriter {
 public:
  // `notifier` (may be null) is notified by NotifyCommitted(); `clock` and
  // `notifier` must outlive this object.
  MySqlChangeFeedWriter(std::string feed, const Clock& clock,
                        FeedNotifier* notifier)
      : feed_(std::move(feed)), clock_(clock), notifier_(notifier) {}

  absl::Status Append(Transaction& tx, const FeedEventRecord& event) override;
  absl::Status AppendAll(Transaction& tx,
                         const std::vector<FeedEventRecord>& events) override;
  void NotifyCommitted() override;

 private:
  const std::string feed_;
  const Clock& clock_;
  FeedNotifier* const notifier_;
};

}  // namespace crm::common

// Serves a change feed from the transactional outbox (change_feed_outbox.h):
// replays the feed's numbered events after a cursor in batches, then tails
// new ones, woken by the FeedNotifier the ChangeFeedSequencer of this
// process notifies after numbering (change_feed_sequencer.h), with a short
// fallback poll for other replicas' sequencers. Only numbered events are
// read, in sequence order; numbers become visible in contiguous blocks
// 1..LastSequence, so the stream has no gaps. Cancellation and the deadline
// are checked before every read and every write, waits never outlast the
// deadline, and every read is bounded by the time left.
//
// Every service with a feed serves its WatchChanges through it:
//
//   OutboxFeedStreamer streamer(pool, sequenced, clock, "loyalty");
//   absl::Status status = WatchOutboxFeed<v1::ChangeEvent>(
//       streamer, context, request.after_sequence(), request.types(),
//       [writer](const v1::ChangeEvent& e) { return writer->Write(e); });
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/mysql_pool.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"

namespace crm::common {

struct OutboxFeedStreamerOptions {
  int batch_size = 500;  // Events read per query.
  // Longest wait between checks for new events (and for cancellation) when
  // no notification arrives; bounds the latency of other replicas' events.
  absl::Duration poll_interval = absl::Milliseconds(100);
};

class OutboxFeedStreamer {
 public:
  // `pool`, `notifier` (the one the sequencer notifies, not the writers')
  // and `clock` must outlive the streamer.
  OutboxFeedStreamer(MySqlPool& pool, FeedNotifier& notifier,
                     const Clock& clock, std::string feed,
                     OutboxFeedStreamerOptions options = {})
      : pool_(pool),
        notifier_(notifier),
        clock_(clock),
        feed_(std::move(feed)),
        options_(options) {}
  OutboxFeedStreamer(const OutboxFeedStreamer&) = delete;
  OutboxFeedStreamer& operator=(const OutboxFeedStreamer&) = delete;

  // Calls `write` for every event after `after_sequence` (≥ 0) whose type is
  // in `types` (every type when empty), in sequence order, then keeps
  // waiting for new ones. `write` answers false when the client is gone, or
  // an error that ends the stream. Returns OK when `context` is cancelled or
  // `write` answered false; DEADLINE_EXCEEDED once the context's deadline
  // passes; UNAVAILABLE (DATABASE_UNAVAILABLE) if the database fails.
  absl::Status Stream(
      const RequestContext& context, int64_t after_sequence,
      const std::vector<int>& types,
      const std::function<absl::StatusOr<bool>(const FeedEventRecord&)>& write)
      const;

 private:
  MySqlPool& pool_;
  FeedNotifier& notifier_;
  const Clock& clock_;
  const std::string feed_;
  const OutboxFeedStreamerOptions options_;
};

// The type filter of a watch request: empty (every type) when it is empty
// or names TYPE_UNSPECIFIED (0); INVALID_ARGUMENT naming `types` for a value
// `is_valid` refuses.
template <typename Types>
absl::StatusOr<std::vector<int>> FeedTypeFilter(
    const Types& requested, const std::function<bool(int)>& is_valid) {
  std::vector<int> types;
  for (int type : requested) {
    if (type == 0) return std::vector<int>{};
    if (!is_valid(type)) {
      return InvalidFieldError("types", "unknown change event type");
    }
    types.push_back(type);
  }
  return types;
}

// OutboxFeedStreamer::Stream for a feed whose payloads are serialized
// `Event` messages (fields `sequence`, `type` of enum `Event::Type`,
// `event_time`), which this fills in from the outbox row before `write`.
// INVALID_ARGUMENT naming the field for a negative `after_sequence` or an
// unknown type; INTERNAL for a payload that does not parse.
template <typename Event, typename Types>
absl::Status WatchOutboxFeed(const OutboxFeedStreamer& streamer,
                             const RequestContext& context,
                             int64_t after_sequence, const Types& requested,
                             const std::function<bool(const Event&)>& write) {
  if (after_sequence < 0) {
    return InvalidFieldError("after_sequence", "must not be negative");
  }
  absl::StatusOr<std::vector<int>> types = FeedTypeFilter(
      requested, [](int type) { return Event::Type_IsValid(type); });
  if (!types.ok()) return types.status();
  return streamer.Stream(
      context, after_sequence, *types,
      [&write](const FeedEventRecord& record) -> absl::StatusOr<bool> {
        Event event;
        if (!event.ParseFromString(record.payload)) {
          return absl::InternalError(absl::StrCat(
              "change feed event ", record.sequence, " is corrupt"));
        }
        event.set_sequence(record.sequence);
        event.set_type(static_cast<typename Event::Type>(record.type));
        *event.mutable_event_time() = ToProtoTimestamp(record.event_time);
        return write(event);
      });
}

// A service's WatchChanges over its feed: `WatchRequest` has
// `after_sequence` and `types`, `Event` is as for WatchOutboxFeed. Each
// service names its instance ChangeFeedStreamer, bound to its feed:
//
//   class ChangeFeedStreamer
//       : public ServiceFeedStreamer<v1::WatchChangesRequest, v1::ChangeEvent>
template <typename WatchRequest, typename Event>
class ServiceFeedStreamer {
 public:
  // `pool`, `notifier` (the one the sequencer notifies) and `clock` must
  // outlive the streamer.
  ServiceFeedStreamer(MySqlPool& pool, FeedNotifier& notifier,
                      const Clock& clock, std::string feed,
                      OutboxFeedStreamerOptions options = {})
      : streamer_(pool, notifier, clock, std::move(feed), options) {}
  ServiceFeedStreamer(const ServiceFeedStreamer&) = delete;
  ServiceFeedStreamer& operator=(const ServiceFeedStreamer&) = delete;

  // Calls `write` for every event after `request.after_sequence()` of the
  // requested types, in sequence order, then keeps waiting for new ones.
  // Returns OK when `context` is cancelled or `write` returns false (the
  // client is gone); DEADLINE_EXCEEDED once the context's deadline passes;
  // UNAVAILABLE if the database fails; INVALID_ARGUMENT (field named) for a
  // negative cursor or an unknown type.
  absl::Status Watch(const RequestContext& context, const WatchRequest& request,
                     const std::function<bool(const Event&)>& write) const {
    return WatchOutboxFeed<Event>(streamer_, context, request.after_sequence(),
                                  request.types(), write);
  }

 private:
  OutboxFeedStreamer streamer_;
};

}  // namespace crm::common

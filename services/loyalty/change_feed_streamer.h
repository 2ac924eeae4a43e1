// Serves LoyaltyService.WatchChanges: replays loyalty's change feed
// (tier_change_feed.h) after a cursor from the transactional outbox
// (services/common/change_feed_outbox.h), then tails new events until the
// caller cancels, the call's deadline passes or the server shuts down.
// Only numbered events are read, in sequence order; numbers become visible
// in contiguous blocks 1..LastSequence, so the stream has no gaps. Tailing
// is woken by the FeedNotifier the ChangeFeedSequencer of this process
// notifies after numbering (change_feed_sequencer.h), with a short
// fallback poll for other replicas' sequencers. Cancellation and the
// deadline are checked before every read and every write; every read is
// bounded by the time left.
//
//   ChangeFeedStreamer streamer(pool, sequenced, SystemClock::Instance());
//   absl::Status status = streamer.Watch(RequestContextOf(context), request,
//       [writer](const v1::ChangeEvent& e) { return writer->Write(e); });
#pragma once

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/clock.h"
#include "services/common/mysql_pool.h"
#include "services/common/request_context.h"

namespace crm::loyalty {

struct ChangeFeedStreamerOptions {
  int batch_size = 500;  // Events read per query.
  // Longest wait between checks for new events (and cancellation) when no
  // notification arrives.
  absl::Duration poll_interval = absl::Milliseconds(100);
};

class ChangeFeedStreamer {
 public:
  // `pool`, `notifier` (the one the sequencer notifies) and `clock` must
  // outlive the streamer.
  ChangeFeedStreamer(crm::common::MySqlPool& pool,
                     crm::common::FeedNotifier& notifier,
                     const crm::common::Clock& clock,
                     ChangeFeedStreamerOptions options = {})
      : pool_(pool), notifier_(notifier), clock_(clock), options_(options) {}
  ChangeFeedStreamer(const ChangeFeedStreamer&) = delete;
  ChangeFeedStreamer& operator=(const ChangeFeedStreamer&) = delete;

  // Calls `write` for every event after `request.after_sequence()` of the
  // requested types, in sequence order, then keeps waiting for new ones.
  // Returns OK when `context` is cancelled or `write` returns false (the
  // client is gone); DEADLINE_EXCEEDED once the context's deadline passes;
  // UNAVAILABLE if the database fails; INVALID_ARGUMENT (field named) for a
  // negative cursor or an unknown type.
  absl::Status Watch(const crm::common::RequestContext& context,
                     const v1::WatchChangesRequest& request,
                     const std::function<bool(const v1::ChangeEvent&)>& write);

 private:
  crm::common::MySqlPool& pool_;
  crm::common::FeedNotifier& notifier_;
  const crm::common::Clock& clock_;
  const ChangeFeedStreamerOptions options_;
};

}  // namespace crm::loyalty

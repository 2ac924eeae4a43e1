// ChangeFeedStreamer over the transactional outbox (change_feed_outbox.h),
// feed kCustomerProfileFeed: replays numbered events after the cursor in
// batches, then tails, woken by the FeedNotifier the ChangeFeedSequencer of
// this process notifies after numbering events (change_feed_sequencer.h),
// with a short fallback poll for other replicas' sequencers. Only numbered
// events are read, in sequence order; numbers become visible in contiguous
// blocks 1..LastSequence, so the stream has no gaps. Cancellation and the
// deadline are checked before every read and every write, and waits never
// outlast the deadline; every read is bounded by the time left.
//
//   ChangeFeedStreamerImpl streamer(pool, sequenced, SystemClock::Instance());
//   streamer.Watch(ctx, request, [&](const v1::ChangeEvent& e) {
//     return writer->Write(e);
//   });
#pragma once

#include "absl/time/time.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/clock.h"
#include "services/common/mysql_pool.h"
#include "services/customer_profile/change_feed_streamer.h"

namespace crm::customer_profile {

struct ChangeFeedStreamerOptions {
  int batch_size = 500;  // Events read per query.
  // Longest wait between checks for new events (and for cancellation) when
  // no notification arrives; bounds the latency of other replicas' events.
  absl::Duration poll_interval = absl::Milliseconds(100);
};

class ChangeFeedStreamerImpl final : public ChangeFeedStreamer {
 public:
  // `pool`, `notifier` and `clock` must outlive the streamer; `notifier` is
  // the one the sequencer notifies (not the writers').
  ChangeFeedStreamerImpl(crm::common::MySqlPool& pool,
                         crm::common::FeedNotifier& notifier,
                         const crm::common::Clock& clock,
                         ChangeFeedStreamerOptions options = {})
      : pool_(pool), notifier_(notifier), clock_(clock), options_(options) {}

  absl::Status Watch(
      const crm::common::RequestContext& context,
      const v1::WatchChangesRequest& request,
      const std::function<bool(const v1::ChangeEvent&)>& write) override;

 private:
  crm::common::MySqlPool& pool_;
  crm::common::FeedNotifier& notifier_;
  const crm::common::Clock& clock_;
  const ChangeFeedStreamerOptions options_;
};

}  // namespace crm::customer_profile

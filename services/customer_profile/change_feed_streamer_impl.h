// ChangeFeedStreamer over the transactional outbox (change_feed_outbox.h),
// feed "customer_profile": replays numbered events after the cursor in
// batches, then tails, woken by the FeedNotifier the ChangeFeedSequencer of
// this process notifies after numbering events (change_feed_sequencer.h),
// with a short fallback poll for other replicas' sequencers. Only numbered
// events are read, in sequence order; numbers become visible in contiguous
// blocks 1..LastSequence, so the stream has no gaps.
//
//   ChangeFeedStreamerImpl streamer(pool, notifier);
//   streamer.Watch(request, [&](const v1::ChangeEvent& e) {
//     return writer->Write(e);
//   }, [&] { return context->IsCancelled(); });
#pragma once

#include "absl/time/time.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/mysql_pool.h"
#include "services/customer_profile/change_feed_streamer.h"

namespace crm::customer_profile {

struct ChangeFeedStreamerOptions {
  int batch_size = 500;  // Events read per query.
  // Longest wait between checks for new events (and for `cancelled()`) when
  // no notification arrives; bounds the latency of other replicas' events.
  absl::Duration poll_interval = absl::Milliseconds(100);
};

class ChangeFeedStreamerImpl final : public ChangeFeedStreamer {
 public:
  // `pool` and `notifier` must outlive the streamer; `notifier` is the one
  // the sequencer notifies (not the writers').
  ChangeFeedStreamerImpl(crm::common::MySqlPool& pool,
                         crm::common::FeedNotifier& notifier,
                         ChangeFeedStreamerOptions options = {})
      : pool_(pool), notifier_(notifier), options_(options) {}

  absl::Status Watch(const v1::WatchChangesRequest& request,
                     const std::function<bool(const v1::ChangeEvent&)>& write,
                     const std::function<bool()>& cancelled) override;

 private:
  crm::common::MySqlPool& pool_;
  crm::common::FeedNotifier& notifier_;
  const ChangeFeedStreamerOptions options_;
};

}  // namespace crm::customer_profile

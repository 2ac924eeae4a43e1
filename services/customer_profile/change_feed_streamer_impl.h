// ChangeFeedStreamer over the transactional outbox, feed kCustomerProfileFeed
// (services/common/outbox_feed_streamer.h: replay after the cursor, then
// tail, without gaps, bounded by the caller's deadline).
//
//   ChangeFeedStreamerImpl streamer(pool, sequenced, SystemClock::Instance());
//   streamer.Watch(ctx, request, [&](const v1::ChangeEvent& e) {
//     return writer->Write(e);
//   });
#pragma once

#include <string>

#include "services/common/change_feed_outbox.h"
#include "services/common/clock.h"
#include "services/common/mysql_pool.h"
#include "services/common/outbox_feed_streamer.h"
#include "services/customer_profile/change_feed_streamer.h"
#include "services/customer_profile/customer_profile_feed.h"

namespace crm::customer_profile {

using ChangeFeedStreamerOptions = crm::common::OutboxFeedStreamerOptions;

class ChangeFeedStreamerImpl final : public ChangeFeedStreamer {
 public:
  // `pool`, `notifier` and `clock` must outlive the streamer; `notifier` is
  // the one the sequencer notifies (not the writers').
  ChangeFeedStreamerImpl(crm::common::MySqlPool& pool,
                         crm::common::FeedNotifier& notifier,
                         const crm::common::Clock& clock,
                         ChangeFeedStreamerOptions options = {})
      : streamer_(pool, notifier, clock, std::string(kCustomerProfileFeed),
                  options) {}

  absl::Status Watch(
      const crm::common::RequestContext& context,
      const v1::WatchChangesRequest& request,
      const std::function<bool(const v1::ChangeEvent&)>& write) override;

 private:
  crm::common::OutboxFeedStreamer streamer_;
};

}  // namespace crm::customer_profile

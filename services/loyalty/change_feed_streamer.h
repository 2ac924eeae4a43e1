// Serves LoyaltyService.WatchChanges: loyalty's change feed
// (tier_change_feed.h) from the transactional outbox, replayed after a
// cursor and then tailed (services/common/outbox_feed_streamer.h: no gaps,
// bounded by the caller's deadline).
//
//   ChangeFeedStreamer streamer(pool, sequenced, SystemClock::Instance());
//   absl::Status status = streamer.Watch(RequestContextOf(context), request,
//       [writer](const v1::ChangeEvent& e) { return writer->Write(e); });
#pragma once

#include <string>

#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/clock.h"
#include "services/common/mysql_pool.h"
#include "services/common/outbox_feed_streamer.h"
#include "services/loyalty/tier_change_feed.h"

namespace crm::loyalty {

using ChangeFeedStreamerOptions = crm::common::OutboxFeedStreamerOptions;

class ChangeFeedStreamer
    : public crm::common::ServiceFeedStreamer<v1::WatchChangesRequest,
                                              v1::ChangeEvent> {
 public:
  ChangeFeedStreamer(crm::common::MySqlPool& pool,
                     crm::common::FeedNotifier& notifier,
                     const crm::common::Clock& clock,
                     ChangeFeedStreamerOptions options = {})
      : ServiceFeedStreamer(pool, notifier, clock, std::string(kLoyaltyFeed),
                            options) {}
};

}  // namespace crm::loyalty

// Serves SegmentationService.WatchChanges: segmentation's change feed
// (segmentation_change_feed.h) from the transactional outbox, replayed after a
// cursor and then tailed (services/common/outbox_feed_streamer.h: no gaps,
// bounded by the caller's deadline).
//
//   ChangeFeedStreamer streamer(pool, sequenced, SystemClock::Instance());
//   absl::Status status = streamer.Watch(RequestContextOf(context), request,
//       [writer](const v1::ChangeEvent& e) { return writer->Write(e); });
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "crm/segmentation/v1/segmentation_service.pb.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/clock.h"
#include "services/common/mysql_pool.h"
#include "services/common/outbox_feed_streamer.h"
#include "services/common/request_context.h"
#include "services/segmentation/segmentation_change_feed.h"

namespace crm::segmentation {

using ChangeFeedStreamerOptions = crm::common::OutboxFeedStreamerOptions;

class ChangeFeedStreamer {
 public:
  // `pool`, `notifier` (the one the sequencer notifies) and `clock` must
  // outlive the streamer.
  ChangeFeedStreamer(crm::common::MySqlPool& pool,
                     crm::common::FeedNotifier& notifier,
                     const crm::common::Clock& clock,
                     ChangeFeedStreamerOptions options = {})
      : streamer_(pool, notifier, clock, std::string(kSegmentationFeed),
                  options) {}
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
  crm::common::OutboxFeedStreamer streamer_;
};

}  // namespace crm::segmentation

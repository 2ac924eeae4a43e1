// FeedEventRepository (feed_event_repository.h) over the outbox table
// change_feed_events (common migration 0002; key change_feed_events_by_key,
// migration 0006), feed kSegmentationFeed.
#pragma once

#include "services/segmentation/feed_event_repository.h"

namespace crm::segmentation {

class MySqlFeedEventRepository final : public FeedEventRepository {
 public:
  MySqlFeedEventRepository() = default;

  absl::Status ReKeyCustomerEvents(crm::common::Transaction& tx,
                                   absl::string_view customer_id,
                                   absl::string_view tombstone_id) override;
};

}  // namespace crm::segmentation

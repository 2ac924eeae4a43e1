// FeedEventRepository (feed_event_repository.h) over the outbox table
// change_feed_events (common migration 0002; key
// change_feed_events_by_key, migration 0012), feed kFeedbackFeed.
#pragma once

#include "services/feedback/feed_event_repository.h"

namespace crm::feedback {

class MySqlFeedEventRepository final : public FeedEventRepository {
 public:
  MySqlFeedEventRepository() = default;

  absl::Status ReKeyCustomerEvents(crm::common::Transaction& tx,
                                   absl::string_view customer_id,
                                   absl::string_view new_customer_id) override;
};

}  // namespace crm::feedback

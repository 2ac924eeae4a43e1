// FeedEventRepository (feed_event_repository.h) over the outbox table
// change_feed_events (common migration 0002; key
// change_feed_events_by_key, migration 0010), feed kLoyaltyFeed.
#pragma once

#include "services/loyalty/feed_event_repository.h"

namespace crm::loyalty {

class MySqlFeedEventRepository final : public FeedEventRepository {
 public:
  MySqlFeedEventRepository() = default;

  absl::Status ReKeyCustomerEvents(crm::common::Transaction& tx,
                                   absl::string_view customer_id,
                                   absl::string_view tombstone_id) override;
  absl::Status ReKeyReferralEvents(
      crm::common::Transaction& tx, absl::string_view referral_id,
      const std::map<std::string, std::string>& tombstones) override;
};

}  // namespace crm::loyalty

// Loyalty's past feed events as an erasure needs them: the events of a
// customer (keyed by its id, tier_change_feed.h) re-keyed to its tombstone,
// key and payload, and the events of a referral naming it (keyed by the
// referral, referral_change_feed.h) rewritten to name the tombstone, so no
// feed row names the erased customer. The MySQL
// implementation is MySqlFeedEventRepository; unit tests use the in-memory
// fake in tests/testing/fakes/loyalty/.
//
//   CRM_RETURN_IF_ERROR(feed_events.ReKeyCustomerEvents(tx, "c1",
//                                                       "erased-…"));
#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/common/unit_of_work.h"

namespace crm::loyalty {

class FeedEventRepository {
 public:
  FeedEventRepository(const FeedEventRepository&) = delete;
  FeedEventRepository& operator=(const FeedEventRepository&) = delete;
  virtual ~FeedEventRepository() = default;

  // Every event of loyalty's feed keyed `customer_id` is re-keyed to
  // `tombstone_id`, and the customer its payload names becomes
  // `customers/{tombstone_id}`; sequences, types and times are kept.
  virtual absl::Status ReKeyCustomerEvents(crm::common::Transaction& tx,
                                           absl::string_view customer_id,
                                           absl::string_view tombstone_id) = 0;

  // Every event of loyalty's feed about referral `referral_id` keeps its
  // key, and each customer its payload names (`customer`,
  // `referral_change.referrer`, `referral_change.referred`) whose id is a
  // key of `tombstones` becomes `customers/{tombstones[id]}`; sequences,
  // types and times are kept.
  virtual absl::Status ReKeyReferralEvents(
      crm::common::Transaction& tx, absl::string_view referral_id,
      const std::map<std::string, std::string>& tombstones) = 0;

 protected:
  FeedEventRepository() = default;
};

}  // namespace crm::loyalty

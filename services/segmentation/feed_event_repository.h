// Segmentation's past feed events as an erasure needs them: the events of a
// customer (keyed by its id, segmentation_change_feed.h) re-keyed to a
// tombstone, key and payload, so no feed row names the erased customer. The
// MySQL implementation is MySqlFeedEventRepository.
//
//   CRM_RETURN_IF_ERROR(feed_events.ReKeyCustomerEvents(tx, "c1",
//                                                       "erased-…"));
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/common/unit_of_work.h"

namespace crm::segmentation {

class FeedEventRepository {
 public:
  FeedEventRepository(const FeedEventRepository&) = delete;
  FeedEventRepository& operator=(const FeedEventRepository&) = delete;
  virtual ~FeedEventRepository() = default;

  // Every event of segmentation's feed keyed `customer_id` is re-keyed to
  // `tombstone_id`, and every customer its payload names becomes
  // `customers/{tombstone_id}`; sequences, types and times are kept.
  virtual absl::Status ReKeyCustomerEvents(crm::common::Transaction& tx,
                                           absl::string_view customer_id,
                                           absl::string_view tombstone_id) = 0;

 protected:
  FeedEventRepository() = default;
};

}  // namespace crm::segmentation

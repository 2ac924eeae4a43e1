// Feedback's past feed events (feedback_change_feed.h, keyed by the
// customer id) as merges and erasures need them: re-keyed, key and payload,
// to another customer id — the survivor of a merge, or the tombstone of an
// erasure, so no feed row names the erased customer. The MySQL
// implementation is MySqlFeedEventRepository.
//
//   CRM_RETURN_IF_ERROR(feed_events.ReKeyCustomerEvents(tx, "c1",
//                                                       "erased-…"));
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/common/unit_of_work.h"

namespace crm::feedback {

class FeedEventRepository {
 public:
  FeedEventRepository(const FeedEventRepository&) = delete;
  FeedEventRepository& operator=(const FeedEventRepository&) = delete;
  virtual ~FeedEventRepository() = default;

  // Every event of feedback's feed keyed `customer_id` (non-empty) is
  // re-keyed to `new_customer_id`, and the customer its payload names
  // becomes `customers/{new_customer_id}`; sequences, types, times and
  // every other field are kept. The events stay locked until `tx` ends.
  virtual absl::Status ReKeyCustomerEvents(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::string_view new_customer_id) = 0;

 protected:
  FeedEventRepository() = default;
};

}  // namespace crm::feedback

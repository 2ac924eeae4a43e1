#include "services/segmentation/feed_erasure.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace crm::segmentation {

ReadModelChangeHook FeedErasureHook(FeedEventRepository& events,
                                    const crm::common::IdGenerator& ids) {
  return [&events, &ids](crm::common::Transaction& tx,
                         absl::string_view customer_id,
                         ReadModelChange change) -> absl::Status {
    if (change != ReadModelChange::kErased) return absl::OkStatus();
    return events.ReKeyCustomerEvents(tx, customer_id,
                                      absl::StrCat("erased-", ids.NewId()));
  };
}

}  // namespace crm::segmentation

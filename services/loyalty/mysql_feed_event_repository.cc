#include "services/loyalty/mysql_feed_event_repository.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "crm/loyalty/v1/change_event.pb.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/loyalty/tier_change_feed.h"

namespace crm::loyalty {

absl::Status MySqlFeedEventRepository::ReKeyCustomerEvents(
    crm::common::Transaction& tx, absl::string_view customer_id,
    absl::string_view tombstone_id) {
  const std::string tombstone_name = absl::StrCat("customers/", tombstone_id);
  return crm::common::ChangeFeedOutbox::ReKey(
      crm::common::MySqlConnectionOf(tx), kLoyaltyFeed, customer_id,
      tombstone_id,
      [&](const std::string& payload) -> absl::StatusOr<std::string> {
        v1::ChangeEvent event;
        if (!event.ParseFromString(payload)) {
          return absl::DataLossError("unreadable loyalty feed event");
        }
        event.set_customer(tombstone_name);
        return event.SerializeAsString();
      });
}

}  // namespace crm::loyalty

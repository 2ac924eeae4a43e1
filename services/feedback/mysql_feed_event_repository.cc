#include "services/feedback/mysql_feed_event_repository.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "crm/feedback/v1/change_event.pb.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/feedback/feedback_change_feed.h"

namespace crm::feedback {

absl::Status MySqlFeedEventRepository::ReKeyCustomerEvents(
    crm::common::Transaction& tx, absl::string_view customer_id,
    absl::string_view new_customer_id) {
  if (customer_id.empty()) {
    return absl::InvalidArgumentError("no customer id to re-key");
  }
  const std::string new_name = absl::StrCat("customers/", new_customer_id);
  return crm::common::ChangeFeedOutbox::ReKey(
      crm::common::MySqlConnectionOf(tx), kFeedbackFeed, customer_id,
      new_customer_id,
      [&](const std::string& payload) -> absl::StatusOr<std::string> {
        v1::ChangeEvent event;
        if (!event.ParseFromString(payload)) {
          return absl::DataLossError("unreadable feedback feed event");
        }
        event.set_customer(new_name);
        return event.SerializeAsString();
      });
}

}  // namespace crm::feedback

#include "services/loyalty/order_feed_apply.h"

#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"

namespace crm::loyalty {

namespace cp = ::crm::customerprofile::v1;

std::vector<cp::ChangeEvent::Type> OrderFeedTypes() {
  return {cp::ChangeEvent::ORDER_RECORDED, cp::ChangeEvent::ORDER_REFUNDED};
}

crm::common::FeedApplyFunction MakeOrderFeedApply(OrderEarning& earning) {
  return [&earning](sql::Connection& connection, int64_t sequence,
                    absl::string_view payload) -> absl::Status {
    cp::ChangeEvent event;
    if (!event.ParseFromString(std::string(payload))) {
      return absl::DataLossError("unreadable customer-profile feed event");
    }
    if (event.sequence() == 0) event.set_sequence(sequence);
    const crm::common::RequestContext background;
    crm::common::MySqlTransaction tx(connection, background);
    return earning.Apply(tx, event);
  };
}

}  // namespace crm::loyalty

#include "services/loyalty/profile_feed_apply.h"

#include <string>
#include <utility>
#include <vector>

#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"

namespace crm::loyalty {

namespace cp = ::crm::customerprofile::v1;

namespace {

// The customer id of `name` (`customers/{customer}`), DATA_LOSS otherwise.
absl::StatusOr<std::string> EventCustomerId(const std::string& name) {
  absl::StatusOr<std::string> id =
      crm::common::ParseResourceName(name, "customers", "customer_name");
  if (!id.ok()) return absl::DataLossError("event with a malformed customer");
  return *id;
}

}  // namespace

std::vector<cp::ChangeEvent::Type> ProfileFeedTypes() {
  return {cp::ChangeEvent::ORDER_RECORDED,   cp::ChangeEvent::ORDER_REFUNDED,
          cp::ChangeEvent::CUSTOMER_MERGED,  cp::ChangeEvent::CUSTOMER_ERASED,
          cp::ChangeEvent::CUSTOMER_CREATED, cp::ChangeEvent::CUSTOMER_UPDATED};
}

absl::Status ApplyProfileEvent(OrderEarning& earning,
                               MemberLifecycle& lifecycle,
                               crm::consents::ConsentTracker& consents,
                               crm::common::Transaction& tx,
                               const cp::ChangeEvent& event,
                               JourneyEngine* journeys) {
  // Consents first: a merge's survivor answers for itself before the
  // lifecycle moves anything (neither reads what the other writes).
  CRM_RETURN_IF_ERROR(consents.Apply(tx, event));
  switch (event.type()) {
    case cp::ChangeEvent::ORDER_RECORDED:
    case cp::ChangeEvent::ORDER_REFUNDED:
      CRM_RETURN_IF_ERROR(earning.Apply(tx, event));
      break;
    case cp::ChangeEvent::CUSTOMER_MERGED: {
      CRM_ASSIGN_OR_RETURN(std::string survivor,
                           EventCustomerId(event.merge().survivor()));
      CRM_ASSIGN_OR_RETURN(std::string duplicate,
                           EventCustomerId(event.merge().duplicate()));
      CRM_RETURN_IF_ERROR(lifecycle.Merge(tx, survivor, duplicate));
      break;
    }
    case cp::ChangeEvent::CUSTOMER_ERASED: {
      CRM_ASSIGN_OR_RETURN(std::string customer,
                           EventCustomerId(event.customer_name()));
      CRM_RETURN_IF_ERROR(lifecycle.Erase(tx, customer));
      break;
    }
    case cp::ChangeEvent::INTERACTION_RECORDED:
      // Interactions earn nothing and trigger no journey.
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
  if (journeys == nullptr) return absl::OkStatus();
  return journeys->ApplyProfileEvent(tx, event);
}

crm::common::FeedApplyFunction MakeProfileFeedApply(
    OrderEarning& earning, MemberLifecycle& lifecycle,
    crm::consents::ConsentTracker& consents, JourneyEngine* journeys) {
  return [&earning, &lifecycle, &consents, journeys](
             sql::Connection& connection, int64_t sequence,
             absl::string_view payload) -> absl::Status {
    cp::ChangeEvent event;
    if (!event.ParseFromString(std::string(payload))) {
      return absl::DataLossError("unreadable customer-profile feed event");
    }
    if (event.sequence() == 0) event.set_sequence(sequence);
    const crm::common::RequestContext background;
    crm::common::MySqlTransaction tx(connection, background);
    return ApplyProfileEvent(earning, lifecycle, consents, tx, event, journeys);
  };
}

crm::common::FeedBatchApplyFunction MakeProfileFeedBatchApply(
    OrderEarning& earning, MemberLifecycle& lifecycle,
    crm::consents::ConsentTracker& consents, JourneyEngine* journeys) {
  return [&earning, &lifecycle, &consents, journeys](
             sql::Connection& connection,
             const std::vector<crm::common::FeedItem>& items) -> absl::Status {
    const crm::common::RequestContext background;
    crm::common::MySqlTransaction tx(connection, background);
    std::vector<cp::ChangeEvent> run;
    // An earning run, then the journeys its orders trigger, in feed order.
    const auto apply_run = [&]() -> absl::Status {
      CRM_RETURN_IF_ERROR(earning.ApplyRun(tx, run));
      if (journeys != nullptr) {
        CRM_RETURN_IF_ERROR(journeys->ApplyOrderRun(tx, run));
      }
      run.clear();
      return absl::OkStatus();
    };
    for (const crm::common::FeedItem& item : items) {
      cp::ChangeEvent event;
      if (!event.ParseFromString(item.payload)) {
        return absl::DataLossError("unreadable customer-profile feed event");
      }
      if (event.sequence() == 0) event.set_sequence(item.sequence);
      if (event.type() == cp::ChangeEvent::ORDER_RECORDED ||
          event.type() == cp::ChangeEvent::ORDER_REFUNDED) {
        CRM_RETURN_IF_ERROR(consents.Apply(tx, event));
        run.push_back(std::move(event));
        continue;
      }
      CRM_RETURN_IF_ERROR(apply_run());
      CRM_RETURN_IF_ERROR(
          ApplyProfileEvent(earning, lifecycle, consents, tx, event, journeys));
    }
    return apply_run();
  };
}

}  // namespace crm::loyalty

#include "services/customer_profile/change_feed_streamer_impl.h"

#include "crm/customerprofile/v1/change_event.pb.h"

namespace crm::customer_profile {

absl::Status ChangeFeedStreamerImpl::Watch(
    const crm::common::RequestContext& context,
    const v1::WatchChangesRequest& request,
    const std::function<bool(const v1::ChangeEvent&)>& write) {
  return crm::common::WatchOutboxFeed<v1::ChangeEvent>(
      streamer_, context, request.after_sequence(), request.types(), write);
}

}  // namespace crm::customer_profile

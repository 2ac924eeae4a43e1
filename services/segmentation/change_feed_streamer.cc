#include "services/segmentation/change_feed_streamer.h"

namespace crm::segmentation {

absl::Status ChangeFeedStreamer::Watch(
    const crm::common::RequestContext& context,
    const v1::WatchChangesRequest& request,
    const std::function<bool(const v1::ChangeEvent&)>& write) {
  return crm::common::WatchOutboxFeed<v1::ChangeEvent>(
      streamer_, context, request.after_sequence(), request.types(), write);
}

}  // namespace crm::segmentation

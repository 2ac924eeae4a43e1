#include "services/loyalty/segmentation_feed_apply.h"

#include <memory>
#include <string>

#include "services/common/grpc_feed_stream.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"

namespace crm::loyalty {

namespace seg = ::crm::segmentation::v1;

crm::common::FeedStreamOpener MakeSegmentationFeedOpener(
    seg::SegmentationService::StubInterface* stub) {
  return [stub](int64_t after_sequence)
             -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
    seg::WatchChangesRequest request;
    request.set_after_sequence(after_sequence);
    request.add_types(seg::ChangeEvent::SEGMENT_ENTERED);
    request.add_types(seg::ChangeEvent::SEGMENT_LEFT);
    request.add_types(seg::ChangeEvent::LIFECYCLE_STAGE_CHANGED);
    request.add_types(seg::ChangeEvent::VALUE_TIER_CHANGED);
    return crm::common::GrpcFeedStream<seg::ChangeEvent>::Open(
        [&](grpc::ClientContext* context) {
          return stub->WatchChanges(context, request);
        });
  };
}

crm::common::FeedApplyFunction MakeSegmentationFeedApply(
    JourneyEngine& engine) {
  return [&engine](sql::Connection& connection, int64_t sequence,
                   absl::string_view payload) -> absl::Status {
    seg::ChangeEvent event;
    if (!event.ParseFromString(std::string(payload))) {
      return absl::DataLossError("unreadable segmentation feed event");
    }
    const crm::common::RequestContext background;
    crm::common::MySqlTransaction tx(connection, background);
    return engine.ApplySegmentationEvent(tx, sequence, event);
  };
}

}  // namespace crm::loyalty

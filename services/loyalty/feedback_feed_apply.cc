#include "services/loyalty/feedback_feed_apply.h"

#include <memory>
#include <string>

#include "services/common/grpc_feed_stream.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"

namespace crm::loyalty {

namespace fb = ::crm::feedback::v1;

crm::common::FeedStreamOpener MakeFeedbackFeedOpener(
    fb::FeedbackService::StubInterface* stub) {
  return [stub](int64_t after_sequence)
             -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
    fb::WatchChangesRequest request;
    request.set_after_sequence(after_sequence);
    request.add_types(fb::ChangeEvent::TICKET_RESOLVED);
    request.add_types(fb::ChangeEvent::SURVEY_ANSWERED);
    return crm::common::GrpcFeedStream<fb::ChangeEvent>::Open(
        [&](grpc::ClientContext* context) {
          return stub->WatchChanges(context, request);
        });
  };
}

crm::common::FeedApplyFunction MakeFeedbackFeedApply(JourneyEngine& engine) {
  return [&engine](sql::Connection& connection, int64_t sequence,
                   absl::string_view payload) -> absl::Status {
    fb::ChangeEvent event;
    if (!event.ParseFromString(std::string(payload))) {
      return absl::DataLossError("unreadable feedback feed event");
    }
    const crm::common::RequestContext background;
    crm::common::MySqlTransaction tx(connection, background);
    return engine.ApplyFeedbackEvent(tx, sequence, event);
  };
}

}  // namespace crm::loyalty

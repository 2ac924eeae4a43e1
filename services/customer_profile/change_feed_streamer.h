// Serves WatchChanges: replays customer-profile's change feed after a
// cursor, then tails new events with low latency until the caller cancels,
// the call's deadline passes, or the server shuts down.
//
//   absl::Status status = streamer.Watch(RequestContextOf(context), request,
//       [writer](const v1::ChangeEvent& e) { return writer->Write(e); });
#pragma once

#include <functional>

#include "absl/status/status.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "services/common/request_context.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

class ChangeFeedStreamer {
 public:
  ChangeFeedStreamer(const ChangeFeedStreamer&) = delete;
  ChangeFeedStreamer& operator=(const ChangeFeedStreamer&) = delete;
  virtual ~ChangeFeedStreamer() = default;

  // Calls `write` for every event after `request.after_sequence()` of the
  // requested types, in sequence order, then keeps waiting for new events.
  // Returns OK when `context` is cancelled or `write` returns false (client
  // gone); DEADLINE_EXCEEDED (REQUEST_DEADLINE_EXCEEDED) once the context's
  // deadline passes; UNAVAILABLE if the database fails; INVALID_ARGUMENT for
  // a negative cursor or an unknown type.
  virtual absl::Status Watch(
      const crm::common::RequestContext& context,
      const v1::WatchChangesRequest& request,
      const std::function<bool(const v1::ChangeEvent&)>& write) = 0;

 protected:
  ChangeFeedStreamer() = default;
};

}  // namespace crm::customer_profile

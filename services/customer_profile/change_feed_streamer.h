// Serves WatchChanges: replays customer-profile's change feed after a
// cursor, then tails new events with low latency until the caller cancels
// or the server shuts down.
#pragma once

#include <functional>

#include "absl/status/status.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

class ChangeFeedStreamer {
 public:
  virtual ~ChangeFeedStreamer() = default;

  // Calls `write` for every event after `request.after_sequence()` of the
  // requested types, in sequence order, then keeps waiting for new events.
  // Returns OK when `cancelled()` turns true or `write` returns false
  // (client gone); UNAVAILABLE if the database fails; INVALID_ARGUMENT for
  // a negative cursor.
  virtual absl::Status Watch(
      const v1::WatchChangesRequest& request,
      const std::function<bool(const v1::ChangeEvent&)>& write,
      const std::function<bool()>& cancelled) = 0;
};

}  // namespace crm::customer_profile

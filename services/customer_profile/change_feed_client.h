// Opens customer-profile's change feed (WatchChanges) for a FeedConsumer
// (services/common/change_feed_consumer.h). Header-only: consumers link the
// generated stubs, not the customer-profile service.
//
//   auto stub = v1::CustomerProfileService::NewStub(channel);
//   FeedConsumer consumer(pool, MakeCustomerProfileFeedOpener(stub.get()),
//                         apply, {.consumer = "loyalty"});
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/grpc_feed_stream.h"

namespace crm::customer_profile {

// `stub` must outlive every stream opened. `types` filters the feed (empty:
// every type). Payloads are serialized v1::ChangeEvent messages.
inline crm::common::FeedStreamOpener MakeCustomerProfileFeedOpener(
    ::crm::customerprofile::v1::CustomerProfileService::StubInterface* stub,
    std::vector<::crm::customerprofile::v1::ChangeEvent::Type> types = {}) {
  return [stub, types](int64_t after_sequence)
             -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
    ::crm::customerprofile::v1::WatchChangesRequest request;
    request.set_after_sequence(after_sequence);
    for (auto type : types) request.add_types(type);
    return crm::common::
        GrpcFeedStream<::crm::customerprofile::v1::ChangeEvent>::Open(
            [&](grpc::ClientContext* context) {
              return stub->WatchChanges(context, request);
            });
  };
}

}  // namespace crm::customer_profile

// Opens loyalty's change feed (LoyaltyService.WatchChanges) for a
// FeedConsumer (services/common/change_feed_consumer.h), asking for the
// referral events only (referral_value.h). Header-only over the generated
// stubs. The call has no deadline (it is meant to last); the consumer
// reopens it with backoff after any error.
//
//   auto stub = crm::loyalty::v1::LoyaltyService::NewStub(channel);
//   FeedConsumer consumer(pool, MakeLoyaltyReferralFeedOpener(stub.get()),
//                         apply, {.consumer = kLoyaltyFeedConsumer});
#pragma once

#include <cstdint>
#include <memory>

#include "crm/loyalty/v1/loyalty_service.grpc.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/grpc_feed_stream.h"

namespace crm::segmentation {

// `stub` must outlive every stream opened. Payloads are serialized
// crm.loyalty.v1.ChangeEvent messages (with sequence and type).
inline crm::common::FeedStreamOpener MakeLoyaltyReferralFeedOpener(
    ::crm::loyalty::v1::LoyaltyService::StubInterface* stub) {
  return [stub](int64_t after_sequence)
             -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
    ::crm::loyalty::v1::WatchChangesRequest request;
    request.set_after_sequence(after_sequence);
    request.add_types(::crm::loyalty::v1::ChangeEvent::REFERRAL_REWARDED);
    request.add_types(::crm::loyalty::v1::ChangeEvent::REFERRAL_CANCELLED);
    request.add_types(::crm::loyalty::v1::ChangeEvent::REFERRAL_ERASED);
    return crm::common::GrpcFeedStream<::crm::loyalty::v1::ChangeEvent>::Open(
        [&](grpc::ClientContext* context) {
          return stub->WatchChanges(context, request);
        });
  };
}

}  // namespace crm::segmentation

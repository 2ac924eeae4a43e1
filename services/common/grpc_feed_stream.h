// A FeedStream (change_feed_consumer.h) over any server-streaming gRPC call
// whose messages carry `int64 sequence`, e.g. customer-profile's
// WatchChanges. Header-only so crm_common does not depend on any service's
// stubs.
//
//   auto open = [stub](int64_t after) ->
//   absl::StatusOr<std::unique_ptr<FeedStream>> {
//     v1::WatchChangesRequest request;
//     request.set_after_sequence(after);
//     return GrpcFeedStream<v1::ChangeEvent>::Open(
//         [&](grpc::ClientContext* context) {
//           return stub->WatchChanges(context, request);
//         });
//   };
//
// The call has no deadline (it is meant to last) but is cancellable:
// Cancel() calls ClientContext::TryCancel(), which ends a blocked Read().
// The payload handed on is the message re-serialized with its sequence;
// its `event_time` (every feed's events have one) is the item's event_time.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/grpc_status.h"
#include "services/common/timestamps.h"

namespace crm::common {

template <typename Event>
class GrpcFeedStream final : public FeedStream {
 public:
  using StartCall =
      std::function<std::unique_ptr<grpc::ClientReaderInterface<Event>>(
          grpc::ClientContext* context)>;

  static absl::StatusOr<std::unique_ptr<FeedStream>> Open(
      const StartCall& start) {
    auto stream = std::unique_ptr<GrpcFeedStream>(new GrpcFeedStream());
    stream->reader_ = start(&stream->context_);
    if (stream->reader_ == nullptr) {
      return absl::UnavailableError("feed call could not be started");
    }
    return std::unique_ptr<FeedStream>(std::move(stream));
  }

  bool Next(FeedItem* item) override {
    Event event;
    if (!reader_->Read(&event)) return false;
    item->sequence = event.sequence();
    item->head_sequence = 0;
    item->event_time = event.has_event_time()
                           ? FromProtoTimestamp(event.event_time())
                           : absl::InfinitePast();
    item->payload = event.SerializeAsString();
    return true;
  }

  absl::Status Finish() override { return FromGrpcStatus(reader_->Finish()); }

  void Cancel() override { context_.TryCancel(); }

 private:
  GrpcFeedStream() = default;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderInterface<Event>> reader_;
};

}  // namespace crm::common

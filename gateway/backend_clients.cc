#include "gateway/backend_clients.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>

#include "absl/time/clock.h"

namespace crm::gateway {
namespace {

std::shared_ptr<grpc::Channel> NewChannel(const std::string& address) {
  grpc::ChannelArguments args;
  // A restarted backend is found again within seconds, not minutes.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 500);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 500);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  // ImportCustomersResponse carries one result per uploaded row.
  args.SetMaxReceiveMessageSize(kMaxBackendResponseBytes);
  // No client-side retries: gRPC's retry filter copies and holds every
  // call's metadata and message for a possible replay, about a tenth of the
  // gateway's CPU per transcoded GET (bench/README.md). The trade: a call
  // caught by a backend's shutdown is not replayed on another connection
  // but answered 503 BACKEND_UNAVAILABLE with Retry-After, for the client
  // to retry (the services' lame-duck period keeps such calls rare).
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

}  // namespace

BackendClients::BackendClients(const GatewayConfig& config)
    : timeout_(config.backend_timeout) {
  channels_ = {
      {kCustomerProfileBackend, config.customer_profile_addr,
       NewChannel(config.customer_profile_addr)},
      {kSegmentationBackend, config.segmentation_addr,
       NewChannel(config.segmentation_addr)},
      {kLoyaltyBackend, config.loyalty_addr, NewChannel(config.loyalty_addr)},
      {kFeedbackBackend, config.feedback_addr,
       NewChannel(config.feedback_addr)},
  };
  customer_profile_ = customerprofile::v1::CustomerProfileService::NewStub(
      channels_[0].channel);
  segmentation_ =
      segmentation::v1::SegmentationService::NewStub(channels_[1].channel);
  loyalty_ = loyalty::v1::LoyaltyService::NewStub(channels_[2].channel);
  feedback_ = feedback::v1::FeedbackService::NewStub(channels_[3].channel);
}

std::unique_ptr<grpc::ClientContext> BackendClients::NewContext(
    const RouteRequest& request) const {
  // A deadline already passed gives the call a moment so that it fails with
  // DEADLINE_EXCEEDED rather than not being made.
  const absl::Duration left =
      std::max(request.deadline - absl::Now(), absl::Milliseconds(1));
  return common::NewOutboundContext(request.trace, std::min(timeout_, left));
}

std::unique_ptr<grpc::ClientContext> BackendClients::NewContext(
    const common::RequestTrace& trace) const {
  return common::NewOutboundContext(trace, timeout_);
}

std::unique_ptr<grpc::ClientContext> BackendClients::NewContext(
    const common::RequestTrace& trace, absl::Duration timeout) const {
  return common::NewOutboundContext(trace, timeout);
}

}  // namespace crm::gateway

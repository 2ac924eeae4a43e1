// One gRPC channel and stub per backend service, created at start-up and
// shared by every request (stubs and channels are thread-safe).
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "crm/feedback/v1/feedback_service.grpc.pb.h"
#include "crm/loyalty/v1/loyalty_service.grpc.pb.h"
#include "crm/segmentation/v1/segmentation_service.grpc.pb.h"
#include "gateway/gateway_config.h"
#include "gateway/router.h"
#include "services/common/request_trace.h"

namespace crm::gateway {

// Backend names as used in error messages, logs and /readyz.
inline constexpr char kCustomerProfileBackend[] = "customer-profile";
inline constexpr char kSegmentationBackend[] = "segmentation";
inline constexpr char kLoyaltyBackend[] = "loyalty";
inline constexpr char kFeedbackBackend[] = "feedback";

// Largest backend response accepted (gRPC's default is 4 MiB; an import of a
// 32 MiB upload answers with one result per row).
inline constexpr int kMaxBackendResponseBytes = 256 << 20;

struct BackendChannel {
  std::string name;     // "customer-profile"
  std::string address;  // "127.0.0.1:50051"
  std::shared_ptr<grpc::Channel> channel;
};

class BackendClients {
 public:
  // Creates the channels (insecure; connections are made on first use and
  // re-established with a backoff capped at a few seconds).
  explicit BackendClients(const GatewayConfig& config);

  BackendClients(const BackendClients&) = delete;
  BackendClients& operator=(const BackendClients&) = delete;

  customerprofile::v1::CustomerProfileService::StubInterface& customer_profile()
      const {
    return *customer_profile_;
  }
  segmentation::v1::SegmentationService::StubInterface& segmentation() const {
    return *segmentation_;
  }
  loyalty::v1::LoyaltyService::StubInterface& loyalty() const {
    return *loyalty_;
  }
  feedback::v1::FeedbackService::StubInterface& feedback() const {
    return *feedback_;
  }

  // A context for one backend call made for `request`: the request's
  // x-request-id / traceparent headers and a deadline `backend_timeout` from
  // now, or the caller's earlier deadline (RouteRequest::deadline).
  std::unique_ptr<grpc::ClientContext> NewContext(
      const RouteRequest& request) const;
  // The same without a caller's deadline.
  std::unique_ptr<grpc::ClientContext> NewContext(
      const common::RequestTrace& trace) const;
  // The same with another deadline (long-running calls such as imports).
  std::unique_ptr<grpc::ClientContext> NewContext(
      const common::RequestTrace& trace, absl::Duration timeout) const;

  absl::Duration timeout() const { return timeout_; }

  // Every backend, in the order customer-profile, segmentation, loyalty,
  // feedback.
  const std::vector<BackendChannel>& channels() const { return channels_; }

 private:
  absl::Duration timeout_;
  std::vector<BackendChannel> channels_;
  std::unique_ptr<customerprofile::v1::CustomerProfileService::StubInterface>
      customer_profile_;
  std::unique_ptr<segmentation::v1::SegmentationService::StubInterface>
      segmentation_;
  std::unique_ptr<loyalty::v1::LoyaltyService::StubInterface> loyalty_;
  std::unique_ptr<feedback::v1::FeedbackService::StubInterface> feedback_;
};

}  // namespace crm::gateway

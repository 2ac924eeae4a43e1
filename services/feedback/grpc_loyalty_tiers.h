// LoyaltyTierSource over loyalty's GetAccount (crm.loyalty.v1), each call
// bounded by `deadline`; an error, a timeout or a member without a tier is
// the unknown tier "".
//
//   GrpcLoyaltyTiers tiers(loyalty_channel, absl::Milliseconds(300));
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "crm/loyalty/v1/loyalty_service.grpc.pb.h"
#include "services/feedback/loyalty_tier_source.h"

namespace crm::feedback {

class GrpcLoyaltyTiers final : public LoyaltyTierSource {
 public:
  GrpcLoyaltyTiers(const std::shared_ptr<grpc::Channel>& channel,
                   absl::Duration deadline)
      : stub_(crm::loyalty::v1::LoyaltyService::NewStub(channel)),
        deadline_(deadline) {}

  std::string LoyaltyTierOf(const std::string& customer_id) override;

 private:
  std::unique_ptr<crm::loyalty::v1::LoyaltyService::Stub> stub_;
  const absl::Duration deadline_;
};

}  // namespace crm::feedback

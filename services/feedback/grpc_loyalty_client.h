// LoyaltyClient over loyalty's gRPC API (crm.loyalty.v1.LoyaltyService):
// IssueCompensation bounded by `compensation_deadline`; the tier standing
// from GetAccount (the member's tier) and GetProgram (the highest tier is
// the last of `tiers`), both together bounded by `lookup_deadline`.
//
//   GrpcLoyaltyClient loyalty(channel, absl::Seconds(2),
//                             absl::Milliseconds(300));
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "crm/loyalty/v1/loyalty_service.grpc.pb.h"
#include "services/feedback/loyalty_client.h"

namespace crm::feedback {

class GrpcLoyaltyClient final : public LoyaltyClient {
 public:
  GrpcLoyaltyClient(const std::shared_ptr<grpc::Channel>& channel,
                    absl::Duration compensation_deadline,
                    absl::Duration lookup_deadline)
      : stub_(crm::loyalty::v1::LoyaltyService::NewStub(channel)),
        compensation_deadline_(compensation_deadline),
        lookup_deadline_(lookup_deadline) {}

  absl::StatusOr<IssuedCompensation> IssueCompensation(
      const CompensationRequest& request) override;
  LoyaltyTierStanding TierStandingOf(const std::string& customer_id) override;

 private:
  std::unique_ptr<crm::loyalty::v1::LoyaltyService::Stub> stub_;
  const absl::Duration compensation_deadline_;
  const absl::Duration lookup_deadline_;
};

}  // namespace crm::feedback

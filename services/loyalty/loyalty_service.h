// The gRPC face of loyalty (crm.loyalty.v1): converts requests, applies the
// rules of account_rules.h, calls the repository, and maps absl::Status to
// gRPC status. No SQL here.
//
//   auto service = std::make_unique<LoyaltyServiceImpl>(
//       std::make_unique<MySqlAccountRepository>(pool, clock, ids));
//   builder.RegisterService(service.get());
#pragma once

#include <memory>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "crm/loyalty/v1/loyalty_service.grpc.pb.h"
#include "services/loyalty/account_repository.h"

namespace crm::loyalty {

class LoyaltyServiceImpl final : public v1::LoyaltyService::Service {
 public:
  explicit LoyaltyServiceImpl(std::unique_ptr<AccountRepository> repository);

  grpc::Status GetAccount(grpc::ServerContext* context,
                          const v1::GetAccountRequest* request,
                          v1::Account* response) override;
  grpc::Status AdjustPoints(grpc::ServerContext* context,
                            const v1::AdjustPointsRequest* request,
                            v1::AdjustPointsResponse* response) override;

  // The same operations without gRPC, for in-process callers and tests.
  absl::StatusOr<v1::Account> Get(const v1::GetAccountRequest& request);
  absl::StatusOr<v1::AdjustPointsResponse> Adjust(
      const v1::AdjustPointsRequest& request);

 private:
  std::unique_ptr<AccountRepository> repository_;
};

}  // namespace crm::loyalty

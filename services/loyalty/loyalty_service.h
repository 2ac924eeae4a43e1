// The gRPC face of loyalty (crm.loyalty.v1): each RPC hands the request and
// the call's deadline to AccountManager (account_manager.h) and maps the
// result to a gRPC status with its error details. Nothing else happens here.
//
//   LoyaltyServiceImpl service(manager);
//   builder.RegisterService(&service);
#pragma once

#include <grpcpp/grpcpp.h>

#include "crm/loyalty/v1/loyalty_service.grpc.pb.h"
#include "services/loyalty/account_manager.h"

namespace crm::loyalty {

class LoyaltyServiceImpl final : public v1::LoyaltyService::Service {
 public:
  // `manager` must outlive the service.
  explicit LoyaltyServiceImpl(AccountManager& manager) : manager_(manager) {}

  grpc::Status GetAccount(grpc::ServerContext* context,
                          const v1::GetAccountRequest* request,
                          v1::Account* response) override;
  grpc::Status AdjustPoints(grpc::ServerContext* context,
                            const v1::AdjustPointsRequest* request,
                            v1::AdjustPointsResponse* response) override;

 private:
  AccountManager& manager_;
};

}  // namespace crm::loyalty

#include "services/loyalty/loyalty_service.h"

#include <string>
#include <utility>

#include "services/common/grpc_reply.h"
#include "services/common/status_macros.h"
#include "services/loyalty/account_rules.h"

namespace crm::loyalty {

LoyaltyServiceImpl::LoyaltyServiceImpl(
    std::unique_ptr<AccountRepository> repository)
    : repository_(std::move(repository)) {}

grpc::Status LoyaltyServiceImpl::GetAccount(
    grpc::ServerContext* /*context*/, const v1::GetAccountRequest* request,
    v1::Account* response) {
  return crm::common::ReplyWith(Get(*request), response);
}

grpc::Status LoyaltyServiceImpl::AdjustPoints(
    grpc::ServerContext* /*context*/, const v1::AdjustPointsRequest* request,
    v1::AdjustPointsResponse* response) {
  return crm::common::ReplyWith(Adjust(*request), response);
}

absl::StatusOr<v1::Account> LoyaltyServiceImpl::Get(
    const v1::GetAccountRequest& request) {
  CRM_ASSIGN_OR_RETURN(std::string customer_id,
                       ParseAccountName(request.name(), "name"));
  return repository_->Get(customer_id);
}

absl::StatusOr<v1::AdjustPointsResponse> LoyaltyServiceImpl::Adjust(
    const v1::AdjustPointsRequest& request) {
  CRM_ASSIGN_OR_RETURN(Adjustment adjustment, ValidateAdjustPoints(request));
  return repository_->Adjust(adjustment, request);
}

}  // namespace crm::loyalty

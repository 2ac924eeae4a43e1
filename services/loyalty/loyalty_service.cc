#include "services/loyalty/loyalty_service.h"

#include "services/common/grpc_reply.h"
#include "services/common/grpc_request_context.h"

namespace crm::loyalty {

using ::crm::common::ReplyWith;
using ::crm::common::RequestContextOf;

grpc::Status LoyaltyServiceImpl::GetAccount(
    grpc::ServerContext* context, const v1::GetAccountRequest* request,
    v1::Account* response) {
  return ReplyWith(manager_.GetAccount(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::AdjustPoints(
    grpc::ServerContext* context, const v1::AdjustPointsRequest* request,
    v1::AdjustPointsResponse* response) {
  return ReplyWith(manager_.AdjustPoints(RequestContextOf(context), *request),
                   response);
}

}  // namespace crm::loyalty

// Completes a sync gRPC handler from a domain result.
//
//   grpc::Status GetCustomer(grpc::ServerContext*, const GetCustomerRequest* r,
//                            Customer* response) override {
//     return ReplyWith(GetCustomerImpl(*r), response);
//   }
#pragma once

#include <utility>

#include <grpcpp/support/status.h>

#include "absl/status/statusor.h"
#include "services/common/grpc_status.h"

namespace crm::common {

// On OK moves the value into `*response` and returns OK; otherwise returns
// the mapped error and leaves `*response` untouched.
template <typename Response>
grpc::Status ReplyWith(absl::StatusOr<Response> result, Response* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = std::move(result).value();
  return grpc::Status::OK;
}

}  // namespace crm::common

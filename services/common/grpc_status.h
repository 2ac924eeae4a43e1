// The one place where absl::Status and grpc::Status are converted.
// Canonical codes map one to one; messages are kept as they are. Error
// details (error_details.h) travel as `grpc-status-details-bin`: a
// google.rpc.Status holding a google.rpc.ErrorInfo (always: a status
// without one gets its code's default reason and this process's error
// domain) and a google.rpc.BadRequest when there are field violations.
//
//   return ToGrpcStatus(NotFoundError("customers/42"));
//   absl::Status s = FromGrpcStatus(stub->GetCustomer(&ctx, req, &out));
//   if (ReasonOf(s) == crm::type::v1::RESOURCE_NOT_FOUND) ...
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace crm::common {

grpc::Status ToGrpcStatus(const absl::Status& status);
// Decodes the details when present and well-formed; a status without them
// (or with undecodable ones) keeps only its code and message.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace crm::common

// The one place where absl::Status and grpc::Status are converted.
// Canonical codes map one to one; messages are kept as they are.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace crm::common {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace crm::common

#include "services/common/grpc_status.h"

#include <string>

#include "google/rpc/status.pb.h"
#include "services/common/error_details.h"

namespace crm::common {
grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const absl::Status canonical = CanonicalStatus(status);
  google::rpc::Status details = ToRpcStatus(canonical);
  return grpc::Status(static_cast<grpc::StatusCode>(canonical.code()),
                      std::string(status.message()),
                      details.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  int code = static_cast<int>(status.error_code());
  if (code <= 0 || code > kMaxCanonicalCode) {
    code = static_cast<int>(absl::StatusCode::kUnknown);
  }
  google::rpc::Status details;
  if (!status.error_details().empty() &&
      details.ParseFromString(status.error_details())) {
    details.set_code(code);
    details.set_message(status.error_message());
    return FromRpcStatus(details);
  }
  return absl::Status(static_cast<absl::StatusCode>(code),
                      status.error_message());
}

}  // namespace crm::common

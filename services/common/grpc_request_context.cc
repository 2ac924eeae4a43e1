#include "services/common/grpc_request_context.h"

#include <chrono>

#include "absl/time/clock.h"

namespace crm::common {

RequestContext RequestContextOf(const grpc::ServerContext* context) {
  if (context == nullptr) return RequestContext();
  RequestContext result;
  const std::chrono::system_clock::time_point deadline = context->deadline();
  // gRPC reports "no deadline" as the far future of system_clock.
  if (deadline < std::chrono::system_clock::time_point::max() -
                     std::chrono::hours(24 * 365)) {
    result = RequestContext::WithDeadline(absl::FromChrono(deadline));
  }
  result.set_cancellation([context] { return context->IsCancelled(); });
  return result;
}

}  // namespace crm::common

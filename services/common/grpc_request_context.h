// Builds a RequestContext (request_context.h) from a gRPC server call: the
// client's deadline and the call's cancellation. Only gRPC adapters use this.
//
//   return ReplyWith(manager_->Get(RequestContextOf(context), *request), out);
#pragma once

#include <grpcpp/server_context.h>

#include "services/common/request_context.h"

namespace crm::common {

// `context` must outlive the returned value's use (true within a handler).
RequestContext RequestContextOf(const grpc::ServerContext* context);

}  // namespace crm::common

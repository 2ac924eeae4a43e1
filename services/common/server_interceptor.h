// The gRPC server interceptor that every crm service installs (RunServiceMain
// does it). Per call it:
//  - reads `x-request-id` (or assigns a new one when absent or invalid) and
//    makes it visible to handlers through RequestTraceFrom(), which reads the
//    call's client metadata;
//  - returns the request id in the response's initial metadata;
//  - at the end of the call records crm_grpc_server_handled_total{method,code}
//    and crm_grpc_server_handling_seconds{method} and writes one JSON access
//    line (method, code, duration_ms, request_id, peer, and traceparent when
//    the caller sent one). Health-check and reflection calls are logged at
//    DEBUG so that probes do not flood the log.
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <memory>

#include "services/common/metrics.h"

namespace crm::common {

// `metrics` must outlive every server that uses the factory.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewServerInterceptorFactory(Metrics& metrics);

}  // namespace crm::common

// The admin HTTP port of every crm service:
//   GET /metrics  Prometheus text (version 0.0.4) of `metrics`;
//   GET /healthz  200 while the process runs (liveness);
//   GET /readyz   200 while `ready()` is true, else 503 (readiness), with a
//                 small JSON body saying which.
// Other paths get 404 and other methods 405, with JSON error bodies.
#pragma once

#include <functional>

#include "services/common/http_server.h"
#include "services/common/metrics.h"

namespace crm::common {

// `metrics` must outlive the handler; `ready` is called per /readyz request
// and must be thread-safe.
HttpHandler MakeAdminHandler(Metrics& metrics, std::function<bool()> ready);

}  // namespace crm::common

// The hand-written /v1 routes (composite endpoints only).
#pragma once

#include "absl/time/time.h"
#include "gateway/backend_clients.h"
#include "gateway/router.h"

namespace crm::gateway {

// The CSV upload route: the only one whose body may exceed max_body_bytes
// (up to max_import_body_bytes).
inline constexpr char kImportCustomersRoute[] = "/v1/customers:import";

// POST /v1/customers:import (see README.md): the one hand-written /v1
// route; every other is transcoded from the protos (transcoding/). An
// import's backend deadline is backend_timeout + 1 s per 25 KB of upload, at
// most `import_timeout`.
void AddCustomerImportRoute(Router& router, const BackendClients& clients,
                            absl::Duration import_timeout);

}  // namespace crm::gateway

// The /v1 API routes of each backend service (one file per service).
#pragma once

#include "absl/time/time.h"
#include "gateway/backend_clients.h"
#include "gateway/router.h"

namespace crm::gateway {

// The CSV upload route: the only one whose body may exceed max_body_bytes
// (up to max_import_body_bytes).
inline constexpr char kImportCustomersRoute[] = "/v1/customers:import";

// Customers: create, get, list, update, find duplicates, merge, erase,
// export, CSV import (see README.md). An import's backend deadline is
// backend_timeout + 1 s per 25 KB of upload, at most `import_timeout`.
void AddCustomerRoutes(Router& router, const BackendClients& clients,
                       absl::Duration import_timeout);
// Orders and interaction events: record, refund, list orders, batch-record
// events.
void AddOrderRoutes(Router& router, const BackendClients& clients);
// POST /v1/segments, GET /v1/segments/{segment}, GET /v1/segments.
void AddSegmentRoutes(Router& router, const BackendClients& clients);
// GET /v1/accounts/{customer}, POST /v1/accounts/{customer}:adjustPoints.
void AddLoyaltyRoutes(Router& router, const BackendClients& clients);
// POST /v1/feedback, GET /v1/feedback.
void AddFeedbackRoutes(Router& router, const BackendClients& clients);

}  // namespace crm::gateway

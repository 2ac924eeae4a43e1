// The /v1 API routes of each backend service (one file per service).
#pragma once

#include "gateway/backend_clients.h"
#include "gateway/router.h"

namespace crm::gateway {

// POST /v1/customers, GET /v1/customers/{customer}, GET /v1/customers.
void AddCustomerRoutes(Router& router, const BackendClients& clients);
// POST /v1/segments, GET /v1/segments/{segment}, GET /v1/segments.
void AddSegmentRoutes(Router& router, const BackendClients& clients);
// GET /v1/accounts/{customer}, POST /v1/accounts/{customer}:adjustPoints.
void AddLoyaltyRoutes(Router& router, const BackendClients& clients);
// POST /v1/feedback, GET /v1/feedback.
void AddFeedbackRoutes(Router& router, const BackendClients& clients);

}  // namespace crm::gateway

// GET /v1/customers/{customer}:export — the data-subject access request:
// every service's data on one customer in one document, each service
// contributing through its own export RPC.
//
//   AddCustomerExportRoute(router, clients);
//
// The access rule is crm.gateway.v1.CustomerExport (auth/access_rules.cc).
#pragma once

#include "gateway/backend_clients.h"
#include "gateway/router.h"

namespace crm::gateway {

inline constexpr char kCustomerExportRoute[] =
    "/v1/customers/{customer}:export";
inline constexpr char kCustomerExportMethod[] = "crm.gateway.v1.CustomerExport";

void AddCustomerExportRoute(Router& router, const BackendClients& clients);

}  // namespace crm::gateway

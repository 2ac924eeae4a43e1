// GET /v1/customers/{customer}:export — the data-subject access request:
// every service's data on one customer in one document, each service
// contributing through its own export RPC.
//
//   AddCustomerExportRoute(router, clients);
//
// The calls, all started at once, each with the request's backend deadline:
//   profile       customer-profile ExportCustomerData (the record, orders,
//                 events, merged customers)
//   segmentation  segmentation ExportCustomerSegmentationData (read model,
//                 aggregate, score, lifecycle history, memberships)
//   loyalty       loyalty ExportAccountData (accounts, ledger, lots,
//                 coupons)
//   feedback      feedback ExportCustomerFeedback (feedback, survey
//                 responses, tickets and their history)
// Answer: 200 with
//   {"customer": "customers/{customer}", "profile": {...},
//    "segmentation": {...}, "loyalty": {...}, "feedback": {...},
//    "missing": []}
// only when every service answered: an incomplete export must not pass for
// a complete one. When any call fails, the answer is 503 UNAVAILABLE, reason
// BACKEND_UNAVAILABLE, whose ErrorInfo metadata `backends` names the
// services that did not answer ("loyalty,feedback") and has one entry per
// such service with its status code ("loyalty": "UNAVAILABLE"); the client
// retries. An unknown or erased customer (customer-profile's NOT_FOUND) is
// 404 whatever the other services answered. The id must be 1-128 of
// [A-Za-z0-9_-]; query parameters are refused.
// The access rule is crm.gateway.v1.CustomerExport (auth/access_rules.cc):
// admin and agent, and a customer token for its own customer (/v1/me:export);
// not analysts.
#pragma once

#include "gateway/backend_clients.h"
#include "gateway/router.h"

namespace crm::gateway {

inline constexpr char kCustomerExportRoute[] =
    "/v1/customers/{customer}:export";
inline constexpr char kCustomerExportMethod[] = "crm.gateway.v1.CustomerExport";

void AddCustomerExportRoute(Router& router, const BackendClients& clients);

}  // namespace crm::gateway

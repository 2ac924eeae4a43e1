// GET /v1/customers/{customer}:view — the customer 360 view: one answer from
// every service, gathered concurrently.
//
//   AddCustomerViewRoute(router, clients);
//
// The parts and the calls behind them (all started at once, each with the
// request's backend deadline):
//   customer             customer-profile GetCustomer
//   score                segmentation GetCustomerScore (RFM, value tier,
//                        lifecycle stage, CLV, P(alive))
//   account              loyalty GetAccount (balance, tier)
//   recentLedgerEntries  loyalty ListLedgerEntries (the 10 latest)
//   recentFeedback       feedback ListFeedback (the 10 latest of this
//                        customer)
// Answer: 200 with every part that came back, `null` for a part the
// backend does not have (NOT_FOUND: a customer without orders has no
// score), and `missing`: one entry per part that failed
// ({"part", "backend", "status", "reason"}), so a client shows the rest when
// a backend is down. The customer itself NOT_FOUND is 404, as for
// GetCustomer. The access rule is crm.gateway.v1.CustomerView
// (auth/access_rules.cc); analysts get personal data masked, a customer
// token only its own view.
#pragma once

#include "gateway/backend_clients.h"
#include "gateway/router.h"

namespace crm::gateway {

inline constexpr char kCustomerViewRoute[] = "/v1/customers/{customer}:view";
inline constexpr char kCustomerViewMethod[] = "crm.gateway.v1.CustomerView";

void AddCustomerViewRoute(Router& router, const BackendClients& clients);

}  // namespace crm::gateway

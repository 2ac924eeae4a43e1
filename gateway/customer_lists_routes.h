// One customer's coupons and survey responses, with the customer filter set
// by the gateway (hand-written routes; the /v1/me aliases of
// auth/customer_routes.h lead here):
//
//   GET /v1/customers/{customer}/coupons          loyalty ListCoupons,
//       filter `customer = "customers/{customer}"` (every state), newest
//       issue first; access crm.gateway.v1.CustomerCoupons
//   GET /v1/customers/{customer}/surveyResponses  feedback
//       ListSurveyResponses(parent `surveys/-`, filter
//       `customer = "customers/{customer}"`), newest first; access
//       crm.gateway.v1.CustomerSurveyResponses
//
//   AddCustomerListsRoutes(router, clients);
//
// Query parameters: `pageSize` / `page_size` and `pageToken` /
// `page_token` only. Any other, `filter` included, is 400 FIELD_INVALID:
// the filter is the gateway's, so a caller (a customer token above all)
// can never widen it to another customer. The backend's page token is bound
// to that filter. Analysts get personal data masked (survey free text).
#pragma once

#include "gateway/backend_clients.h"
#include "gateway/router.h"

namespace crm::gateway {

inline constexpr char kCustomerCouponsRoute[] =
    "/v1/customers/{customer}/coupons";
inline constexpr char kCustomerCouponsMethod[] =
    "crm.gateway.v1.CustomerCoupons";
inline constexpr char kCustomerSurveyResponsesRoute[] =
    "/v1/customers/{customer}/surveyResponses";
inline constexpr char kCustomerSurveyResponsesMethod[] =
    "crm.gateway.v1.CustomerSurveyResponses";

void AddCustomerListsRoutes(Router& router, const BackendClients& clients);

}  // namespace crm::gateway

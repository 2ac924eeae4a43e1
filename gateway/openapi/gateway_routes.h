// The gateway's own routes as the OpenAPI document describes them (routes
// the gateway serves itself rather than transcoding one RPC):
//
//   OpenApiOptions options;
//   options.gateway_routes = CrmGatewayRoutes();
//
//   GET /v1/customers/{customer}:view            the customer 360 view
//   GET /v1/customers/{customer}:export          the suite-wide export
//   GET /v1/customers/{customer}/coupons         one customer's coupons
//   GET /v1/customers/{customer}/surveyResponses one customer's responses
//   GET /v1/whoami                               the caller
// The shapes are those of customer_view_route.h, customer_export_route.h,
// customer_lists_routes.h and whoami_route.h; gateway_api_reference_test
// checks each is served.
#pragma once

#include <vector>

#include "gateway/openapi/openapi_document.h"

namespace crm::gateway::openapi {

std::vector<GatewayRoute> CrmGatewayRoutes();

}  // namespace crm::gateway::openapi

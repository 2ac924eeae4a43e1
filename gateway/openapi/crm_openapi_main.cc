// crm-openapi: prints the OpenAPI document the gateway serves at
// /openapi.json, for the linter and for reading.
//
//   crm-openapi > openapi.json

#include <cstdio>
#include <string>

#include "gateway/openapi/crm_api_services.h"
#include "gateway/openapi/gateway_routes.h"
#include "gateway/openapi/json_value.h"
#include "gateway/openapi/openapi_document.h"

int main(int argc, char** argv) {
  if (argc > 1) {
    std::fprintf(stderr, "usage: %s > openapi.json\n", argv[0]);
    return 2;
  }
  crm::gateway::openapi::OpenApiOptions options;
  options.descriptor_set_with_comments =
      crm::gateway::openapi::CrmApiDescriptorSet();
  options.gateway_routes = crm::gateway::openapi::CrmGatewayRoutes();
  const std::string document = crm::gateway::openapi::BuildOpenApiDocument(
      crm::gateway::openapi::CrmApiServices(), options);
  std::fwrite(document.data(), 1, document.size(), stdout);
  std::fputc('\n', stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

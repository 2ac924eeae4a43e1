// The OpenAPI form of a google.api.http path template (parsed by the
// gateway's transcoder, transcoding/route_template.h).
//
//   absl::StatusOr<transcoding::RouteTemplate> t =
//       transcoding::RouteTemplate::Parse(
//           "/v1/{name=customers/*/orders/*}:refund");
//   OpenApiPath path =
//       ToOpenApiPath(*t, {"customers/{customer}/orders/{order}"});
//   // path.path == "/v1/customers/{customer}/orders/{order}:refund"
//   // path.parameters: customer and order, both bound to field `name`.
#pragma once

#include <string>
#include <vector>

#include "gateway/transcoding/route_template.h"

namespace crm::gateway::openapi {

// One OpenAPI path parameter: a wildcard segment of the template.
struct OpenApiPathParameter {
  std::string name;           // As it appears in the OpenAPI path.
  std::string field_path;     // The request field it is part of; empty for a
                              // wildcard outside any variable.
  std::string field_pattern;  // The field's value, e.g. "customers/{customer}".
  bool multi_segment = false;  // "**": the value may contain '/'.
};

struct OpenApiPath {
  std::string path;  // "/v1/customers/{customer}:erase"
  std::vector<OpenApiPathParameter> parameters;
};

// The OpenAPI path of `path_template`. Each wildcard becomes a parameter
// named after the matching resource pattern in `resource_patterns` (e.g.
// "customers/{customer}"), else after the literal before it ("customers" ->
// "customer"), else "<field>"; names are made unique with a numeric suffix.
OpenApiPath ToOpenApiPath(const transcoding::RouteTemplate& path_template,
                          const std::vector<std::string>& resource_patterns);

}  // namespace crm::gateway::openapi

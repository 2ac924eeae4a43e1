// google.api.http path templates (google/api/http.proto) and their OpenAPI
// form.
//
//   absl::StatusOr<PathTemplate> t =
//       ParsePathTemplate("/v1/{name=customers/*/orders/*}:refund");
//   // t->variables[0].field_path == "name",
//   // t->variables[0].segments == {"customers", "*", "orders", "*"}
//   OpenApiPath path = ToOpenApiPath(*t,
//   {"customers/{customer}/orders/{order}"});
//   // path.path == "/v1/customers/{customer}/orders/{order}:refund"
//   // path.parameters: customer and order, both bound to field `name`.
//
// Grammar: Template = "/" Segments [":" Verb]; Segment = "*" | "**" |
// LITERAL | "{" FieldPath ["=" Segments] "}". A variable without "=" is
// "{x=*}".
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crm::gateway::openapi {

struct PathTemplate {
  // One top-level segment: a literal, "*", "**", or a variable.
  struct Segment {
    std::string literal;  // "*" and "**" for wildcards; empty for variables.
    int variable = -1;    // Index into `variables`, or -1.
  };
  struct Variable {
    std::string field_path;             // "name", "customer.name".
    std::vector<std::string> segments;  // Literals, "*" or "**".
  };
  std::vector<Segment> segments;
  std::vector<Variable> variables;
  std::string verb;  // Without ':'; empty if none.
};

// INVALID_ARGUMENT when `text` does not follow the grammar.
absl::StatusOr<PathTemplate> ParsePathTemplate(absl::string_view text);

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
OpenApiPath ToOpenApiPath(const PathTemplate& path_template,
                          const std::vector<std::string>& resource_patterns);

}  // namespace crm::gateway::openapi

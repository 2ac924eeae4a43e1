// The OpenAPI 3.1 description of the HTTP API, generated from the gRPC
// service descriptors and their google.api annotations: paths from
// google.api.http (additional_bindings too), required / readOnly /
// writeOnly from google.api.field_behavior, path parameter names from
// google.api.resource patterns, descriptions from the proto comments.
//
//   OpenApiOptions options;
//   options.descriptor_set_with_comments = CrmApiDescriptorSet();
//   std::string json = BuildOpenApiDocument(CrmApiServices(), options);
//
// Mapping (proto3 JSON mapping throughout):
//   - one operation per binding; operationId "<Service>_<Method>", then
//     "<Service>_<Method>_2", "_3", ... for additional bindings; tag
//     "<Service>"; "x-crm-rpc" holds the method's full name.
//   - path template "/v1/{name=customers/*}" -> "/v1/customers/{customer}";
//     each path parameter documents the field it fills and its pattern.
//   - body "*": the request message (minus path-bound fields) is the JSON
//     body; body "<field>": that field is; every other request field that is
//     neither in the path nor the body is a query parameter named by its
//     lowerCamel JSON path ("pageSize", "order.channel"); map, Struct and
//     repeated message fields are not (they cannot be written in a query).
//   - 200 carries the response message (or its response_body field).
//     Streaming RPCs are left out: the gateway serves none over HTTP
//     (transcoding/transcoder.h), and the document lists what it serves.
//   - "400" (BadRequest) and "default" (Error) are shared responses in
//     Google's JSON error shape (schema "Status": {"error": {code, message,
//     status, details[]}} with google.rpc.ErrorInfo and google.rpc.BadRequest
//     details).
//   - components.schemas: every message and enum the operations reach, named
//     by full proto name. int64/uint64 are strings, enums are their value
//     names, Timestamp is a date-time string, Duration and FieldMask are
//     strings, Struct/Value/ListValue are any JSON, maps are objects with
//     additionalProperties, wrappers are nullable; oneof members say so.
// RPCs without google.api.http, and client-streaming RPCs, are left out.
// The gateway's own routes (OpenApiOptions::gateway_routes) are added by
// hand after the RPCs' bindings, tagged "Gateway", with "x-crm-rpc" naming
// their access rule ("crm.gateway.v1.CustomerView"); one on the same path
// and verb as an RPC's binding replaces it (the gateway routes its own
// routes first, so the RPC's binding is not what that path serves).
// The output is deterministic: object keys are sorted.
#pragma once

#include <google/protobuf/descriptor.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace crm::gateway::openapi {

// One property of a gateway route's JSON answer.
struct GatewayRouteProperty {
  std::string name;  // JSON name, "customer"
  // The full name of the message it holds ("crm.customerprofile.v1.Customer",
  // its schema then joins components), or "" for a plain `type`.
  std::string message;
  std::string type = "object";  // When `message` is "".
  bool repeated = false;        // An array of it.
  bool nullable = false;        // May be null.
  std::string description;
};

// A route the gateway serves itself (not an RPC's binding).
struct GatewayRoute {
  std::string verb;           // "get"
  std::string path;           // "/v1/customers/{customer}:view"
  std::string operation_id;   // "Gateway_GetCustomerView"
  std::string access_method;  // Its access rule: "crm.gateway.v1.CustomerView"
  std::string summary;
  std::string description;  // CommonMark.
  // Path parameters (name, description), strings.
  std::vector<std::pair<std::string, std::string>> path_parameters;
  // Query parameters (name, description) and whether each is an integer.
  std::vector<std::pair<std::string, std::string>> query_parameters;
  std::vector<std::string> integer_query_parameters;
  // The 200 answer: the message `response_message`, or else an object of
  // `response_properties`.
  std::string response_message;
  std::vector<GatewayRouteProperty> response_properties;
  // Names of response_properties that may be absent (the others are
  // required).
  std::vector<std::string> optional_properties;
  std::string response_description;
};

struct OpenApiOptions {
  std::string title = "crm-suite HTTP API";
  std::string version = "v1";
  // info.description (CommonMark).
  std::string description =
      "The crm-suite HTTP/JSON API, generated from the services' protos. "
      "Errors use Google's JSON error shape; every response carries "
      "x-request-id.";
  // The one entry of `servers`; relative URLs resolve against the document.
  std::string server_url = "/";
  // A serialized FileDescriptorSet with source info: the proto comments in
  // it become descriptions. Empty: no descriptions.
  absl::string_view descriptor_set_with_comments;
  // The gateway's own routes (gateway_routes.h for the crm document).
  std::vector<GatewayRoute> gateway_routes;
};

// The OpenAPI document of the bindings of `services`, as compact JSON.
std::string BuildOpenApiDocument(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services,
    const OpenApiOptions& options);

}  // namespace crm::gateway::openapi

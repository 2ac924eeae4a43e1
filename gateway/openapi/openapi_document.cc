#include "gateway/openapi/openapi_document.h"

#include <google/protobuf/descriptor.pb.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "crm/type/v1/error_reason.pb.h"
#include "gateway/openapi/json_value.h"
#include "gateway/openapi/openapi_path.h"
#include "gateway/openapi/proto_comments.h"
#include "google/api/annotations.pb.h"
#include "google/api/field_behavior.pb.h"
#include "google/api/http.pb.h"
#include "google/api/resource.pb.h"
#include "google/rpc/code.pb.h"
#include "google/rpc/error_details.pb.h"

namespace crm::gateway::openapi {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

constexpr char kSchemaRefPrefix[] = "#/components/schemas/";
constexpr char kApiKeyScheme[] = "ApiKey";
constexpr char kCustomerTokenScheme[] = "CustomerToken";
constexpr char kErrorResponseRef[] = "#/components/responses/Error";
constexpr char kBadRequestResponseRef[] = "#/components/responses/BadRequest";
constexpr char kStatusSchema[] = "Status";
constexpr char kJson[] = "application/json";
constexpr char kGatewayTag[] = "Gateway";

JsonValue Ref(absl::string_view name) {
  JsonValue ref = JsonValue::Object();
  ref.Set("$ref", absl::StrCat(kSchemaRefPrefix, name));
  return ref;
}

JsonValue TypeSchema(absl::string_view type, absl::string_view format = "") {
  JsonValue schema = JsonValue::Object();
  schema.Set("type", type);
  if (!format.empty()) schema.Set("format", format);
  return schema;
}

// {"type": [type, "null"]}: a wrapper type, absent or null when unset.
JsonValue NullableSchema(absl::string_view type,
                         absl::string_view format = "") {
  JsonValue schema = TypeSchema(type, format);
  schema.Set("type", JsonValue::Array({type, "null"}));
  return schema;
}

bool HasBehavior(const FieldDescriptor* field,
                 google::api::FieldBehavior behavior) {
  const auto& options = field->options();
  for (int i = 0; i < options.ExtensionSize(google::api::field_behavior); ++i) {
    if (options.GetExtension(google::api::field_behavior, i) == behavior) {
      return true;
    }
  }
  return false;
}

// The text up to the end of the first sentence, on one line.
std::string FirstSentence(absl::string_view text) {
  std::string flat = absl::StrReplaceAll(text, {{"\n", " "}});
  size_t end = flat.find(". ");
  if (end != std::string::npos) return flat.substr(0, end + 1);
  return flat;
}

void AppendParagraph(std::string& text, absl::string_view paragraph) {
  if (paragraph.empty()) return;
  if (!text.empty()) text += "\n\n";
  absl::StrAppend(&text, paragraph);
}

void SetDescription(JsonValue& schema, const std::string& description) {
  if (!description.empty()) schema.Set("description", description);
}

// The fields along `path` ("customer.name") from `message`; empty if a
// segment is not a field, or not a message before the last.
std::vector<const FieldDescriptor*> FieldsAlong(const Descriptor* message,
                                                absl::string_view path) {
  std::vector<const FieldDescriptor*> fields;
  for (absl::string_view name : absl::StrSplit(path, '.')) {
    if (message == nullptr) return {};
    const FieldDescriptor* field = message->FindFieldByName(std::string(name));
    if (field == nullptr) return {};
    fields.push_back(field);
    message = field->message_type();
  }
  return fields;
}

std::string JsonPath(const std::vector<const FieldDescriptor*>& fields) {
  std::vector<std::string> names;
  for (const FieldDescriptor* field : fields) {
    names.push_back(field->json_name());
  }
  return absl::StrJoin(names, ".");
}

class DocumentBuilder {
 public:
  explicit DocumentBuilder(const OpenApiOptions& options)
      : options_(options), comments_(options.descriptor_set_with_comments) {}

  std::string Build(const std::vector<const ServiceDescriptor*>& services) {
    JsonValue document = JsonValue::Object();
    document.Set("openapi", "3.1.0");
    JsonValue& info = document["info"];
    info.Set("title", options_.title);
    info.Set("version", options_.version);
    if (!options_.description.empty()) {
      info.Set("description", options_.description);
    }
    JsonValue server = JsonValue::Object();
    server.Set("url", options_.server_url);
    document.Set("servers", JsonValue::Array({server}));

    CollectResourcePatterns(services);
    JsonValue& tags = document["tags"] = JsonValue::Array();
    paths_ = JsonValue::Object();
    for (const ServiceDescriptor* service : services) {
      if (service == nullptr) continue;
      JsonValue tag = JsonValue::Object();
      tag.Set("name", service->name());
      std::string description = comments_.Of(service);
      tag.Set("description",
              description.empty() ? service->full_name() : description);
      tags.Append(std::move(tag));
      for (int i = 0; i < service->method_count(); ++i) {
        AddOperations(service->method(i));
      }
    }
    if (!options_.gateway_routes.empty()) {
      JsonValue tag = JsonValue::Object();
      tag.Set("name", kGatewayTag);
      tag.Set("description",
              "The gateway's own routes: composites over several services "
              "and the caller's identity.");
      tags.Append(std::move(tag));
      for (const GatewayRoute& route : options_.gateway_routes) {
        AddGatewayOperation(route);
      }
    }
    document.Set("paths", std::move(paths_));

    // Every /v1 operation needs credentials (gateway/auth): a staff or
    // machine API key, or a customer token where the method allows it.
    JsonValue api_key_requirement = JsonValue::Object();
    api_key_requirement.Set(kApiKeyScheme, JsonValue::Array());
    JsonValue token_requirement = JsonValue::Object();
    token_requirement.Set(kCustomerTokenScheme, JsonValue::Array());
    document.Set("security", JsonValue::Array({std::move(api_key_requirement),
                                               std::move(token_requirement)}));

    JsonValue& components = document["components"];
    AddSecuritySchemes(components);
    AddErrorSchemas(components);
    FlushPendingSchemas();
    components.Set("schemas", std::move(schemas_));
    return document.Serialize();
  }

 private:
  // --- Resource patterns, for path parameter names ----------------------

  void CollectResourcePatterns(
      const std::vector<const ServiceDescriptor*>& services) {
    std::set<const FileDescriptor*> seen;
    std::vector<const FileDescriptor*> files;
    for (const ServiceDescriptor* service : services) {
      if (service != nullptr) files.push_back(service->file());
    }
    while (!files.empty()) {
      const FileDescriptor* file = files.back();
      files.pop_back();
      if (!seen.insert(file).second) continue;
      for (int i = 0; i < file->dependency_count(); ++i) {
        files.push_back(file->dependency(i));
      }
      for (const google::api::ResourceDescriptor& resource :
           file->options().GetRepeatedExtension(
               google::api::resource_definition)) {
        AddPatterns(resource);
      }
      for (int i = 0; i < file->message_type_count(); ++i) {
        CollectMessagePatterns(file->message_type(i));
      }
    }
  }

  void CollectMessagePatterns(const Descriptor* message) {
    if (message->options().HasExtension(google::api::resource)) {
      AddPatterns(message->options().GetExtension(google::api::resource));
    }
    for (int i = 0; i < message->nested_type_count(); ++i) {
      CollectMessagePatterns(message->nested_type(i));
    }
  }

  void AddPatterns(const google::api::ResourceDescriptor& resource) {
    for (const std::string& pattern : resource.pattern()) {
      resource_patterns_.push_back(pattern);
    }
  }

  // --- Operations --------------------------------------------------------

  void AddOperations(const MethodDescriptor* method) {
    if (!method->options().HasExtension(google::api::http)) return;
    // Client streams have no binding (transcoding/transcoder.h); server
    // streams are served as server-sent events or NDJSON.
    if (method->client_streaming()) return;
    const google::api::HttpRule& rule =
        method->options().GetExtension(google::api::http);
    std::vector<const google::api::HttpRule*> bindings = {&rule};
    for (const google::api::HttpRule& binding : rule.additional_bindings()) {
      bindings.push_back(&binding);
    }
    for (size_t i = 0; i < bindings.size(); ++i) {
      AddOperation(method, *bindings[i], i);
    }
  }

  static std::pair<std::string, std::string> VerbAndTemplate(
      const google::api::HttpRule& rule) {
    switch (rule.pattern_case()) {
      case google::api::HttpRule::kGet:
        return {"get", rule.get()};
      case google::api::HttpRule::kPut:
        return {"put", rule.put()};
      case google::api::HttpRule::kPost:
        return {"post", rule.post()};
      case google::api::HttpRule::kDelete:
        return {"delete", rule.delete_()};
      case google::api::HttpRule::kPatch:
        return {"patch", rule.patch()};
      case google::api::HttpRule::kCustom:
        return {absl::AsciiStrToLower(rule.custom().kind()),
                rule.custom().path()};
      case google::api::HttpRule::PATTERN_NOT_SET:
        break;
    }
    return {"", ""};
  }

  void AddOperation(const MethodDescriptor* method,
                    const google::api::HttpRule& rule, size_t binding_index) {
    auto [verb, template_text] = VerbAndTemplate(rule);
    absl::StatusOr<transcoding::RouteTemplate> parsed =
        transcoding::RouteTemplate::Parse(template_text);
    // A binding the gateway cannot route either; the route/RPC cross-check
    // test reports it.
    if (verb.empty() || !parsed.ok()) return;
    OpenApiPath path = ToOpenApiPath(*parsed, resource_patterns_);
    const Descriptor* input = method->input_type();

    JsonValue operation = JsonValue::Object();
    std::string operation_id =
        absl::StrCat(method->service()->name(), "_", method->name());
    if (binding_index > 0)
      absl::StrAppend(&operation_id, "_", binding_index + 1);
    operation.Set("operationId", operation_id);
    operation.Set("tags", JsonValue::Array({method->service()->name()}));
    operation.Set("x-crm-rpc", method->full_name());
    std::string comment = comments_.Of(method);
    operation.Set("summary",
                  comment.empty() ? method->name() : FirstSentence(comment));
    SetDescription(operation, comment);

    JsonValue parameters = JsonValue::Array();
    std::set<std::string> bound_paths;
    for (const OpenApiPathParameter& parameter : path.parameters) {
      parameters.Append(PathParameter(input, parameter));
      if (!parameter.field_path.empty()) {
        bound_paths.insert(parameter.field_path);
      }
    }
    const std::string& body = rule.body();
    if (body != "*") {
      std::set<std::string> excluded = bound_paths;
      if (!body.empty()) excluded.insert(body);
      std::set<const Descriptor*> visiting;
      AddQueryParameters(input, {}, excluded, visiting, parameters);
    }
    if (!parameters.items().empty()) {
      operation.Set("parameters", std::move(parameters));
    }
    if (!body.empty()) {
      operation.Set("requestBody", RequestBody(input, body, bound_paths));
    }
    JsonValue& responses = operation["responses"];
    responses.Set("200", SuccessResponse(method, rule.response_body()));
    JsonValue bad_request = JsonValue::Object();
    bad_request.Set("$ref", kBadRequestResponseRef);
    responses.Set("400", std::move(bad_request));
    JsonValue error = JsonValue::Object();
    error.Set("$ref", kErrorResponseRef);
    responses.Set("default", std::move(error));

    paths_[path.path].Set(verb, std::move(operation));
  }

  // --- The gateway's own routes -------------------------------------------

  JsonValue GatewayPropertySchema(const GatewayRouteProperty& property) {
    JsonValue value;
    if (!property.message.empty()) {
      const Descriptor* message =
          google::protobuf::DescriptorPool::generated_pool()
              ->FindMessageTypeByName(property.message);
      value = message != nullptr ? MessageRef(message) : TypeSchema("object");
    } else {
      value = TypeSchema(property.type);
    }
    JsonValue schema;
    if (property.repeated) {
      schema = TypeSchema("array");
      schema.Set("items", std::move(value));
    } else if (property.nullable) {
      schema = JsonValue::Object();
      schema.Set("oneOf",
                 JsonValue::Array({std::move(value), TypeSchema("null")}));
    } else {
      schema = std::move(value);
    }
    SetDescription(schema, property.description);
    return schema;
  }

  void AddGatewayOperation(const GatewayRoute& route) {
    JsonValue operation = JsonValue::Object();
    operation.Set("operationId", route.operation_id);
    operation.Set("tags", JsonValue::Array({kGatewayTag}));
    operation.Set("x-crm-rpc", route.access_method);
    operation.Set("summary", route.summary);
    SetDescription(operation, route.description);
    JsonValue parameters = JsonValue::Array();
    for (const auto& [name, description] : route.path_parameters) {
      JsonValue parameter = JsonValue::Object();
      parameter.Set("name", name);
      parameter.Set("in", "path");
      parameter.Set("required", true);
      parameter.Set("schema", TypeSchema("string"));
      SetDescription(parameter, description);
      parameters.Append(std::move(parameter));
    }
    for (const auto& [name, description] : route.query_parameters) {
      const bool integer =
          std::find(route.integer_query_parameters.begin(),
                    route.integer_query_parameters.end(),
                    name) != route.integer_query_parameters.end();
      JsonValue parameter = JsonValue::Object();
      parameter.Set("name", name);
      parameter.Set("in", "query");
      parameter.Set("schema", integer ? TypeSchema("integer", "int32")
                                      : TypeSchema("string"));
      SetDescription(parameter, description);
      parameters.Append(std::move(parameter));
    }
    if (!parameters.items().empty()) {
      operation.Set("parameters", std::move(parameters));
    }
    JsonValue schema;
    if (!route.response_message.empty()) {
      GatewayRouteProperty whole;
      whole.message = route.response_message;
      schema = GatewayPropertySchema(whole);
    } else {
      schema = TypeSchema("object");
      JsonValue required = JsonValue::Array();
      for (const GatewayRouteProperty& property : route.response_properties) {
        schema["properties"].Set(property.name,
                                 GatewayPropertySchema(property));
        if (std::find(route.optional_properties.begin(),
                      route.optional_properties.end(),
                      property.name) == route.optional_properties.end()) {
          required.Append(property.name);
        }
      }
      if (!required.items().empty()) {
        schema.Set("required", std::move(required));
      }
    }
    JsonValue media = JsonValue::Object();
    media.Set("schema", std::move(schema));
    JsonValue success = JsonValue::Object();
    success.Set("description", route.response_description.empty()
                                   ? std::string("OK")
                                   : route.response_description);
    success["content"].Set(kJson, std::move(media));
    JsonValue& responses = operation["responses"];
    responses.Set("200", std::move(success));
    JsonValue bad_request = JsonValue::Object();
    bad_request.Set("$ref", kBadRequestResponseRef);
    responses.Set("400", std::move(bad_request));
    JsonValue error = JsonValue::Object();
    error.Set("$ref", kErrorResponseRef);
    responses.Set("default", std::move(error));
    paths_[route.path].Set(route.verb, std::move(operation));
  }

  JsonValue PathParameter(const Descriptor* input,
                          const OpenApiPathParameter& parameter) {
    JsonValue result = JsonValue::Object();
    result.Set("name", parameter.name);
    result.Set("in", "path");
    result.Set("required", true);
    result.Set("schema", TypeSchema("string"));
    std::string description;
    if (!parameter.field_path.empty()) {
      std::vector<const FieldDescriptor*> fields =
          FieldsAlong(input, parameter.field_path);
      description =
          absl::StrCat("The `{", parameter.name, "}` segment of `",
                       fields.empty() ? parameter.field_path : JsonPath(fields),
                       "` (`", parameter.field_pattern, "`).");
      if (!fields.empty())
        AppendParagraph(description, comments_.Of(fields.back()));
    }
    if (parameter.multi_segment) {
      AppendParagraph(description, "May span several path segments ('/').");
    }
    SetDescription(result, description);
    return result;
  }

  // Request fields that travel in the query string, as `a.b` JSON paths.
  void AddQueryParameters(const Descriptor* message,
                          std::vector<const FieldDescriptor*> prefix,
                          const std::set<std::string>& excluded,
                          std::set<const Descriptor*>& visiting,
                          JsonValue& parameters) {
    visiting.insert(message);
    for (int i = 0; i < message->field_count(); ++i) {
      const FieldDescriptor* field = message->field(i);
      std::vector<const FieldDescriptor*> path = prefix;
      path.push_back(field);
      std::vector<std::string> proto_names;
      for (const FieldDescriptor* f : path) proto_names.push_back(f->name());
      if (excluded.count(absl::StrJoin(proto_names, ".")) > 0) continue;
      if (field->is_map()) continue;
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        const Descriptor* type = field->message_type();
        if (IsScalarLikeWellKnownType(type)) {
          parameters.Append(QueryParameter(path));
        } else if (!field->is_repeated() && !IsWellKnownType(type) &&
                   visiting.count(type) == 0) {
          AddQueryParameters(type, path, excluded, visiting, parameters);
        }
        continue;
      }
      parameters.Append(QueryParameter(path));
    }
    visiting.erase(message);
  }

  JsonValue QueryParameter(const std::vector<const FieldDescriptor*>& path) {
    const FieldDescriptor* field = path.back();
    JsonValue result = JsonValue::Object();
    result.Set("name", JsonPath(path));
    result.Set("in", "query");
    bool required = true;
    for (const FieldDescriptor* f : path) {
      required = required && HasBehavior(f, google::api::REQUIRED);
    }
    if (required) result.Set("required", true);
    JsonValue schema = ValueSchema(field);
    if (field->is_repeated()) {
      JsonValue array = TypeSchema("array");
      array.Set("items", std::move(schema));
      schema = std::move(array);
    }
    result.Set("schema", std::move(schema));
    SetDescription(result, FieldDescription(field));
    if (field->options().deprecated()) result.Set("deprecated", true);
    return result;
  }

  JsonValue RequestBody(const Descriptor* input, const std::string& body,
                        const std::set<std::string>& bound_paths) {
    JsonValue result = JsonValue::Object();
    JsonValue schema;
    if (body == "*") {
      std::set<std::string> bound_top_level;
      for (const std::string& path : bound_paths) {
        if (path.find('.') == std::string::npos) bound_top_level.insert(path);
      }
      if (bound_top_level.empty()) {
        schema = MessageRef(input);
      } else {
        // The request message without the fields that are in the path.
        schema = MessageSchema(input);
        JsonValue& properties = schema["properties"];
        JsonValue required = JsonValue::Array();
        for (const std::string& name : bound_top_level) {
          const FieldDescriptor* field = input->FindFieldByName(name);
          if (field != nullptr) properties.Erase(field->json_name());
        }
        for (const JsonValue& name : schema["required"].items()) {
          if (properties.Has(name.string_value())) required.Append(name);
        }
        if (required.items().empty()) {
          schema.Erase("required");
        } else {
          schema.Set("required", std::move(required));
        }
        if (properties.members().empty()) schema.Erase("properties");
      }
      result.Set("required", true);
    } else {
      const FieldDescriptor* field = input->FindFieldByName(body);
      if (field == nullptr) {
        schema = TypeSchema("object");
      } else {
        schema = FieldSchema(field);
        SetDescription(result, comments_.Of(field));
        result.Set("required", HasBehavior(field, google::api::REQUIRED));
      }
    }
    JsonValue media = JsonValue::Object();
    media.Set("schema", std::move(schema));
    result["content"].Set(kJson, std::move(media));
    return result;
  }

  JsonValue SuccessResponse(const MethodDescriptor* method,
                            const std::string& response_body) {
    const Descriptor* output = method->output_type();
    JsonValue schema;
    std::string what = absl::StrCat("`", output->name(), "`");
    if (!response_body.empty()) {
      const FieldDescriptor* field = output->FindFieldByName(response_body);
      if (field != nullptr) {
        schema = FieldSchema(field);
        what = absl::StrCat("The `", field->json_name(), "` of ", what);
      }
    }
    if (schema.kind() == JsonValue::Kind::kNull) schema = MessageRef(output);
    JsonValue result = JsonValue::Object();
    JsonValue media = JsonValue::Object();
    if (method->server_streaming()) {
      // transcoding/transcoder.h: one message per event or line; an error
      // after the first message is the last event.
      result.Set(
          "description",
          absl::StrCat("OK: a stream of ", what,
                       ", as server-sent events (`Accept: text/event-stream`: "
                       "each `data:` line one JSON message; an error ends the "
                       "stream as an `event: error` with the JSON error "
                       "body) or newline-delimited JSON (otherwise: one "
                       "message a line; an error ends it as a line "
                       "`{\"error\": ...}`)."));
      JsonValue events = JsonValue::Object();
      events.Set("schema", TypeSchema("string"));
      result["content"].Set("text/event-stream", std::move(events));
      media.Set("schema", std::move(schema));
      result["content"].Set("application/x-ndjson", std::move(media));
      return result;
    }
    media.Set("schema", std::move(schema));
    result.Set("description", absl::StrCat("OK: ", what, "."));
    result["content"].Set(kJson, std::move(media));
    return result;
  }

  // --- Schemas -----------------------------------------------------------

  static bool IsWellKnownType(const Descriptor* message) {
    return message->file()->package() == "google.protobuf";
  }

  // Well-known types printed as one JSON scalar (usable in a query string).
  static bool IsScalarLikeWellKnownType(const Descriptor* message) {
    static const std::set<std::string> kTypes = {
        "google.protobuf.Timestamp",   "google.protobuf.Duration",
        "google.protobuf.FieldMask",   "google.protobuf.DoubleValue",
        "google.protobuf.FloatValue",  "google.protobuf.Int64Value",
        "google.protobuf.UInt64Value", "google.protobuf.Int32Value",
        "google.protobuf.UInt32Value", "google.protobuf.BoolValue",
        "google.protobuf.StringValue", "google.protobuf.BytesValue"};
    return kTypes.count(message->full_name()) > 0;
  }

  // The inline schema of a well-known type; null for any other message.
  static JsonValue WellKnownTypeSchema(const Descriptor* message) {
    const std::string& name = message->full_name();
    if (name == "google.protobuf.Timestamp") {
      JsonValue schema = TypeSchema("string", "date-time");
      schema.Set("description",
                 "RFC 3339 UTC time, e.g. 2026-01-31T12:00:00Z.");
      return schema;
    }
    if (name == "google.protobuf.Duration") {
      JsonValue schema = TypeSchema("string");
      schema.Set("pattern", "^-?[0-9]+(\\.[0-9]{1,9})?s$");
      schema.Set("description", "Seconds with an 's' suffix, e.g. 1.5s.");
      return schema;
    }
    if (name == "google.protobuf.FieldMask") {
      JsonValue schema = TypeSchema("string");
      schema.Set("description",
                 "Comma-separated field paths in lowerCamel, e.g. "
                 "givenName,address.city.");
      return schema;
    }
    if (name == "google.protobuf.Struct") {
      JsonValue schema = TypeSchema("object");
      schema.Set("additionalProperties", true);
      return schema;
    }
    if (name == "google.protobuf.Value") {
      JsonValue schema = JsonValue::Object();
      schema.Set("description", "Any JSON value.");
      return schema;
    }
    if (name == "google.protobuf.ListValue") {
      JsonValue schema = TypeSchema("array");
      schema.Set("items", JsonValue::Object());
      return schema;
    }
    if (name == "google.protobuf.Empty") {
      JsonValue schema = TypeSchema("object");
      schema.Set("maxProperties", 0);
      return schema;
    }
    if (name == "google.protobuf.Any") {
      JsonValue schema = TypeSchema("object");
      schema["properties"].Set("@type", TypeSchema("string"));
      schema.Set("required", JsonValue::Array({"@type"}));
      schema.Set("additionalProperties", true);
      return schema;
    }
    if (name == "google.protobuf.DoubleValue") {
      return NullableSchema("number", "double");
    }
    if (name == "google.protobuf.FloatValue") {
      return NullableSchema("number", "float");
    }
    if (name == "google.protobuf.Int64Value") {
      return NullableSchema("string", "int64");
    }
    if (name == "google.protobuf.UInt64Value") {
      return NullableSchema("string", "uint64");
    }
    if (name == "google.protobuf.Int32Value") {
      return NullableSchema("integer", "int32");
    }
    if (name == "google.protobuf.UInt32Value") {
      JsonValue schema = NullableSchema("integer", "int64");
      schema.Set("minimum", 0);
      return schema;
    }
    if (name == "google.protobuf.BoolValue") return NullableSchema("boolean");
    if (name == "google.protobuf.StringValue") return NullableSchema("string");
    if (name == "google.protobuf.BytesValue") {
      return NullableSchema("string", "byte");
    }
    if (IsWellKnownType(message)) return TypeSchema("object");
    return JsonValue();
  }

  JsonValue MessageRef(const Descriptor* message) {
    JsonValue known = WellKnownTypeSchema(message);
    if (known.kind() != JsonValue::Kind::kNull) return known;
    if (emitted_.insert(message->full_name()).second) {
      pending_messages_.push_back(message);
    }
    return Ref(message->full_name());
  }

  JsonValue EnumRef(const EnumDescriptor* enum_type) {
    if (enum_type->full_name() == "google.protobuf.NullValue") {
      return TypeSchema("null");
    }
    if (emitted_.insert(enum_type->full_name()).second) {
      pending_enums_.push_back(enum_type);
    }
    return Ref(enum_type->full_name());
  }

  // The schema of one value of `field` (an element if repeated).
  JsonValue ValueSchema(const FieldDescriptor* field) {
    switch (field->type()) {
      case FieldDescriptor::TYPE_DOUBLE:
        return TypeSchema("number", "double");
      case FieldDescriptor::TYPE_FLOAT:
        return TypeSchema("number", "float");
      case FieldDescriptor::TYPE_INT64:
      case FieldDescriptor::TYPE_SINT64:
      case FieldDescriptor::TYPE_SFIXED64:
        return TypeSchema("string", "int64");
      case FieldDescriptor::TYPE_UINT64:
      case FieldDescriptor::TYPE_FIXED64:
        return TypeSchema("string", "uint64");
      case FieldDescriptor::TYPE_INT32:
      case FieldDescriptor::TYPE_SINT32:
      case FieldDescriptor::TYPE_SFIXED32:
        return TypeSchema("integer", "int32");
      case FieldDescriptor::TYPE_UINT32:
      case FieldDescriptor::TYPE_FIXED32: {
        JsonValue schema = TypeSchema("integer", "int64");
        schema.Set("minimum", 0);
        return schema;
      }
      case FieldDescriptor::TYPE_BOOL:
        return TypeSchema("boolean");
      case FieldDescriptor::TYPE_STRING:
        return TypeSchema("string");
      case FieldDescriptor::TYPE_BYTES:
        return TypeSchema("string", "byte");
      case FieldDescriptor::TYPE_ENUM:
        return EnumRef(field->enum_type());
      case FieldDescriptor::TYPE_MESSAGE:
      case FieldDescriptor::TYPE_GROUP:
        return MessageRef(field->message_type());
    }
    return JsonValue::Object();
  }

  std::string FieldDescription(const FieldDescriptor* field) {
    std::string description = comments_.Of(field);
    if (HasBehavior(field, google::api::IMMUTABLE)) {
      AppendParagraph(description, "Immutable: set only when creating.");
    }
    if (HasBehavior(field, google::api::IDENTIFIER)) {
      AppendParagraph(description, "Identifier: the resource name.");
    }
    if (HasBehavior(field, google::api::INPUT_ONLY)) {
      AppendParagraph(description, "Input only: never returned.");
    }
    const google::protobuf::OneofDescriptor* oneof =
        field->real_containing_oneof();
    if (oneof != nullptr) {
      std::vector<std::string> members;
      for (int i = 0; i < oneof->field_count(); ++i) {
        members.push_back(absl::StrCat("`", oneof->field(i)->json_name(), "`"));
      }
      AppendParagraph(
          description,
          absl::StrCat("Part of oneof `", oneof->name(), "`: at most one of ",
                       absl::StrJoin(members, ", "), " is set."));
    }
    return description;
  }

  // The schema of `field` as a property: arrays and maps included, with its
  // description and readOnly / writeOnly.
  JsonValue FieldSchema(const FieldDescriptor* field) {
    JsonValue schema;
    if (field->is_map()) {
      schema = TypeSchema("object");
      schema.Set("additionalProperties",
                 ValueSchema(field->message_type()->map_value()));
    } else if (field->is_repeated()) {
      schema = TypeSchema("array");
      schema.Set("items", ValueSchema(field));
    } else {
      schema = ValueSchema(field);
    }
    SetDescription(schema, FieldDescription(field));
    if (HasBehavior(field, google::api::OUTPUT_ONLY)) {
      schema.Set("readOnly", true);
    }
    if (HasBehavior(field, google::api::INPUT_ONLY)) {
      schema.Set("writeOnly", true);
    }
    if (field->options().deprecated()) schema.Set("deprecated", true);
    return schema;
  }

  JsonValue MessageSchema(const Descriptor* message) {
    JsonValue schema = TypeSchema("object");
    std::string description = comments_.Of(message);
    for (int i = 0; i < message->real_oneof_decl_count(); ++i) {
      const google::protobuf::OneofDescriptor* oneof = message->oneof_decl(i);
      std::vector<std::string> members;
      for (int j = 0; j < oneof->field_count(); ++j) {
        members.push_back(absl::StrCat("`", oneof->field(j)->json_name(), "`"));
      }
      AppendParagraph(
          description,
          absl::StrCat("Oneof `", oneof->name(), "`: at most one of ",
                       absl::StrJoin(members, ", "), " is set."));
    }
    SetDescription(schema, description);
    JsonValue required = JsonValue::Array();
    for (int i = 0; i < message->field_count(); ++i) {
      const FieldDescriptor* field = message->field(i);
      schema["properties"].Set(field->json_name(), FieldSchema(field));
      if (HasBehavior(field, google::api::REQUIRED)) {
        required.Append(field->json_name());
      }
    }
    if (!required.items().empty()) schema.Set("required", std::move(required));
    return schema;
  }

  JsonValue EnumSchema(const EnumDescriptor* enum_type) {
    JsonValue schema = TypeSchema("string");
    JsonValue values = JsonValue::Array();
    std::string value_list;
    for (int i = 0; i < enum_type->value_count(); ++i) {
      const google::protobuf::EnumValueDescriptor* value = enum_type->value(i);
      values.Append(value->name());
      std::string comment =
          absl::StrReplaceAll(comments_.Of(value), {{"\n", " "}});
      absl::StrAppend(&value_list, value_list.empty() ? "" : "\n", "- `",
                      value->name(), "`", comment.empty() ? "" : ": ", comment);
    }
    schema.Set("enum", std::move(values));
    std::string description = comments_.Of(enum_type);
    AppendParagraph(description, value_list);
    SetDescription(schema, description);
    return schema;
  }

  void FlushPendingSchemas() {
    while (!pending_messages_.empty() || !pending_enums_.empty()) {
      if (!pending_enums_.empty()) {
        const EnumDescriptor* enum_type = pending_enums_.back();
        pending_enums_.pop_back();
        schemas_.Set(enum_type->full_name(), EnumSchema(enum_type));
        continue;
      }
      const Descriptor* message = pending_messages_.back();
      pending_messages_.pop_back();
      schemas_.Set(message->full_name(), MessageSchema(message));
    }
  }

  // --- The error shape ---------------------------------------------------

  // A google.rpc detail message as it appears in `details`: its fields and
  // the "@type" naming it.
  JsonValue DetailSchema(const Descriptor* message) {
    JsonValue schema = MessageSchema(message);
    JsonValue type = TypeSchema("string");
    type.Set("const",
             absl::StrCat("type.googleapis.com/", message->full_name()));
    schema["properties"].Set("@type", std::move(type));
    JsonValue required = JsonValue::Array({"@type"});
    for (const JsonValue& name : schema["required"].items()) {
      required.Append(name);
    }
    schema.Set("required", std::move(required));
    return schema;
  }

  void AddSecuritySchemes(JsonValue& components) {
    JsonValue api_key = JsonValue::Object();
    api_key.Set("type", "apiKey");
    api_key.Set("in", "header");
    api_key.Set("name", "X-API-Key");
    api_key.Set("description",
                "A staff or machine API key; its role (admin, agent, "
                "analyst, service) decides which operations it may call.");
    JsonValue token = JsonValue::Object();
    token.Set("type", "http");
    token.Set("scheme", "bearer");
    token.Set("bearerFormat", "JWT");
    token.Set("description",
              "A customer token (HS256 JWT, sub customers/{id}): the "
              "customer's own resources only.");
    JsonValue& schemes = components["securitySchemes"];
    schemes.Set(kApiKeyScheme, std::move(api_key));
    schemes.Set(kCustomerTokenScheme, std::move(token));
  }

  void AddErrorSchemas(JsonValue& components) {
    JsonValue error_info = DetailSchema(google::rpc::ErrorInfo::descriptor());
    JsonValue reason = EnumRef(crm::type::v1::ErrorReason_descriptor());
    reason.Set("description",
               "Why the request failed: a crm.type.v1.ErrorReason name. "
               "Clients branch on it (with `domain`), never on `message`.");
    error_info["properties"].Set("reason", std::move(reason));
    schemas_.Set(google::rpc::ErrorInfo::descriptor()->full_name(),
                 std::move(error_info));
    emitted_.insert(google::rpc::ErrorInfo::descriptor()->full_name());
    schemas_.Set(google::rpc::BadRequest::descriptor()->full_name(),
                 DetailSchema(google::rpc::BadRequest::descriptor()));
    emitted_.insert(google::rpc::BadRequest::descriptor()->full_name());

    JsonValue details = TypeSchema("array");
    JsonValue& one_of = details["items"]["oneOf"] = JsonValue::Array();
    one_of.Append(Ref(google::rpc::ErrorInfo::descriptor()->full_name()));
    one_of.Append(Ref(google::rpc::BadRequest::descriptor()->full_name()));
    details.Set("description",
                "Always one google.rpc.ErrorInfo; a google.rpc.BadRequest "
                "when fields are at fault.");

    JsonValue code = TypeSchema("integer", "int32");
    code.Set("description", "The HTTP status code.");
    JsonValue message = TypeSchema("string");
    message.Set("description",
                "A developer-facing message in English; it names the field "
                "at fault but never echoes its value.");
    JsonValue status = EnumRef(google::rpc::Code_descriptor());
    status.Set("description", "The google.rpc.Code name of the error.");

    JsonValue error = TypeSchema("object");
    error["properties"].Set("code", std::move(code));
    error["properties"].Set("message", std::move(message));
    error["properties"].Set("status", std::move(status));
    error["properties"].Set("details", std::move(details));
    error.Set("required", JsonValue::Array({"code", "message", "status"}));

    JsonValue envelope = TypeSchema("object");
    envelope.Set("description",
                 "Google's JSON error shape (AIP-193): the body of every "
                 "error the API answers.");
    envelope["properties"].Set("error", std::move(error));
    envelope.Set("required", JsonValue::Array({"error"}));
    schemas_.Set(kStatusSchema, std::move(envelope));

    JsonValue response = JsonValue::Object();
    response.Set("description",
                 "An error, in Google's JSON error shape; `error.details` "
                 "carries the machine-readable reason.");
    JsonValue media = JsonValue::Object();
    media.Set("schema", Ref(kStatusSchema));
    response["content"].Set(kJson, std::move(media));
    components["responses"].Set("Error", response);
    // Every route can answer 400: a malformed body or X-Request-Timeout is
    // rejected before the RPC is called.
    response.Set("description",
                 "The request is invalid: a field, the filter, the page "
                 "token, the JSON body or a header. `error.details` names the "
                 "reason (FIELD_INVALID, FIELD_REQUIRED, FILTER_INVALID, "
                 "BODY_MALFORMED, ...) and the field.");
    components["responses"].Set("BadRequest", std::move(response));
  }

  const OpenApiOptions& options_;
  ProtoComments comments_;
  std::vector<std::string> resource_patterns_;
  JsonValue paths_;
  JsonValue schemas_ = JsonValue::Object();
  std::set<std::string> emitted_;
  std::vector<const Descriptor*> pending_messages_;
  std::vector<const EnumDescriptor*> pending_enums_;
};

}  // namespace

std::string BuildOpenApiDocument(
    const std::vector<const ServiceDescriptor*>& services,
    const OpenApiOptions& options) {
  return DocumentBuilder(options).Build(services);
}

}  // namespace crm::gateway::openapi

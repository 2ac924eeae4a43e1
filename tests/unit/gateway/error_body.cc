#include "tests/unit/gateway/error_body.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

namespace crm::testing {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

constexpr char kErrorInfoType[] = "type.googleapis.com/google.rpc.ErrorInfo";
constexpr char kBadRequestType[] = "type.googleapis.com/google.rpc.BadRequest";

const Value* Field(const Struct& object, const std::string& name,
                   Value::KindCase kind, const std::string& json) {
  auto it = object.fields().find(name);
  if (it == object.fields().end()) {
    ADD_FAILURE() << "no \"" << name << "\" in " << json;
    return nullptr;
  }
  if (it->second.kind_case() != kind) {
    ADD_FAILURE() << "\"" << name << "\" has the wrong JSON type in " << json;
    return nullptr;
  }
  return &it->second;
}

}  // namespace

ErrorBody ParseErrorBody(const std::string& json) {
  ErrorBody body;
  Struct root;
  if (!google::protobuf::util::JsonStringToMessage(json, &root).ok()) {
    ADD_FAILURE() << "not a JSON object: " << json;
    return body;
  }
  const Value* error = Field(root, "error", Value::kStructValue, json);
  if (error == nullptr) return body;
  const Struct& fields = error->struct_value();
  if (const Value* code = Field(fields, "code", Value::kNumberValue, json)) {
    body.code = static_cast<int>(code->number_value());
  }
  if (const Value* status =
          Field(fields, "status", Value::kStringValue, json)) {
    body.status = status->string_value();
  }
  if (const Value* message =
          Field(fields, "message", Value::kStringValue, json)) {
    body.message = message->string_value();
  }
  const Value* details = Field(fields, "details", Value::kListValue, json);
  if (details == nullptr) return body;
  int error_infos = 0;
  for (const Value& detail : details->list_value().values()) {
    if (detail.kind_case() != Value::kStructValue) {
      ADD_FAILURE() << "a detail is not an object in " << json;
      continue;
    }
    const Struct& object = detail.struct_value();
    const Value* type = Field(object, "@type", Value::kStringValue, json);
    if (type == nullptr) continue;
    body.detail_types.push_back(type->string_value());
    if (type->string_value() == kErrorInfoType) {
      ++error_infos;
      if (const Value* reason =
              Field(object, "reason", Value::kStringValue, json)) {
        body.reason = reason->string_value();
      }
      auto domain = object.fields().find("domain");
      if (domain != object.fields().end()) {
        body.domain = domain->second.string_value();
      }
      auto metadata = object.fields().find("metadata");
      if (metadata != object.fields().end()) {
        for (const auto& [key, value] :
             metadata->second.struct_value().fields()) {
          body.metadata[key] = value.string_value();
        }
      }
    } else if (type->string_value() == kBadRequestType) {
      const Value* violations =
          Field(object, "fieldViolations", Value::kListValue, json);
      if (violations == nullptr) continue;
      for (const Value& violation : violations->list_value().values()) {
        const auto& v = violation.struct_value().fields();
        auto field = v.find("field");
        auto description = v.find("description");
        body.field_violations.emplace_back(
            field == v.end() ? "" : field->second.string_value(),
            description == v.end() ? "" : description->second.string_value());
      }
    }
  }
  if (error_infos != 1) {
    ADD_FAILURE() << "expected exactly one google.rpc.ErrorInfo, got "
                  << error_infos << " in " << json;
  }
  return body;
}

}  // namespace crm::testing

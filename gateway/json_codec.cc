#include "gateway/json_codec.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gateway/http_errors.h"
#include "gateway/json_body_parser.h"
#include "gateway/json_printer.h"
#include "services/common/error_details.h"

namespace crm::gateway {
namespace {

// protobuf's parser messages may quote the input on following lines (with a
// caret); keep only the first line so no body content is returned.
std::string FirstLine(absl::string_view text) {
  size_t newline = text.find('\n');
  return std::string(absl::StripAsciiWhitespace(text.substr(0, newline)));
}

// True if `text` is a non-empty field path such as "consents[0].status".
bool IsFieldPath(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '.' && c != '[' &&
        c != ']') {
      return false;
    }
  }
  return true;
}

// The field path a protobuf parse error starts with: "<path>: ..." or
// "(<parent path>) <field>: ..." (as "<parent path>.<field>"); nullopt if it
// starts with none.
std::optional<std::string> LeadingFieldPath(absl::string_view message) {
  std::string parent;
  if (absl::ConsumePrefix(&message, "(")) {
    size_t close = message.find(") ");
    if (close == absl::string_view::npos) return std::nullopt;
    parent = std::string(message.substr(0, close));
    if (!IsFieldPath(parent)) return std::nullopt;
    message.remove_prefix(close + 2);
  }
  size_t colon = message.find(": ");
  if (colon == absl::string_view::npos) return std::nullopt;
  absl::string_view field = message.substr(0, colon);
  if (!IsFieldPath(field)) return std::nullopt;
  return parent.empty() ? std::string(field) : absl::StrCat(parent, ".", field);
}

// The status for protobuf's parse error: FIELD_INVALID naming the field
// (its JSON path) when protobuf names one, BODY_MALFORMED otherwise.
absl::Status DescribeParseError(absl::string_view protobuf_message) {
  std::string message = FirstLine(protobuf_message);
  // "foo: Cannot find field." (nested fields: "outer.foo: ...").
  constexpr absl::string_view kUnknown = ": Cannot find field.";
  if (absl::EndsWith(message, kUnknown)) {
    absl::string_view field =
        absl::string_view(message).substr(0, message.size() - kUnknown.size());
    return common::InvalidFieldError(field, "unknown field in the JSON body");
  }
  // "(field): invalid value <echo> for type <type>".
  if (absl::StartsWith(message, "(")) {
    size_t close = message.find("): invalid value");
    size_t for_type = message.rfind(" for type ");
    if (close != std::string::npos && for_type != std::string::npos &&
        for_type > close) {
      absl::string_view field = absl::string_view(message).substr(1, close - 1);
      std::string type = message.substr(for_type + 10);
      if (absl::StartsWith(type, "TYPE_")) {
        type = absl::AsciiStrToLower(type.substr(5));
      }
      constexpr absl::string_view kTypeUrl = "type.googleapis.com/";
      if (absl::StartsWith(type, kTypeUrl)) type.erase(0, kTypeUrl.size());
      return common::InvalidFieldError(
          field, absl::StrCat("invalid value (expected ", type, ")"));
    }
  }
  // "...: invalid value Cannot bind a list to map for field 'name'. ...".
  constexpr char kForField[] = "for field '";
  if (size_t named = message.find(kForField); named != std::string::npos) {
    size_t start = named + sizeof(kForField) - 1;
    size_t end = message.find('\'', start);
    if (end != std::string::npos && end > start) {
      return common::InvalidFieldError(message.substr(start, end - start),
                                       "invalid value (wrong JSON type)");
    }
  }
  // ": invalid value Starting an object on a scalar field for type <field>"
  // (protobuf puts the field's name where it usually names the type).
  if (absl::StartsWith(message, ": invalid value ")) {
    size_t for_type = message.rfind(" for type ");
    if (for_type != std::string::npos) {
      std::string field = message.substr(for_type + 10);
      if (IsFieldPath(field)) {
        return common::InvalidFieldError(field,
                                         "invalid value (wrong JSON type)");
      }
    }
  }
  // "<path>: Proto field is not repeating, cannot start list." and, for a
  // field of a nested message, "(<parent path>) <field>: ...".
  if (std::optional<std::string> field = LeadingFieldPath(message)) {
    return common::InvalidFieldError(*field, "invalid value (wrong JSON type)");
  }
  if (absl::StrContains(message, "Root element must be a message")) {
    return BodyMalformedError(
        "invalid JSON body: the body must be a JSON object");
  }
  if (absl::StrContains(message, "non UTF-8")) {
    return BodyMalformedError("invalid JSON body: not valid UTF-8");
  }
  return BodyMalformedError(absl::StrCat("invalid JSON body: ", message));
}

// protobuf's parser accepts a single value where a repeated field expects
// an array ({"tags": "vip"} becomes ["vip"]). The proto3 JSON mapping does
// not: check that every repeated field holds an array and every map field an
// object, recursing into nested messages (not into well-known types, which
// have their own JSON forms). Errors name the field by its JSON path.
absl::Status CheckShapes(const google::protobuf::Struct& object,
                         const google::protobuf::Descriptor& descriptor,
                         const std::string& prefix);

absl::Status CheckValueShape(const google::protobuf::Value& value,
                             const google::protobuf::FieldDescriptor& field,
                             const std::string& path) {
  if (field.message_type() == nullptr || field.is_map()) {
    return absl::OkStatus();
  }
  const google::protobuf::Descriptor& type = *field.message_type();
  if (absl::StartsWith(type.full_name(), "google.protobuf.")) {
    return absl::OkStatus();
  }
  if (value.kind_case() != google::protobuf::Value::kStructValue) {
    return absl::OkStatus();  // protobuf's parser reports the wrong type.
  }
  return CheckShapes(value.struct_value(), type, path + ".");
}

absl::Status CheckShapes(const google::protobuf::Struct& object,
                         const google::protobuf::Descriptor& descriptor,
                         const std::string& prefix) {
  for (const auto& [key, value] : object.fields()) {
    const google::protobuf::FieldDescriptor* field =
        descriptor.FindFieldByName(key);
    for (int i = 0; field == nullptr && i < descriptor.field_count(); ++i) {
      if (descriptor.field(i)->json_name() == key) field = descriptor.field(i);
    }
    if (field == nullptr) continue;  // protobuf's parser reports it.
    const std::string path = prefix + key;
    if (value.kind_case() == google::protobuf::Value::kNullValue) continue;
    if (field->is_map()) {
      if (value.kind_case() != google::protobuf::Value::kStructValue) {
        return common::InvalidFieldError(path,
                                         "invalid value (expected an object)");
      }
      continue;
    }
    if (field->is_repeated()) {
      if (value.kind_case() != google::protobuf::Value::kListValue) {
        return common::InvalidFieldError(path,
                                         "invalid value (expected an array)");
      }
      for (const google::protobuf::Value& item : value.list_value().values()) {
        if (absl::Status status = CheckValueShape(item, *field, path);
            !status.ok()) {
          return status;
        }
      }
      continue;
    }
    if (absl::Status status = CheckValueShape(value, *field, path);
        !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

// True if `message` (or a message in it) has a repeated field of exactly
// one element: only then can protobuf's parser have taken a single value
// for an array (a map given a non-object fails the parse itself).
bool MayHoldUnwrappedArrays(const google::protobuf::Message& message) {
  const google::protobuf::Reflection& reflection = *message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->is_map()) continue;
    if (field->is_repeated()) {
      const int size = reflection.FieldSize(message, field);
      if (size == 1) return true;
      if (field->message_type() != nullptr) {
        for (int i = 0; i < size; ++i) {
          if (MayHoldUnwrappedArrays(
                  reflection.GetRepeatedMessage(message, field, i))) {
            return true;
          }
        }
      }
    } else if (field->message_type() != nullptr &&
               MayHoldUnwrappedArrays(reflection.GetMessage(message, field))) {
      return true;
    }
  }
  return false;
}

}  // namespace

absl::Status ParseJsonBody(absl::string_view body,
                           google::protobuf::Message* message) {
  if (absl::StripAsciiWhitespace(body).empty()) {
    return BodyMalformedError("request body is required");
  }
  message->Clear();
  if (ParsePlainJsonObject(body, message)) return absl::OkStatus();
  message->Clear();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), message,
      options);
  if (!status.ok()) {
    return DescribeParseError(std::string(status.message()));
  }
  // The body parsed as a message, so it is a valid JSON object: parse it
  // again as a Struct to check the shapes protobuf lets through (only when
  // a one-element repeated field could have come from a single value).
  if (!MayHoldUnwrappedArrays(*message)) return absl::OkStatus();
  google::protobuf::Struct object;
  if (google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(body.data(), body.size()), &object)
          .ok()) {
    if (absl::Status shapes =
            CheckShapes(object, *message->GetDescriptor(), "");
        !shapes.ok()) {
      message->Clear();
      return shapes;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MessageToJson(
    const google::protobuf::Message& message) {
  std::string json;
  // A single resource fits (a customer prints to ~1 KB): no regrowth.
  json.reserve(2048);
  if (absl::Status status = AppendMessageJson(message, &json); !status.ok()) {
    return status;
  }
  return json;
}

}  // namespace crm::gateway

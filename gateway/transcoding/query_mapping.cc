#include "gateway/transcoding/query_mapping.h"

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crm/type/v1/error_reason.pb.h"
#include "gateway/route_support.h"
#include "services/common/error_details.h"

namespace crm::gateway::transcoding {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr int kMaxDepth = 4;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool PercentDecode(absl::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out->push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int high = HexValue(in[i + 1]);
      int low = HexValue(in[i + 2]);
      if (high < 0 || low < 0) return false;
      out->push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out->push_back(c);
    }
  }
  return true;
}

bool IsLeafMessage(const Descriptor& type) {
  const std::string& name = type.full_name();
  return name == "google.protobuf.FieldMask" ||
         name == "google.protobuf.Timestamp" ||
         name == "google.protobuf.Duration" ||
         (absl::StartsWith(name, "google.protobuf.") &&
          absl::EndsWith(name, "Value") && name != "google.protobuf.Value" &&
          name != "google.protobuf.ListValue");
}

std::string LowerCamelToSnake(absl::string_view path) {
  std::string out;
  for (char c : path) {
    if (absl::ascii_isupper(c)) {
      out.push_back('_');
      out.push_back(absl::ascii_tolower(c));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::Status Invalid(absl::string_view param, absl::string_view what) {
  return common::InvalidFieldError(param,
                                   absl::StrCat("query parameter ", what));
}

}  // namespace

absl::StatusOr<QueryParams> ParseQueryString(absl::string_view target) {
  QueryParams params;
  size_t question = target.find('?');
  if (question == absl::string_view::npos) return params;
  absl::string_view query = target.substr(question + 1);
  query = query.substr(0, query.find('#'));
  for (absl::string_view pair : absl::StrSplit(query, '&')) {
    if (pair.empty()) continue;
    size_t equals = pair.find('=');
    std::string key;
    std::string value;
    if (!PercentDecode(pair.substr(0, equals), &key) ||
        (equals != absl::string_view::npos &&
         !PercentDecode(pair.substr(equals + 1), &value))) {
      return common::ErrorWithReason(
          absl::InvalidArgumentError(
              "malformed percent-encoding in the query string"),
          crm::type::v1::FIELD_INVALID, {{"field", "query"}});
    }
    params.emplace_back(std::move(key), std::move(value));
  }
  return params;
}

absl::Status SetFieldFromText(const FieldDescriptor& field,
                              absl::string_view value, absl::string_view param,
                              Message* message) {
  const Reflection& reflection = *message->GetReflection();
  const bool repeated = field.is_repeated();
  if (value.empty() && !repeated &&
      field.cpp_type() != FieldDescriptor::CPPTYPE_STRING &&
      field.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return absl::OkStatus();  // Empty: the default value.
  }
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string text;
      if (field.type() == FieldDescriptor::TYPE_BYTES) {
        if (!absl::Base64Unescape(value, &text) &&
            !absl::WebSafeBase64Unescape(value, &text)) {
          return Invalid(param, "must be base64");
        }
      } else {
        if (!IsValidUtf8(value)) return Invalid(param, "is not valid UTF-8");
        text = std::string(value);
      }
      if (repeated) {
        reflection.AddString(message, &field, std::move(text));
      } else {
        reflection.SetString(message, &field, std::move(text));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(value, &v)) {
        return Invalid(param, "must be a 32-bit integer");
      }
      repeated ? reflection.AddInt32(message, &field, v)
               : reflection.SetInt32(message, &field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!absl::SimpleAtoi(value, &v)) {
        return Invalid(param, "must be a 64-bit integer");
      }
      repeated ? reflection.AddInt64(message, &field, v)
               : reflection.SetInt64(message, &field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v;
      if (!absl::SimpleAtoi(value, &v)) {
        return Invalid(param, "must be an unsigned 32-bit integer");
      }
      repeated ? reflection.AddUInt32(message, &field, v)
               : reflection.SetUInt32(message, &field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v;
      if (!absl::SimpleAtoi(value, &v)) {
        return Invalid(param, "must be an unsigned 64-bit integer");
      }
      repeated ? reflection.AddUInt64(message, &field, v)
               : reflection.SetUInt64(message, &field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double v;
      if (!absl::SimpleAtod(value, &v)) return Invalid(param, "not a number");
      repeated ? reflection.AddDouble(message, &field, v)
               : reflection.SetDouble(message, &field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      float v;
      if (!absl::SimpleAtof(value, &v)) return Invalid(param, "not a number");
      repeated ? reflection.AddFloat(message, &field, v)
               : reflection.SetFloat(message, &field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v;
      if (value == "true" || value == "1") {
        v = true;
      } else if (value == "false" || value == "0") {
        v = false;
      } else {
        return Invalid(param, "must be true or false");
      }
      repeated ? reflection.AddBool(message, &field, v)
               : reflection.SetBool(message, &field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const google::protobuf::EnumValueDescriptor* v =
          field.enum_type()->FindValueByName(std::string(value));
      int number;
      if (v == nullptr && absl::SimpleAtoi(value, &number)) {
        v = field.enum_type()->FindValueByNumber(number);
      }
      if (v == nullptr) {
        return Invalid(param,
                       absl::StrCat("must be a ", field.enum_type()->name(),
                                    " value name"));
      }
      repeated ? reflection.AddEnum(message, &field, v)
               : reflection.SetEnum(message, &field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  const Descriptor& type = *field.message_type();
  Message* target = repeated ? reflection.AddMessage(message, &field)
                             : reflection.MutableMessage(message, &field);
  const std::string& name = type.full_name();
  if (name == "google.protobuf.FieldMask") {
    const FieldDescriptor* paths = type.FindFieldByName("paths");
    for (absl::string_view path : absl::StrSplit(value, ',')) {
      path = absl::StripAsciiWhitespace(path);
      if (path.empty()) continue;
      if (!IsValidUtf8(path)) return Invalid(param, "is not valid UTF-8");
      target->GetReflection()->AddString(target, paths,
                                         LowerCamelToSnake(path));
    }
    return absl::OkStatus();
  }
  if (name == "google.protobuf.Timestamp") {
    google::protobuf::Timestamp timestamp;
    if (!google::protobuf::util::TimeUtil::FromString(std::string(value),
                                                      &timestamp)) {
      return Invalid(param, "must be an RFC 3339 timestamp");
    }
    if (target->GetDescriptor() == timestamp.GetDescriptor()) {
      target->CopyFrom(timestamp);
    } else {
      target->ParseFromString(timestamp.SerializeAsString());
    }
    return absl::OkStatus();
  }
  if (name == "google.protobuf.Duration") {
    google::protobuf::Duration duration;
    if (!google::protobuf::util::TimeUtil::FromString(std::string(value),
                                                      &duration)) {
      return Invalid(param, "must be a duration such as \"1.5s\"");
    }
    if (target->GetDescriptor() == duration.GetDescriptor()) {
      target->CopyFrom(duration);
    } else {
      target->ParseFromString(duration.SerializeAsString());
    }
    return absl::OkStatus();
  }
  const FieldDescriptor* inner = type.FindFieldByName("value");
  if (IsLeafMessage(type) && inner != nullptr) {
    if (value.empty() && inner->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
      return Invalid(param, "must not be empty");
    }
    return SetFieldFromText(*inner, value, param, target);
  }
  return Invalid(param, "cannot be set from the query string");
}

void QueryMapping::AddFields(const Descriptor& message,
                             const std::string& snake_prefix,
                             const std::string& json_prefix, FieldPath* path,
                             const std::set<std::string>& excluded, int depth) {
  for (int i = 0; i < message.field_count(); ++i) {
    const FieldDescriptor* field = message.field(i);
    const std::string snake = snake_prefix + field->name();
    const std::string json = json_prefix + field->json_name();
    if (excluded.count(snake) > 0 || field->is_map()) continue;
    bool below_excluded = false;
    for (const std::string& e : excluded) {
      below_excluded = below_excluded || absl::StartsWith(snake, e + ".");
    }
    if (below_excluded) continue;
    path->push_back(field);
    const Descriptor* type = field->message_type();
    if (type == nullptr || IsLeafMessage(*type)) {
      by_name_.emplace(snake, fields_.size());
      by_name_.emplace(json, fields_.size());
      names_.push_back(snake);
      fields_.push_back(*path);
    } else if (!field->is_repeated() && depth < kMaxDepth &&
               !absl::StartsWith(type->full_name(), "google.protobuf.")) {
      bool cycle = false;
      for (const FieldDescriptor* outer : *path) {
        cycle = cycle || outer->containing_type() == type;
      }
      if (!cycle) {
        AddFields(*type, snake + ".", json + ".", path, excluded, depth + 1);
      }
    }
    path->pop_back();
  }
}

QueryMapping QueryMapping::ForRequest(const Descriptor& request,
                                      const std::set<std::string>& excluded) {
  QueryMapping mapping;
  FieldPath path;
  mapping.AddFields(request, "", "", &path, excluded, 0);
  std::sort(mapping.names_.begin(), mapping.names_.end());
  return mapping;
}

absl::Status QueryMapping::Apply(const QueryParams& params,
                                 Message* request) const {
  if (params.empty()) return absl::OkStatus();
  std::vector<std::string> unknown;
  for (const auto& [name, value] : params) {
    if (by_name_.find(name) == by_name_.end()) {
      unknown.push_back(IsValidUtf8(name) ? name : "<invalid UTF-8>");
    }
  }
  if (!unknown.empty()) {
    std::string message =
        absl::StrCat("unknown query parameter", unknown.size() > 1 ? "s" : "",
                     ": ", absl::StrJoin(unknown, ", "));
    absl::StrAppend(
        &message,
        names_.empty()
            ? " (this route takes none)"
            : absl::StrCat(" (allowed: ", absl::StrJoin(names_, ", "), ")"));
    absl::Status status = common::ErrorWithReason(
        absl::InvalidArgumentError(message), crm::type::v1::FIELD_INVALID,
        {{"field", unknown.front()}});
    for (const std::string& name : unknown) {
      status = common::WithFieldViolation(std::move(status), name,
                                          "unknown query parameter");
    }
    return status;
  }
  std::vector<bool> seen(fields_.size(), false);
  for (const auto& [name, value] : params) {
    const size_t index = by_name_.find(name)->second;
    const FieldPath& path = fields_[index];
    const FieldDescriptor& leaf = *path.back();
    if (!leaf.is_repeated()) {
      if (seen[index]) return Invalid(name, "is given more than once");
      seen[index] = true;
    }
    Message* target = request;
    for (size_t i = 0; i + 1 < path.size(); ++i) {
      target = target->GetReflection()->MutableMessage(target, path[i]);
    }
    if (absl::Status status = SetFieldFromText(leaf, value, name, target);
        !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

}  // namespace crm::gateway::transcoding

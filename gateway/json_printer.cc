#include "gateway/json_printer.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace crm::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr char kHexDigits[] = "0123456789abcdef";

// Appends `text` as a quoted JSON string.
void AppendQuoted(absl::string_view text, std::string* out) {
  out->push_back('"');
  size_t run_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) continue;
    out->append(text.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default: {
        const char escaped[] = {
            '\\', 'u', '0', '0', kHexDigits[c >> 4], kHexDigits[c & 0xf]};
        out->append(escaped, sizeof(escaped));
      }
    }
  }
  out->append(text.data() + run_start, text.size() - run_start);
  out->push_back('"');
}

// The shortest of the %g forms with 6 (float) or 15 (double) up to 9 or 17
// significant digits that reads back as `value`.
template <typename T>
void AppendFloatingPoint(T value, std::string* out) {
  if (std::isnan(value)) {
    out->append("\"NaN\"");
    return;
  }
  if (std::isinf(value)) {
    out->append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  constexpr bool kIsFloat = sizeof(T) == sizeof(float);
  char buffer[40];
  int length = 0;
  for (int precision = kIsFloat ? 6 : 15; precision <= (kIsFloat ? 9 : 17);
       ++precision) {
    length = std::snprintf(buffer, sizeof(buffer), "%.*g", precision,
                           static_cast<double>(value));
    const T parsed = kIsFloat ? static_cast<T>(std::strtof(buffer, nullptr))
                              : static_cast<T>(std::strtod(buffer, nullptr));
    if (parsed == value) break;
  }
  out->append(buffer, length);
}

// "2026-12-02T06:31:07.407593Z": 0, 3, 6 or 9 fractional digits.
void AppendFraction(int32_t nanos, std::string* out) {
  if (nanos == 0) return;
  char buffer[16];
  int length;
  if (nanos % 1000000 == 0) {
    length = std::snprintf(buffer, sizeof(buffer), ".%03d", nanos / 1000000);
  } else if (nanos % 1000 == 0) {
    length = std::snprintf(buffer, sizeof(buffer), ".%06d", nanos / 1000);
  } else {
    length = std::snprintf(buffer, sizeof(buffer), ".%09d", nanos);
  }
  out->append(buffer, length);
}

void AppendTimestamp(const Message& message, std::string* out) {
  const Descriptor& type = *message.GetDescriptor();
  const Reflection& reflection = *message.GetReflection();
  const int64_t seconds =
      reflection.GetInt64(message, type.FindFieldByNumber(1));
  const int32_t nanos = reflection.GetInt32(message, type.FindFieldByNumber(2));
  const absl::CivilSecond civil =
      absl::ToCivilSecond(absl::FromUnixSeconds(seconds), absl::UTCTimeZone());
  char buffer[40];
  const int length =
      std::snprintf(buffer, sizeof(buffer), "\"%04lld-%02d-%02dT%02d:%02d:%02d",
                    static_cast<long long>(civil.year()), civil.month(),
                    civil.day(), civil.hour(), civil.minute(), civil.second());
  out->append(buffer, length);
  AppendFraction(nanos, out);
  out->append("Z\"");
}

void AppendDuration(const Message& message, std::string* out) {
  const Descriptor& type = *message.GetDescriptor();
  const Reflection& reflection = *message.GetReflection();
  int64_t seconds = reflection.GetInt64(message, type.FindFieldByNumber(1));
  int32_t nanos = reflection.GetInt32(message, type.FindFieldByNumber(2));
  out->push_back('"');
  if (seconds < 0 || nanos < 0) {
    out->push_back('-');
    seconds = -seconds;
    nanos = -nanos;
  }
  absl::StrAppend(out, seconds);
  AppendFraction(nanos, out);
  out->append("s\"");
}

// "user.display_name" -> "user.displayName".
void AppendLowerCamelPath(absl::string_view path, std::string* out) {
  bool upper_next = false;
  for (char c : path) {
    if (c == '_') {
      upper_next = true;
      continue;
    }
    if (upper_next && c >= 'a' && c <= 'z')
      c = static_cast<char>(c - 'a' + 'A');
    upper_next = false;
    out->push_back(c);
  }
}

void AppendFieldMask(const Message& message, std::string* out) {
  const FieldDescriptor* paths = message.GetDescriptor()->FindFieldByNumber(1);
  const Reflection& reflection = *message.GetReflection();
  out->push_back('"');
  std::string scratch;
  for (int i = 0; i < reflection.FieldSize(message, paths); ++i) {
    if (i > 0) out->push_back(',');
    AppendLowerCamelPath(
        reflection.GetRepeatedStringReference(message, paths, i, &scratch),
        out);
  }
  out->push_back('"');
}

class Printer {
 public:
  explicit Printer(std::string* out) : out_(*out) {}

  absl::Status Message(const google::protobuf::Message& message) {
    const Descriptor& type = *message.GetDescriptor();
    if (type.file()->name().rfind("google/protobuf/", 0) == 0) {
      return WellKnown(message);
    }
    return Fields(message);
  }

 private:
  absl::Status Fields(const google::protobuf::Message& message) {
    const Descriptor& type = *message.GetDescriptor();
    const Reflection& reflection = *message.GetReflection();
    out_.push_back('{');
    bool first = true;
    for (int i = 0; i < type.field_count(); ++i) {
      const FieldDescriptor& field = *type.field(i);
      if (!field.is_repeated() && field.has_presence() &&
          !reflection.HasField(message, &field)) {
        continue;
      }
      if (!first) out_.push_back(',');
      first = false;
      AppendQuoted(field.json_name(), &out_);
      out_.push_back(':');
      absl::Status status;
      if (field.is_map()) {
        status = Map(message, field);
      } else if (field.is_repeated()) {
        status = Repeated(message, field);
      } else {
        status = Singular(message, field);
      }
      if (!status.ok()) return status;
    }
    out_.push_back('}');
    return absl::OkStatus();
  }

  absl::Status Repeated(const google::protobuf::Message& message,
                        const FieldDescriptor& field) {
    const Reflection& reflection = *message.GetReflection();
    const int size = reflection.FieldSize(message, &field);
    out_.push_back('[');
    for (int i = 0; i < size; ++i) {
      if (i > 0) out_.push_back(',');
      if (absl::Status status = Element(message, field, i); !status.ok()) {
        return status;
      }
    }
    out_.push_back(']');
    return absl::OkStatus();
  }

  absl::Status Map(const google::protobuf::Message& message,
                   const FieldDescriptor& field) {
    const Reflection& reflection = *message.GetReflection();
    const FieldDescriptor& key = *field.message_type()->map_key();
    const FieldDescriptor& value = *field.message_type()->map_value();
    const int size = reflection.FieldSize(message, &field);
    out_.push_back('{');
    std::string scratch;
    for (int i = 0; i < size; ++i) {
      if (i > 0) out_.push_back(',');
      const google::protobuf::Message& entry =
          reflection.GetRepeatedMessage(message, &field, i);
      const Reflection& entry_reflection = *entry.GetReflection();
      switch (key.cpp_type()) {
        case FieldDescriptor::CPPTYPE_STRING:
          AppendQuoted(
              entry_reflection.GetStringReference(entry, &key, &scratch),
              &out_);
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          out_.append(entry_reflection.GetBool(entry, &key) ? "\"true\""
                                                            : "\"false\"");
          break;
        case FieldDescriptor::CPPTYPE_INT32:
          absl::StrAppend(&out_, "\"", entry_reflection.GetInt32(entry, &key),
                          "\"");
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          absl::StrAppend(&out_, "\"", entry_reflection.GetInt64(entry, &key),
                          "\"");
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          absl::StrAppend(&out_, "\"", entry_reflection.GetUInt32(entry, &key),
                          "\"");
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          absl::StrAppend(&out_, "\"", entry_reflection.GetUInt64(entry, &key),
                          "\"");
          break;
        default:
          return absl::InternalError(
              absl::StrCat("unsupported map key type in ", field.full_name()));
      }
      out_.push_back(':');
      if (absl::Status status = Singular(entry, value); !status.ok()) {
        return status;
      }
    }
    out_.push_back('}');
    return absl::OkStatus();
  }

  absl::Status Singular(const google::protobuf::Message& message,
                        const FieldDescriptor& field) {
    const Reflection& reflection = *message.GetReflection();
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        absl::StrAppend(&out_, reflection.GetInt32(message, &field));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        absl::StrAppend(&out_, "\"", reflection.GetInt64(message, &field),
                        "\"");
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        absl::StrAppend(&out_, reflection.GetUInt32(message, &field));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        absl::StrAppend(&out_, "\"", reflection.GetUInt64(message, &field),
                        "\"");
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        AppendFloatingPoint(reflection.GetDouble(message, &field), &out_);
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        AppendFloatingPoint(reflection.GetFloat(message, &field), &out_);
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        out_.append(reflection.GetBool(message, &field) ? "true" : "false");
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        Enum(field, reflection.GetEnumValue(message, &field));
        break;
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& text =
            reflection.GetStringReference(message, &field, &scratch);
        String(field, text);
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Message(reflection.GetMessage(message, &field));
    }
    return absl::OkStatus();
  }

  absl::Status Element(const google::protobuf::Message& message,
                       const FieldDescriptor& field, int index) {
    const Reflection& reflection = *message.GetReflection();
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        absl::StrAppend(&out_,
                        reflection.GetRepeatedInt32(message, &field, index));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        absl::StrAppend(&out_, "\"",
                        reflection.GetRepeatedInt64(message, &field, index),
                        "\"");
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        absl::StrAppend(&out_,
                        reflection.GetRepeatedUInt32(message, &field, index));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        absl::StrAppend(&out_, "\"",
                        reflection.GetRepeatedUInt64(message, &field, index),
                        "\"");
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        AppendFloatingPoint(
            reflection.GetRepeatedDouble(message, &field, index), &out_);
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        AppendFloatingPoint(reflection.GetRepeatedFloat(message, &field, index),
                            &out_);
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        out_.append(reflection.GetRepeatedBool(message, &field, index)
                        ? "true"
                        : "false");
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        Enum(field, reflection.GetRepeatedEnumValue(message, &field, index));
        break;
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string scratch;
        String(field, reflection.GetRepeatedStringReference(message, &field,
                                                            index, &scratch));
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Message(reflection.GetRepeatedMessage(message, &field, index));
    }
    return absl::OkStatus();
  }

  void Enum(const FieldDescriptor& field, int number) {
    if (field.enum_type()->full_name() == "google.protobuf.NullValue") {
      out_.append("null");
      return;
    }
    const google::protobuf::EnumValueDescriptor* value =
        field.enum_type()->FindValueByNumber(number);
    if (value == nullptr) {
      absl::StrAppend(&out_, number);
    } else {
      AppendQuoted(value->name(), &out_);
    }
  }

  void String(const FieldDescriptor& field, const std::string& text) {
    if (field.type() == FieldDescriptor::TYPE_BYTES) {
      out_.push_back('"');
      out_.append(absl::Base64Escape(text));
      out_.push_back('"');
    } else {
      AppendQuoted(text, &out_);
    }
  }

  absl::Status WellKnown(const google::protobuf::Message& message) {
    const Descriptor& type = *message.GetDescriptor();
    const std::string& name = type.full_name();
    if (name == "google.protobuf.Timestamp") {
      AppendTimestamp(message, &out_);
    } else if (name == "google.protobuf.Duration") {
      AppendDuration(message, &out_);
    } else if (name == "google.protobuf.FieldMask") {
      AppendFieldMask(message, &out_);
    } else if (name == "google.protobuf.Empty") {
      out_.append("{}");
    } else if (name == "google.protobuf.Struct") {
      return Map(message, *type.FindFieldByNumber(1));
    } else if (name == "google.protobuf.ListValue") {
      return Repeated(message, *type.FindFieldByNumber(1));
    } else if (name == "google.protobuf.Value") {
      const Reflection& reflection = *message.GetReflection();
      const FieldDescriptor* kind = reflection.GetOneofFieldDescriptor(
          message, type.FindOneofByName("kind"));
      if (kind == nullptr) {
        out_.append("null");
        return absl::OkStatus();
      }
      return Singular(message, *kind);
    } else if (name == "google.protobuf.DoubleValue" ||
               name == "google.protobuf.FloatValue" ||
               name == "google.protobuf.Int64Value" ||
               name == "google.protobuf.UInt64Value" ||
               name == "google.protobuf.Int32Value" ||
               name == "google.protobuf.UInt32Value" ||
               name == "google.protobuf.BoolValue" ||
               name == "google.protobuf.StringValue" ||
               name == "google.protobuf.BytesValue") {
      return Singular(message, *type.FindFieldByNumber(1));
    } else if (name == "google.protobuf.Any") {
      google::protobuf::util::JsonPrintOptions options;
      options.always_print_primitive_fields = true;
      std::string json;
      auto status =
          google::protobuf::util::MessageToJsonString(message, &json, options);
      if (!status.ok()) {
        return absl::InternalError(
            absl::StrCat("cannot print a google.protobuf.Any as JSON: ",
                         std::string(status.message())));
      }
      out_.append(json);
    } else {
      return Fields(message);
    }
    return absl::OkStatus();
  }

  std::string& out_;
};

}  // namespace

absl::Status AppendMessageJson(const google::protobuf::Message& message,
                               std::string* out) {
  return Printer(out).Message(message);
}

}  // namespace crm::gateway

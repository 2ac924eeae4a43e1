#include "gateway/json_body_parser.h"

#include <google/protobuf/descriptor.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "services/common/text_validation.h"

namespace crm::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr int kMaxDepth = 32;

bool IsWellKnownType(const Descriptor& type) {
  return absl::StartsWith(type.full_name(), "google.protobuf.");
}

// The field a JSON key names: its lowerCamelCase JSON name or its original
// name; nullptr when it names none or the two lookups disagree.
const FieldDescriptor* FieldForKey(const Descriptor& type,
                                   const std::string& key) {
  const FieldDescriptor* by_name = type.FindFieldByName(key);
  const FieldDescriptor* by_camel_case = type.FindFieldByCamelcaseName(key);
  if (by_camel_case != nullptr && by_camel_case->json_name() != key) {
    by_camel_case = nullptr;  // A custom json_name: protobuf decides.
  }
  if (by_name != nullptr && by_camel_case != nullptr &&
      by_name != by_camel_case) {
    return nullptr;
  }
  if (by_name != nullptr) return by_name;
  if (by_camel_case != nullptr) return by_camel_case;
  for (int i = 0; i < type.field_count(); ++i) {
    if (type.field(i)->json_name() == key) return type.field(i);
  }
  return nullptr;
}

// The digits of a plain decimal integer: an optional '-' and no leading
// zero (JSON's grammar for an integer), not "-0".
bool IsPlainInteger(absl::string_view text) {
  size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  if (i == text.size()) return false;
  if (text[i] == '0') return text.size() == 1;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

// `text` as an integer of type T when it is a plain decimal integer in T's
// range.
template <typename T>
bool ToInteger(absl::string_view text, T* value) {
  if (!IsPlainInteger(text)) return false;
  if (std::is_unsigned_v<T> && text[0] == '-') return false;
  return absl::SimpleAtoi(text, value);
}

class PlainJsonParser {
 public:
  explicit PlainJsonParser(absl::string_view body)
      : p_(body.data()), end_(body.data() + body.size()) {}

  bool ParseDocument(Message* message) {
    SkipWhitespace();
    if (!ParseObject(message, 0)) return false;
    SkipWhitespace();
    return p_ == end_;
  }

 private:
  void SkipWhitespace() {
    while (p_ < end_ &&
           (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) {
      ++p_;
    }
  }

  bool Consume(char c) {
    SkipWhitespace();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  bool Peek(char c) {
    SkipWhitespace();
    return p_ < end_ && *p_ == c;
  }

  // A JSON string into `out` (valid UTF-8, no NUL characters).
  bool ParseString(std::string* out) {
    if (!Consume('"')) return false;
    out->clear();
    const char* run = p_;
    while (true) {
      if (p_ == end_) return false;
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') break;
      if (c < 0x20) return false;
      if (c != '\\') {
        ++p_;
        continue;
      }
      out->append(run, p_ - run);
      ++p_;
      if (p_ == end_) return false;
      const char escape = *p_++;
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          out->push_back(escape);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u':
          if (!AppendEscapedCodePoint(out)) return false;
          break;
        default:
          return false;
      }
      run = p_;
    }
    out->append(run, p_ - run);
    ++p_;  // The closing quote.
    return common::IsValidUtf8(*out);
  }

  bool ReadHex4(uint32_t* value) {
    if (end_ - p_ < 4) return false;
    *value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      uint32_t digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        return false;
      }
      *value = (*value << 4) | digit;
    }
    return true;
  }

  // After "\u": one code point (a surrogate pair as one), as UTF-8.
  bool AppendEscapedCodePoint(std::string* out) {
    uint32_t code_point;
    if (!ReadHex4(&code_point)) return false;
    if (code_point >= 0xDC00 && code_point <= 0xDFFF) return false;
    if (code_point >= 0xD800 && code_point <= 0xDBFF) {
      uint32_t low;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
      p_ += 2;
      if (!ReadHex4(&low) || low < 0xDC00 || low > 0xDFFF) return false;
      code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
    }
    if (code_point == 0) return false;
    if (code_point < 0x80) {
      out->push_back(static_cast<char>(code_point));
    } else if (code_point < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
      out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    } else if (code_point < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
      out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
      out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    }
    return true;
  }

  // A JSON number token, as written (JSON's grammar).
  bool ParseNumberToken(absl::string_view* token) {
    SkipWhitespace();
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    } else {
      return false;
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      const char* digits = p_;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      if (p_ == digits) return false;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      const char* digits = p_;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      if (p_ == digits) return false;
    }
    *token = absl::string_view(start, p_ - start);
    return true;
  }

  // An integer written as a plain decimal number or string.
  template <typename T>
  bool ParseInteger(T* value) {
    if (Peek('"')) return ParseString(&scratch_) && ToInteger(scratch_, value);
    absl::string_view token;
    return ParseNumberToken(&token) && ToInteger(token, value);
  }

  bool ParseLiteral(absl::string_view literal) {
    SkipWhitespace();
    if (static_cast<size_t>(end_ - p_) < literal.size() ||
        absl::string_view(p_, literal.size()) != literal) {
      return false;
    }
    p_ += literal.size();
    return true;
  }

  bool ParseBool(bool* value) {
    SkipWhitespace();
    if (Peek('t')) {
      *value = true;
      return ParseLiteral("true");
    }
    *value = false;
    return ParseLiteral("false");
  }

  // One value of `field` (an element if it is repeated) into `message`.
  bool ParseValue(Message* message, const FieldDescriptor* field, int depth) {
    const Reflection& reflection = *message->GetReflection();
    const bool repeated = field->is_repeated();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: {
        int32_t value;
        if (!ParseInteger(&value)) return false;
        repeated ? reflection.AddInt32(message, field, value)
                 : reflection.SetInt32(message, field, value);
        return true;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t value;
        if (!ParseInteger(&value)) return false;
        repeated ? reflection.AddInt64(message, field, value)
                 : reflection.SetInt64(message, field, value);
        return true;
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        uint32_t value;
        if (!ParseInteger(&value)) return false;
        repeated ? reflection.AddUInt32(message, field, value)
                 : reflection.SetUInt32(message, field, value);
        return true;
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        uint64_t value;
        if (!ParseInteger(&value)) return false;
        repeated ? reflection.AddUInt64(message, field, value)
                 : reflection.SetUInt64(message, field, value);
        return true;
      }
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: {
        absl::string_view token;
        double value;
        // protobuf reads "-0" as the integer 0: +0.0, which proto3 omits.
        if (!ParseNumberToken(&token) || token == "-0" ||
            !absl::SimpleAtod(token, &value) || !std::isfinite(value)) {
          return false;
        }
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
          repeated ? reflection.AddDouble(message, field, value)
                   : reflection.SetDouble(message, field, value);
          return true;
        }
        if (std::fabs(value) > FLT_MAX) return false;
        const float narrowed = static_cast<float>(value);
        repeated ? reflection.AddFloat(message, field, narrowed)
                 : reflection.SetFloat(message, field, narrowed);
        return true;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        bool value;
        if (!ParseBool(&value)) return false;
        repeated ? reflection.AddBool(message, field, value)
                 : reflection.SetBool(message, field, value);
        return true;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        if (!ParseString(&scratch_)) return false;
        const google::protobuf::EnumValueDescriptor* value =
            field->enum_type()->FindValueByName(scratch_);
        if (value == nullptr) return false;
        repeated ? reflection.AddEnumValue(message, field, value->number())
                 : reflection.SetEnumValue(message, field, value->number());
        return true;
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        if (field->type() == FieldDescriptor::TYPE_BYTES) return false;
        std::string value;
        if (!ParseString(&value)) return false;
        repeated ? reflection.AddString(message, field, std::move(value))
                 : reflection.SetString(message, field, std::move(value));
        return true;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        if (IsWellKnownType(*field->message_type())) return false;
        Message* child = repeated ? reflection.AddMessage(message, field)
                                  : reflection.MutableMessage(message, field);
        return ParseObject(child, depth + 1);
      }
    }
    return false;
  }

  bool ParseArray(Message* message, const FieldDescriptor* field, int depth) {
    if (!Consume('[')) return false;
    if (Consume(']')) return true;
    do {
      if (!ParseValue(message, field, depth)) return false;
    } while (Consume(','));
    return Consume(']');
  }

  // A map key in its field's type.
  bool SetMapKey(Message* entry, const FieldDescriptor* key_field,
                 const std::string& key) {
    const Reflection& reflection = *entry->GetReflection();
    switch (key_field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        reflection.SetString(entry, key_field, key);
        return true;
      case FieldDescriptor::CPPTYPE_BOOL:
        if (key != "true" && key != "false") return false;
        reflection.SetBool(entry, key_field, key == "true");
        return true;
      case FieldDescriptor::CPPTYPE_INT32: {
        int32_t value;
        if (!ToInteger(key, &value)) return false;
        reflection.SetInt32(entry, key_field, value);
        return true;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t value;
        if (!ToInteger(key, &value)) return false;
        reflection.SetInt64(entry, key_field, value);
        return true;
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        uint32_t value;
        if (!ToInteger(key, &value)) return false;
        reflection.SetUInt32(entry, key_field, value);
        return true;
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        uint64_t value;
        if (!ToInteger(key, &value)) return false;
        reflection.SetUInt64(entry, key_field, value);
        return true;
      }
      default:
        return false;
    }
  }

  bool ParseMap(Message* message, const FieldDescriptor* field, int depth) {
    if (depth + 1 > kMaxDepth || !Consume('{')) return false;
    if (Consume('}')) return true;
    const Descriptor& entry_type = *field->message_type();
    const FieldDescriptor* key_field = entry_type.map_key();
    const FieldDescriptor* value_field = entry_type.map_value();
    absl::flat_hash_set<std::string> keys;
    do {
      std::string key;
      if (!ParseString(&key) || !Consume(':')) return false;
      if (!keys.insert(key).second) return false;
      Message* entry = message->GetReflection()->AddMessage(message, field);
      if (!SetMapKey(entry, key_field, key) ||
          !ParseValue(entry, value_field, depth + 1)) {
        return false;
      }
    } while (Consume(','));
    return Consume('}');
  }

  bool ParseObject(Message* message, int depth) {
    if (depth > kMaxDepth || !Consume('{')) return false;
    if (Consume('}')) return true;
    const Descriptor& type = *message->GetDescriptor();
    std::vector<const FieldDescriptor*> seen;
    do {
      std::string key;
      if (!ParseString(&key) || !Consume(':')) return false;
      const FieldDescriptor* field = FieldForKey(type, key);
      if (field == nullptr) return false;
      for (const FieldDescriptor* earlier : seen) {
        if (earlier == field) return false;
        if (field->real_containing_oneof() != nullptr &&
            earlier->real_containing_oneof() ==
                field->real_containing_oneof()) {
          return false;
        }
      }
      seen.push_back(field);
      if (Peek('n')) return false;  // null: protobuf's parser decides.
      bool parsed;
      if (field->is_map()) {
        parsed = ParseMap(message, field, depth);
      } else if (field->is_repeated()) {
        parsed = ParseArray(message, field, depth);
      } else {
        parsed = ParseValue(message, field, depth);
      }
      if (!parsed) return false;
    } while (Consume(','));
    return Consume('}');
  }

  const char* p_;
  const char* const end_;
  std::string scratch_;
};

}  // namespace

bool ParsePlainJsonObject(absl::string_view body, Message* message) {
  return PlainJsonParser(body).ParseDocument(message);
}

}  // namespace crm::gateway

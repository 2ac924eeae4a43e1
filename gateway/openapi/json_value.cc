#include "gateway/openapi/json_value.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/logging.h"

namespace crm::gateway::openapi {

JsonValue::JsonValue(bool value) : kind_(Kind::kBool), bool_(value) {}
JsonValue::JsonValue(int value) : kind_(Kind::kNumber), number_(value) {}
JsonValue::JsonValue(int64_t value) : kind_(Kind::kNumber), number_(value) {}
JsonValue::JsonValue(const char* value)
    : kind_(Kind::kString), string_(value) {}
JsonValue::JsonValue(std::string value)
    : kind_(Kind::kString), string_(std::move(value)) {}
JsonValue::JsonValue(absl::string_view value)
    : kind_(Kind::kString), string_(value) {}

JsonValue JsonValue::Object() {
  JsonValue value;
  value.kind_ = Kind::kObject;
  return value;
}

JsonValue JsonValue::Array(std::initializer_list<JsonValue> items) {
  JsonValue value;
  value.kind_ = Kind::kArray;
  value.items_.assign(items.begin(), items.end());
  return value;
}

JsonValue& JsonValue::Set(absl::string_view key, JsonValue value) {
  JsonValue& slot = (*this)[key];
  slot = std::move(value);
  return slot;
}

JsonValue& JsonValue::operator[](absl::string_view key) {
  kind_ = Kind::kObject;
  return members_[std::string(key)];
}

bool JsonValue::Has(absl::string_view key) const {
  return members_.find(std::string(key)) != members_.end();
}

void JsonValue::Erase(absl::string_view key) {
  members_.erase(std::string(key));
}

JsonValue& JsonValue::Append(JsonValue value) {
  kind_ = Kind::kArray;
  items_.push_back(std::move(value));
  return items_.back();
}

std::string JsonQuote(absl::string_view text) {
  return absl::StrCat("\"", crm::common::JsonEscape(text), "\"");
}

std::string JsonValue::Serialize(int indent) const {
  std::string out;
  SerializeTo(out, indent, 0);
  if (indent > 0) out += '\n';
  return out;
}

void JsonValue::SerializeTo(std::string& out, int indent, int depth) const {
  auto newline = [&](int level) {
    if (indent <= 0) return;
    out += '\n';
    out.append(static_cast<size_t>(indent * level), ' ');
  };
  switch (kind_) {
    case Kind::kNull:
      out += "null";
      return;
    case Kind::kBool:
      out += bool_ ? "true" : "false";
      return;
    case Kind::kNumber:
      absl::StrAppend(&out, number_);
      return;
    case Kind::kString:
      out += JsonQuote(string_);
      return;
    case Kind::kArray: {
      out += '[';
      bool first = true;
      for (const JsonValue& item : items_) {
        if (!first) out += ',';
        first = false;
        newline(depth + 1);
        item.SerializeTo(out, indent, depth + 1);
      }
      if (!items_.empty()) newline(depth);
      out += ']';
      return;
    }
    case Kind::kObject: {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : members_) {
        if (!first) out += ',';
        first = false;
        newline(depth + 1);
        out += JsonQuote(key);
        out += indent > 0 ? ": " : ":";
        value.SerializeTo(out, indent, depth + 1);
      }
      if (!members_.empty()) newline(depth);
      out += '}';
      return;
    }
  }
}

}  // namespace crm::gateway::openapi

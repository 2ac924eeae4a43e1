// A JSON tree whose objects keep their keys sorted, so that printing the
// same tree always gives the same bytes (the OpenAPI document is compared
// and cached byte for byte).
//
//   JsonValue schema = JsonValue::Object();
//   schema.Set("type", "string");
//   schema.Set("enum", JsonValue::Array({"A", "B"}));
//   std::string text = schema.Serialize();  //
//   {"enum":["A","B"],"type":"string"}
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace crm::gateway::openapi {

class JsonValue {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  JsonValue() = default;  // null
  JsonValue(bool value);  // NOLINT: implicit on purpose, as in JSON literals.
  JsonValue(int value);   // NOLINT
  JsonValue(int64_t value);            // NOLINT
  JsonValue(const char* value);        // NOLINT
  JsonValue(std::string value);        // NOLINT
  JsonValue(absl::string_view value);  // NOLINT

  static JsonValue Object();
  static JsonValue Array(std::initializer_list<JsonValue> items = {});

  Kind kind() const { return kind_; }
  bool is_object() const { return kind_ == Kind::kObject; }

  // Object members. Set replaces an existing key; operator[] inserts null.
  // Calling them on a value that is not an object turns it into one.
  JsonValue& Set(absl::string_view key, JsonValue value);
  JsonValue& operator[](absl::string_view key);
  bool Has(absl::string_view key) const;
  void Erase(absl::string_view key);
  const std::map<std::string, JsonValue>& members() const { return members_; }

  // Array items. Append on a value that is not an array turns it into one.
  JsonValue& Append(JsonValue value);
  const std::vector<JsonValue>& items() const { return items_; }

  const std::string& string_value() const { return string_; }

  // Compact JSON, or indented by `indent` spaces per level when > 0.
  std::string Serialize(int indent = 0) const;

 private:
  void SerializeTo(std::string& out, int indent, int depth) const;

  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  int64_t number_ = 0;
  std::string string_;
  std::vector<JsonValue> items_;
  std::map<std::string, JsonValue> members_;
};

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(absl::string_view text);

}  // namespace crm::gateway::openapi

// The typed schema of one resource's filterable fields: which field paths a
// filter may name, the type of each, whether it is repeated, which
// comparators it accepts, and the old names (aliases) kept for compatibility.
//
//   absl::StatusOr<FilterSchema> schema = FilterSchema::Create(
//       {FieldSpec::String("email").WithComparators({Comparator::kEq}),
//        FieldSpec::String("tags").Repeated(),
//        FieldSpec::Enum("state", {"ACTIVE", "MERGED", "ERASED"}),
//        FieldSpec::Timestamp("create_time")},
//       {{"tag", "tags", AliasOptions{.equals_means_has = true}}});
//   const FieldSpec* field = schema->Find("tag");  // the "tags" spec
//
// A schema is built once (usually a function-local static) and must outlive
// every Filter parsed against it: a Filter points at its FieldSpecs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crm::common::filter {

enum class FieldType {
  kString,     // UTF-8 text; a quoted string or a bare word.
  kInt64,      // A decimal integer.
  kDouble,     // A decimal number (no NaN or infinity).
  kBool,       // true or false.
  kEnum,       // One of the field's enum names, bare or quoted.
  kTimestamp,  // RFC 3339 ("2026-01-01T00:00:00Z"), microsecond precision.
  kDuration,   // Seconds with an "s" suffix ("3600s", "1.5s"), microseconds.
};

enum class Comparator { kEq, kNe, kLt, kLe, kGt, kGe, kHas };

// "=", "!=", "<", "<=", ">", ">=", ":".
absl::string_view ComparatorText(Comparator comparator);
// "a string", "an integer", ... (for error messages).
absl::string_view FieldTypeDescription(FieldType type);

// One filterable field.
struct FieldSpec {
  // The canonical field path, as the resource spells it
  // ("address.country_code").
  std::string path;
  FieldType type = FieldType::kString;
  // A repeated field: restricted with ':' (has), which matches when any
  // element equals the value.
  bool repeated = false;
  // kEnum only: the accepted names (case-sensitive).
  std::vector<std::string> enum_names;
  // The comparators accepted. Defaults: repeated -> {:}; string, bool, enum
  // -> {=, !=}; int64, double, timestamp, duration -> {=, !=, <, <=, >, >=}.
  std::vector<Comparator> comparators;

  static FieldSpec String(std::string path);
  static FieldSpec Int64(std::string path);
  static FieldSpec Double(std::string path);
  static FieldSpec Bool(std::string path);
  static FieldSpec Enum(std::string path, std::vector<std::string> names);
  static FieldSpec Timestamp(std::string path);
  static FieldSpec Duration(std::string path);

  // Marks the field repeated (and its comparators {:}).
  FieldSpec Repeated() &&;
  // Replaces the accepted comparators.
  FieldSpec WithComparators(std::vector<Comparator> accepted) &&;

  bool Accepts(Comparator comparator) const;
  bool HasEnumName(absl::string_view name) const;
};

struct AliasOptions {
  // The alias names a repeated field and "alias = v" means "field : v" (old
  // filters wrote `tag = "vip"`).
  bool equals_means_has = false;
};

// An old name kept for a field.
struct FieldAlias {
  std::string alias;
  std::string path;  // Must name a field of the schema.
  AliasOptions options;
};

// The result of looking up a name a filter used.
struct FieldLookup {
  const FieldSpec* field = nullptr;     // nullptr: unknown name.
  const AliasOptions* alias = nullptr;  // Set when the name was an alias.
};

class FilterSchema {
 public:
  // INVALID_ARGUMENT (a programming error in the schema's definition) if a
  // path or alias is empty, not made of [A-Za-z0-9_.], repeated, or an alias
  // names an unknown field; an enum field without names; a repeated field
  // whose comparators are not exactly {:}.
  static absl::StatusOr<FilterSchema> Create(std::vector<FieldSpec> fields,
                                             std::vector<FieldAlias> aliases);

  // The field a filter names by `name` (a canonical path or an alias).
  FieldLookup Find(absl::string_view name) const;
  // The canonical paths, in definition order.
  const std::vector<std::string>& paths() const { return paths_; }

 private:
  FilterSchema() = default;
  std::vector<std::string> paths_;
  std::map<std::string, FieldSpec, std::less<>> fields_;
  std::map<std::string, FieldAlias, std::less<>> aliases_;
};

// FilterSchema::Create() of a definition fixed in the code: the schema, or
// the process aborts (an invalid definition is a programming error that the
// schema's own tests catch before it ships).
FilterSchema FixedFilterSchema(std::vector<FieldSpec> fields,
                               std::vector<FieldAlias> aliases = {});

}  // namespace crm::common::filter

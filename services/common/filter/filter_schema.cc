#include "services/common/filter/filter_schema.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace crm::common::filter {
namespace {

std::vector<Comparator> DefaultComparators(FieldType type, bool repeated) {
  if (repeated) return {Comparator::kHas};
  switch (type) {
    case FieldType::kString:
    case FieldType::kBool:
    case FieldType::kEnum:
      return {Comparator::kEq, Comparator::kNe};
    case FieldType::kInt64:
    case FieldType::kDouble:
    case FieldType::kTimestamp:
    case FieldType::kDuration:
      return {Comparator::kEq, Comparator::kNe, Comparator::kLt,
              Comparator::kLe, Comparator::kGt, Comparator::kGe};
  }
  return {};
}

FieldSpec MakeField(std::string path, FieldType type) {
  FieldSpec spec;
  spec.path = std::move(path);
  spec.type = type;
  spec.comparators = DefaultComparators(type, /*repeated=*/false);
  return spec;
}

bool IsValidName(absl::string_view name) {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
           c == '.';
  });
}

}  // namespace

absl::string_view ComparatorText(Comparator comparator) {
  switch (comparator) {
    case Comparator::kEq:
      return "=";
    case Comparator::kNe:
      return "!=";
    case Comparator::kLt:
      return "<";
    case Comparator::kLe:
      return "<=";
    case Comparator::kGt:
      return ">";
    case Comparator::kGe:
      return ">=";
    case Comparator::kHas:
      return ":";
  }
  return "?";
}

absl::string_view FieldTypeDescription(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "a string";
    case FieldType::kInt64:
      return "an integer";
    case FieldType::kDouble:
      return "a number";
    case FieldType::kBool:
      return "true or false";
    case FieldType::kEnum:
      return "an enum name";
    case FieldType::kTimestamp:
      return "an RFC 3339 timestamp such as \"2026-01-01T00:00:00Z\"";
    case FieldType::kDuration:
      return "a duration in seconds such as \"3600s\"";
  }
  return "a value";
}

FieldSpec FieldSpec::String(std::string path) {
  return MakeField(std::move(path), FieldType::kString);
}
FieldSpec FieldSpec::Int64(std::string path) {
  return MakeField(std::move(path), FieldType::kInt64);
}
FieldSpec FieldSpec::Double(std::string path) {
  return MakeField(std::move(path), FieldType::kDouble);
}
FieldSpec FieldSpec::Bool(std::string path) {
  return MakeField(std::move(path), FieldType::kBool);
}
FieldSpec FieldSpec::Enum(std::string path, std::vector<std::string> names) {
  FieldSpec spec = MakeField(std::move(path), FieldType::kEnum);
  spec.enum_names = std::move(names);
  return spec;
}
FieldSpec FieldSpec::Timestamp(std::string path) {
  return MakeField(std::move(path), FieldType::kTimestamp);
}
FieldSpec FieldSpec::Duration(std::string path) {
  return MakeField(std::move(path), FieldType::kDuration);
}

FieldSpec FieldSpec::Repeated() && {
  repeated = true;
  comparators = DefaultComparators(type, /*repeated=*/true);
  return std::move(*this);
}

FieldSpec FieldSpec::WithComparators(std::vector<Comparator> accepted) && {
  comparators = std::move(accepted);
  return std::move(*this);
}

bool FieldSpec::Accepts(Comparator comparator) const {
  return std::find(comparators.begin(), comparators.end(), comparator) !=
         comparators.end();
}

bool FieldSpec::HasEnumName(absl::string_view name) const {
  return std::find(enum_names.begin(), enum_names.end(), name) !=
         enum_names.end();
}

absl::StatusOr<FilterSchema> FilterSchema::Create(
    std::vector<FieldSpec> fields, std::vector<FieldAlias> aliases) {
  FilterSchema schema;
  for (FieldSpec& field : fields) {
    if (!IsValidName(field.path)) {
      return absl::InvalidArgumentError(
          absl::StrCat("filter schema: invalid field path '", field.path, "'"));
    }
    if (field.type == FieldType::kEnum && field.enum_names.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "filter schema: enum field '", field.path, "' has no names"));
    }
    if (field.comparators.empty() ||
        (field.repeated &&
         (field.comparators.size() != 1 || !field.Accepts(Comparator::kHas))) ||
        (!field.repeated && field.Accepts(Comparator::kHas))) {
      return absl::InvalidArgumentError(
          absl::StrCat("filter schema: field '", field.path,
                       "': repeated fields take ':' only, others never"));
    }
    const std::string path = field.path;
    if (!schema.fields_.emplace(path, std::move(field)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("filter schema: field '", path, "' defined twice"));
    }
    schema.paths_.push_back(path);
  }
  for (FieldAlias& alias : aliases) {
    if (!IsValidName(alias.alias) || schema.fields_.count(alias.alias) > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "filter schema: invalid or clashing alias '", alias.alias, "'"));
    }
    auto target = schema.fields_.find(alias.path);
    if (target == schema.fields_.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("filter schema: alias '", alias.alias,
                       "' names an unknown field '", alias.path, "'"));
    }
    if (alias.options.equals_means_has && !target->second.repeated) {
      return absl::InvalidArgumentError(
          absl::StrCat("filter schema: alias '", alias.alias,
                       "': equals_means_has needs a repeated field"));
    }
    const std::string name = alias.alias;
    if (!schema.aliases_.emplace(name, std::move(alias)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("filter schema: alias '", name, "' defined twice"));
    }
  }
  return schema;
}

FieldLookup FilterSchema::Find(absl::string_view name) const {
  FieldLookup lookup;
  auto field = fields_.find(name);
  if (field != fields_.end()) {
    lookup.field = &field->second;
    return lookup;
  }
  auto alias = aliases_.find(name);
  if (alias != aliases_.end()) {
    lookup.field = &fields_.find(alias->second.path)->second;
    lookup.alias = &alias->second.options;
  }
  return lookup;
}

FilterSchema FixedFilterSchema(std::vector<FieldSpec> fields,
                               std::vector<FieldAlias> aliases) {
  absl::StatusOr<FilterSchema> schema =
      FilterSchema::Create(std::move(fields), std::move(aliases));
  if (!schema.ok()) std::abort();
  return *std::move(schema);
}

}  // namespace crm::common::filter

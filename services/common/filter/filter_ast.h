// The typed syntax tree of a parsed filter: AND / OR / NOT nodes over
// restrictions `<field> <comparator> <value>` whose values are already
// converted to the field's type. Produced by ParseFilter (filter_parser.h),
// consumed by CompileToSql (sql_filter.h) and Matches (filter_predicate.h).
//
//   CRM_ASSIGN_OR_RETURN(Filter filter, ParseFilter(request.filter(), schema));
//   // Replace an email by its blind index before the repository sees it.
//   CRM_RETURN_IF_ERROR(RewriteValues(filter, [&](Restriction& r) {
//     if (r.field->path != "email") return absl::OkStatus();
//     CRM_ASSIGN_OR_RETURN(r.value, EmailBlindIndex(std::get<std::string>(
//                                                       r.value)));
//     return absl::OkStatus();
//   }));
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/filter/filter_schema.h"

namespace crm::common::filter {

// A typed value. The alternative follows the field's type: kString and kEnum
// -> std::string (enum: the name), kInt64 -> int64_t, kDouble -> double,
// kBool -> bool, kTimestamp -> absl::Time, kDuration -> absl::Duration. A
// rewrite hook may replace it by another alternative (a hash string, an enum
// number): the SQL compiler binds whatever is there.
using FilterValue = std::variant<std::string, int64_t, double, bool, absl::Time,
                                 absl::Duration>;

// `<field> <comparator> <value>`.
struct Restriction {
  const FieldSpec* field = nullptr;  // Owned by the schema.
  Comparator comparator = Comparator::kEq;
  FilterValue value;
  int field_column = 0;  // 1-based column of the field name in the filter.
  int value_column = 0;  // 1-based column of the value.
};

struct FilterNode {
  enum class Kind { kAnd, kOr, kNot, kRestriction };
  Kind kind = Kind::kRestriction;
  // kAnd, kOr: two or more operands; kNot: exactly one.
  std::vector<FilterNode> operands;
  Restriction restriction;  // kRestriction only.
};

// A parsed filter; `root` is empty for an empty filter (matches everything).
struct Filter {
  std::optional<FilterNode> root;
};

// Calls `rewrite` on every restriction, in the order they appear in the
// filter text, stopping at the first error (returned unchanged; use
// FilterValueError() to point at the value).
absl::Status RewriteValues(
    Filter& filter, const std::function<absl::Status(Restriction&)>& rewrite);

// Whether any restriction names the field `path` (canonical), e.g. to add a
// default `state = ACTIVE` when the caller did not restrict the state.
bool MentionsField(const Filter& filter, absl::string_view path);

// A canonical text form (fields by canonical path, values typed, explicit
// parentheses) that ParseFilter reads back to the same tree (given limits
// large enough for its extra parentheses). For tests; it contains the values,
// so never log it where values may be personal data.
std::string DebugString(const Filter& filter);

}  // namespace crm::common::filter

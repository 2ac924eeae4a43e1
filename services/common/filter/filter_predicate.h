// Evaluates a parsed Filter against one record in memory: what a fake
// repository does in unit tests, with the same meaning as the SQL that
// CompileToSql (sql_filter.h) produces.
//
//   class CustomerView : public FilterRecord {
//     std::vector<FilterValue> Values(const FieldSpec& field) const override {
//       if (field.path == "tags") return {tags.begin(), tags.end()};
//       ...
//     }
//   };
//   if (Matches(filter, CustomerView(record))) page.push_back(record);
//
// Semantics (shared with the SQL form):
// - a restriction on a scalar field compares its one value; an unset scalar
//   (no value) satisfies no comparison, not even '!=' (AIP-160: an unset
//   field is not compared), so `NOT email = "x"` matches unset emails;
// - `repeated : v` matches when any element equals v;
// - values of different alternatives never match; strings compare by bytes
//   (code points), times, durations and numbers by value;
// - NOT, AND and OR are two-valued.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "services/common/filter/filter_ast.h"

namespace crm::common::filter {

// Access to a record's field values by schema field.
class FilterRecord {
 public:
  virtual ~FilterRecord() = default;
  // The values of `field` in this record: at most one for a scalar field
  // (none when unset), any number for a repeated one. The alternative must
  // be the one the filter's values have after any rewrite (see FilterValue).
  virtual std::vector<FilterValue> Values(const FieldSpec& field) const = 0;
};

// A FilterRecord over a map from canonical path to values (a path that is
// absent has no values): handy in tests.
class MapFilterRecord : public FilterRecord {
 public:
  explicit MapFilterRecord(
      std::map<std::string, std::vector<FilterValue>> values)
      : values_(std::move(values)) {}
  std::vector<FilterValue> Values(const FieldSpec& field) const override;

 private:
  std::map<std::string, std::vector<FilterValue>> values_;
};

// Whether `record` satisfies `filter` (an empty filter matches everything).
bool Matches(const Filter& filter, const FilterRecord& record);

}  // namespace crm::common::filter

// Compiles a parsed Filter to a parameterised SQL condition: the clause has
// one `?` per value and the values travel separately, always bound (see
// sql_filter_binding.h), never spliced into the SQL text.
//
//   SqlFieldMap columns;
//   columns.Column("state", "state")
//       .Column("create_time", "create_time")
//       .NullableColumn("email", "email_bidx")
//       .Exists("tags", "SELECT 1 FROM customer_tags t "
//                       "WHERE t.customer_id = customers.id AND t.tag = ?");
//   CRM_ASSIGN_OR_RETURN(SqlCondition where, CompileToSql(filter, columns));
//   // where.clause: "(state = ? AND EXISTS (SELECT 1 ... t.tag = ?))"
//   auto select = Prepare(connection, "SELECT ... WHERE " + where.clause);
//   BindSqlParams(*select, where.params, 1);
//
// Meaning: the same as Matches() (filter_predicate.h), given that
// - a Column is never NULL (declare NULL-able ones with NullableColumn: each
//   comparison then becomes `(col IS NOT NULL AND col <op> ?)`, so an unset
//   value satisfies no comparison and NOT stays two-valued);
// - string columns compare bytes (a binary collation or VARBINARY; a _ci
//   collation makes `=` case-insensitive, unlike the predicate);
// - timestamps are DATETIME(6) in UTC (bound as "YYYY-MM-DD HH:MM:SS.ffffff"),
//   durations are BIGINT microseconds, booleans 0/1, enums their names
//   (unless a rewrite hook replaced the value).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/filter/filter_ast.h"

namespace crm::common::filter {

// A value bound to a `?`.
using SqlParam = std::variant<std::string, int64_t, double, bool>;

// A condition and the values of its placeholders, in order.
struct SqlCondition {
  std::string clause;  // "TRUE" for an empty filter.
  std::vector<SqlParam> params;
};

// The SQL form of `value`: strings, numbers and booleans as they are,
// timestamps as DATETIME(6) text in UTC, durations as int64 microseconds.
SqlParam ToSqlParam(const FilterValue& value);

// Builds the condition of one restriction on a field mapped with Custom().
using SqlRestrictionBuilder =
    std::function<absl::StatusOr<SqlCondition>(const Restriction&)>;

// How each filterable field of a resource is stored. Fields of the schema
// that are not mapped cannot be used in a filter compiled with this map (a
// FILTER_INVALID error at the field's column).
class SqlFieldMap {
 public:
  // `expression` (a column or any SQL expression of the row, trusted text),
  // never NULL: "<expression> <op> ?".
  SqlFieldMap& Column(std::string path, std::string expression);
  // A column that may be NULL: "(<expression> IS NOT NULL AND <expression>
  // <op> ?)".
  SqlFieldMap& NullableColumn(std::string path, std::string expression);
  // A repeated field stored in a child table: `subquery` selects a row of
  // the record's elements equal to the one `?` it holds; `path : v` becomes
  // "EXISTS (<subquery>)".
  SqlFieldMap& Exists(std::string path, std::string subquery);
  // Anything else: `builder` produces the restriction's condition.
  SqlFieldMap& Custom(std::string path, SqlRestrictionBuilder builder);

 private:
  friend absl::StatusOr<SqlCondition> CompileToSql(const Filter&,
                                                   const SqlFieldMap&);
  struct Mapping {
    enum class Kind { kColumn, kNullableColumn, kExists, kCustom } kind;
    std::string sql;
    SqlRestrictionBuilder builder;
  };
  std::map<std::string, Mapping, std::less<>> mappings_;
};

// The condition of `filter`; FILTER_INVALID at the field's column if it
// names a field `columns` does not map, and any error of a Custom builder.
absl::StatusOr<SqlCondition> CompileToSql(const Filter& filter,
                                          const SqlFieldMap& columns);

}  // namespace crm::common::filter

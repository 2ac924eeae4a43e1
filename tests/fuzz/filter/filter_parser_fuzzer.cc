// libFuzzer target for the filter parser (services/common/filter): any input
// either parses or fails with FilterError, never crashes, and what parses
// keeps its invariants:
// - the canonical text (DebugString) parses back to the same canonical text;
// - the SQL has one `?` per bound value and none of the caller's text;
// - the in-memory predicate evaluates without failing.
// Built by run.sh with clang's -fsanitize=fuzzer,address,undefined.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "services/common/filter/filter_parser.h"
#include "services/common/filter/filter_predicate.h"
#include "services/common/filter/sql_filter.h"
#include "tests/unit/common/filter/test_schema.h"

namespace {

using namespace crm::common::filter;  // NOLINT: a fuzz target's brevity.

void Check(bool condition) {
  if (!condition) std::abort();
}

const SqlFieldMap& Columns() {
  static const SqlFieldMap* const columns = [] {
    auto* map = new SqlFieldMap();
    map->Column("name", "name")
        .NullableColumn("email", "email")
        .Exists("tags", "SELECT 1 FROM t WHERE t.id = r.id AND t.tag = ?")
        .Column("address.country_code", "country")
        .Column("state", "state")
        .Column("age", "age")
        .Column("score", "score")
        .Column("vip", "vip")
        .Column("create_time", "create_time")
        .Column("ttl", "ttl");
    return map;
  }();
  return *columns;
}

const MapFilterRecord& Record() {
  static const MapFilterRecord* const record = new MapFilterRecord({
      {"name", {std::string("Ann")}},
      {"tags", {std::string("vip"), std::string("eu")}},
      {"state", {std::string("ACTIVE")}},
      {"age", {int64_t{30}}},
      {"score", {2.5}},
      {"vip", {true}},
      {"create_time", {absl::UnixEpoch()}},
      {"ttl", {absl::Seconds(90)}},
  });
  return *record;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const FilterSchema& schema = crm::common::filter::testing::TestFilterSchema();
  absl::StatusOr<Filter> filter = ParseFilter(text, schema);
  if (!filter.ok()) {
    Check(filter.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  // Canonical text round trip; its extra parentheses may exceed the limits.
  const std::string canonical = DebugString(*filter);
  const FilterLimits generous{.max_bytes = 1 << 20, .max_depth = 1000};
  absl::StatusOr<Filter> again = ParseFilter(canonical, schema, generous);
  Check(again.ok());
  Check(DebugString(*again) == canonical);

  absl::StatusOr<SqlCondition> sql = CompileToSql(*filter, Columns());
  Check(sql.ok());
  size_t placeholders = 0;
  for (char c : sql->clause) placeholders += c == '?' ? 1 : 0;
  Check(placeholders == sql->params.size());
  for (char c : sql->clause) Check(c != '"' && c != '\\');

  (void)Matches(*filter, Record());
  return 0;
}

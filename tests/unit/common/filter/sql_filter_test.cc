#include "services/common/filter/sql_filter.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/error_details.h"
#include "services/common/filter/filter_parser.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/common/filter/test_schema.h"

namespace crm::common::filter {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Pair;
using testing::TestFilterSchema;

SqlFieldMap TestColumns() {
  SqlFieldMap columns;
  columns.Column("name", "r.name")
      .NullableColumn("email", "r.email_hash")
      .Exists("tags",
              "SELECT 1 FROM row_tags t WHERE t.row_id = r.id AND t.tag = ?")
      .Column("address.country_code", "r.country")
      .Column("state", "r.state")
      .Column("age", "r.age")
      .Column("score", "r.score")
      .Column("vip", "r.vip")
      .Column("create_time", "r.create_time")
      .Column("ttl", "r.ttl_micros");
  return columns;
}

SqlCondition Compile(absl::string_view text, const SqlFieldMap& columns) {
  absl::StatusOr<Filter> filter = ParseFilter(text, TestFilterSchema());
  EXPECT_THAT(filter, IsOk());
  if (!filter.ok()) return {};
  absl::StatusOr<SqlCondition> condition = CompileToSql(*filter, columns);
  EXPECT_THAT(condition, IsOk());
  return condition.ok() ? *condition : SqlCondition{};
}

TEST(SqlFilterTest, EmptyFilterIsTrue) {
  SqlCondition condition = Compile("", TestColumns());
  EXPECT_EQ(condition.clause, "TRUE");
  EXPECT_TRUE(condition.params.empty());
}

TEST(SqlFilterTest, CompilesStructureWithPlaceholders) {
  SqlCondition condition = Compile(
      "state = ACTIVE AND (tags:\"vip\" OR age >= 18) AND NOT vip = "
      "true",
      TestColumns());
  EXPECT_EQ(condition.clause,
            "(r.state = ? AND (EXISTS (SELECT 1 FROM row_tags t WHERE "
            "t.row_id = r.id AND t.tag = ?) OR r.age >= ?) AND NOT (r.vip = "
            "?))");
  EXPECT_THAT(
      condition.params,
      ElementsAre(SqlParam(std::string("ACTIVE")), SqlParam(std::string("vip")),
                  SqlParam(int64_t{18}), SqlParam(true)));
}

TEST(SqlFilterTest, PrecedenceMatchesTheParser) {
  SqlCondition condition =
      Compile("age = 1 AND age = 2 OR age = 3", TestColumns());
  EXPECT_EQ(condition.clause, "(r.age = ? AND (r.age = ? OR r.age = ?))");
  EXPECT_THAT(condition.params,
              ElementsAre(SqlParam(int64_t{1}), SqlParam(int64_t{2}),
                          SqlParam(int64_t{3})));
}

TEST(SqlFilterTest, NullableColumnsNeverYieldNull) {
  SqlCondition condition = Compile("NOT email = \"h\"", TestColumns());
  EXPECT_EQ(condition.clause,
            "NOT ((r.email_hash IS NOT NULL AND r.email_hash = ?))");
  EXPECT_THAT(condition.params, ElementsAre(SqlParam(std::string("h"))));
}

TEST(SqlFilterTest, BindsTypedValues) {
  SqlCondition condition = Compile(
      "create_time >= \"2026-03-04T05:06:07.000089Z\" AND ttl < 1.5s AND "
      "score != 0.5 AND name = \"x\" AND create_time < "
      "\"0001-01-01T00:00:00Z\"",
      TestColumns());
  EXPECT_THAT(condition.params,
              ElementsAre(SqlParam(std::string("2026-03-04 05:06:07.000089")),
                          SqlParam(int64_t{1'500'000}), SqlParam(0.5),
                          SqlParam(std::string("x")),
                          SqlParam(std::string("0001-01-01 00:00:00.000000"))));
}

TEST(SqlFilterTest, ValuesNeverReachTheClause) {
  const std::string hostile = "x' OR 1=1; DROP TABLE r; -- ?";
  SqlCondition condition = Compile(
      "name = \"x' OR 1=1; DROP TABLE r; -- ?\" OR tags:\"x' OR 1=1; DROP "
      "TABLE r; -- ?\"",
      TestColumns());
  EXPECT_EQ(condition.clause,
            "(r.name = ? OR EXISTS (SELECT 1 FROM row_tags t WHERE t.row_id = "
            "r.id AND t.tag = ?))");
  EXPECT_THAT(condition.params,
              ElementsAre(SqlParam(hostile), SqlParam(hostile)));
}

TEST(SqlFilterTest, RewrittenValuesAreBound) {
  absl::StatusOr<Filter> filter =
      ParseFilter("email = \"A@x.org\"", TestFilterSchema());
  ASSERT_THAT(filter, IsOk());
  ASSERT_THAT(RewriteValues(*filter,
                            [](Restriction& restriction) {
                              restriction.value = int64_t{7};
                              return absl::OkStatus();
                            }),
              IsOk());
  absl::StatusOr<SqlCondition> condition = CompileToSql(*filter, TestColumns());
  ASSERT_THAT(condition, IsOk());
  EXPECT_THAT(condition->params, ElementsAre(SqlParam(int64_t{7})));
}

TEST(SqlFilterTest, CustomBuilderProducesTheFragment) {
  SqlFieldMap columns = TestColumns();
  columns.Custom("address.country_code", [](const Restriction& restriction) {
    SqlCondition condition;
    condition.clause = restriction.comparator == Comparator::kEq
                           ? "r.country IN (?, ?)"
                           : "r.country NOT IN (?, ?)";
    condition.params = {ToSqlParam(restriction.value),
                        SqlParam(std::string("--"))};
    return absl::StatusOr<SqlCondition>(condition);
  });
  SqlCondition condition = Compile("country_code = DE AND age = 3", columns);
  EXPECT_EQ(condition.clause, "(r.country IN (?, ?) AND r.age = ?)");
  EXPECT_THAT(condition.params,
              ElementsAre(SqlParam(std::string("DE")),
                          SqlParam(std::string("--")), SqlParam(int64_t{3})));
}

TEST(SqlFilterTest, UnmappedFieldIsFilterInvalidAtItsColumn) {
  SqlFieldMap columns;
  columns.Column("age", "age");
  absl::StatusOr<Filter> filter =
      ParseFilter("age = 1 AND vip = true", TestFilterSchema());
  ASSERT_THAT(filter, IsOk());
  absl::StatusOr<SqlCondition> condition = CompileToSql(*filter, columns);
  ASSERT_THAT(condition, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(condition.status()), ::crm::type::v1::FILTER_INVALID);
  EXPECT_THAT(ErrorMetadataOf(condition.status()),
              ::testing::UnorderedElementsAre(Pair("field", "filter"),
                                              Pair("position", "13")));
}

}  // namespace
}  // namespace crm::common::filter

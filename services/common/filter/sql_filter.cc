#include "services/common/filter/sql_filter.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "services/common/filter/filter_error.h"
#include "services/common/status_macros.h"

namespace crm::common::filter {
namespace {

struct ToParam {
  SqlParam operator()(const std::string& v) const { return v; }
  SqlParam operator()(int64_t v) const { return v; }
  SqlParam operator()(double v) const { return v; }
  SqlParam operator()(bool v) const { return v; }
  SqlParam operator()(absl::Time v) const {
    const absl::TimeZone utc = absl::UTCTimeZone();
    const absl::CivilSecond civil = absl::ToCivilSecond(v, utc);
    const int64_t micros =
        absl::ToInt64Microseconds(v - absl::FromCivil(civil, utc));
    return absl::StrFormat("%04d-%02d-%02d %02d:%02d:%02d.%06d", civil.year(),
                           civil.month(), civil.day(), civil.hour(),
                           civil.minute(), civil.second(), micros);
  }
  SqlParam operator()(absl::Duration v) const {
    return absl::ToInt64Microseconds(v);
  }
};

}  // namespace

SqlParam ToSqlParam(const FilterValue& value) {
  return std::visit(ToParam{}, value);
}

SqlFieldMap& SqlFieldMap::Column(std::string path, std::string expression) {
  mappings_[std::move(path)] = {Mapping::Kind::kColumn, std::move(expression),
                                nullptr};
  return *this;
}

SqlFieldMap& SqlFieldMap::NullableColumn(std::string path,
                                         std::string expression) {
  mappings_[std::move(path)] = {Mapping::Kind::kNullableColumn,
                                std::move(expression), nullptr};
  return *this;
}

SqlFieldMap& SqlFieldMap::Exists(std::string path, std::string subquery) {
  mappings_[std::move(path)] = {Mapping::Kind::kExists, std::move(subquery),
                                nullptr};
  return *this;
}

SqlFieldMap& SqlFieldMap::Custom(std::string path,
                                 SqlRestrictionBuilder builder) {
  mappings_[std::move(path)] = {Mapping::Kind::kCustom, "", std::move(builder)};
  return *this;
}

namespace {

absl::Status CompileNode(
    const FilterNode& node,
    const std::function<absl::StatusOr<SqlCondition>(const Restriction&)>&
        restriction_sql,
    SqlCondition& out) {
  switch (node.kind) {
    case FilterNode::Kind::kRestriction: {
      CRM_ASSIGN_OR_RETURN(SqlCondition condition,
                           restriction_sql(node.restriction));
      absl::StrAppend(&out.clause, condition.clause);
      for (SqlParam& param : condition.params) {
        out.params.push_back(std::move(param));
      }
      return absl::OkStatus();
    }
    case FilterNode::Kind::kNot:
      absl::StrAppend(&out.clause, "NOT (");
      CRM_RETURN_IF_ERROR(
          CompileNode(node.operands.at(0), restriction_sql, out));
      absl::StrAppend(&out.clause, ")");
      return absl::OkStatus();
    case FilterNode::Kind::kAnd:
    case FilterNode::Kind::kOr: {
      const char* joiner =
          node.kind == FilterNode::Kind::kAnd ? " AND " : " OR ";
      absl::StrAppend(&out.clause, "(");
      for (size_t i = 0; i < node.operands.size(); ++i) {
        if (i > 0) absl::StrAppend(&out.clause, joiner);
        CRM_RETURN_IF_ERROR(
            CompileNode(node.operands[i], restriction_sql, out));
      }
      absl::StrAppend(&out.clause, ")");
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SqlCondition> CompileToSql(const Filter& filter,
                                          const SqlFieldMap& columns) {
  SqlCondition out;
  if (!filter.root.has_value()) {
    out.clause = "TRUE";
    return out;
  }
  auto restriction_sql =
      [&columns](const Restriction& r) -> absl::StatusOr<SqlCondition> {
    auto found = columns.mappings_.find(r.field->path);
    if (found == columns.mappings_.end()) {
      return FilterError(r.field_column,
                         absl::StrCat("field '", r.field->path,
                                      "' cannot be used in this filter"));
    }
    const SqlFieldMap::Mapping& mapping = found->second;
    SqlCondition condition;
    switch (mapping.kind) {
      case SqlFieldMap::Mapping::Kind::kCustom:
        return mapping.builder(r);
      case SqlFieldMap::Mapping::Kind::kExists:
        // The schema only lets ':' reach a repeated field.
        condition.clause = absl::StrCat("EXISTS (", mapping.sql, ")");
        break;
      case SqlFieldMap::Mapping::Kind::kColumn:
      case SqlFieldMap::Mapping::Kind::kNullableColumn: {
        const absl::string_view op = r.comparator == Comparator::kHas
                                         ? absl::string_view("=")
                                         : ComparatorText(r.comparator);
        condition.clause = absl::StrCat(mapping.sql, " ", op, " ?");
        if (mapping.kind == SqlFieldMap::Mapping::Kind::kNullableColumn) {
          condition.clause = absl::StrCat("(", mapping.sql, " IS NOT NULL AND ",
                                          condition.clause, ")");
        }
        break;
      }
    }
    condition.params.push_back(ToSqlParam(r.value));
    return condition;
  };
  CRM_RETURN_IF_ERROR(CompileNode(*filter.root, restriction_sql, out));
  return out;
}

}  // namespace crm::common::filter

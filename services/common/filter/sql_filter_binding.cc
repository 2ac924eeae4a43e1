#include "services/common/filter/sql_filter_binding.h"

#include <cstdint>
#include <string>
#include <variant>

namespace crm::common::filter {

int BindSqlParams(sql::PreparedStatement& statement,
                  const std::vector<SqlParam>& params, int first_index) {
  int index = first_index;
  for (const SqlParam& param : params) {
    struct Binder {
      sql::PreparedStatement& statement;
      int index;
      void operator()(const std::string& v) const {
        statement.setString(index, v);
      }
      void operator()(int64_t v) const { statement.setInt64(index, v); }
      void operator()(double v) const { statement.setDouble(index, v); }
      void operator()(bool v) const { statement.setBoolean(index, v); }
    };
    std::visit(Binder{statement, index}, param);
    ++index;
  }
  return index;
}

}  // namespace crm::common::filter

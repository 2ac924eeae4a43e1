// Binds the values of a compiled filter (sql_filter.h) onto a Connector/C++
// prepared statement.
//
//   auto select = Prepare(connection, absl::StrCat(kSelect, " WHERE ",
//                                                   where.clause, " LIMIT ?"));
//   int next = BindSqlParams(*select, where.params, /*first_index=*/1);
//   select->setInt(next, limit);
#pragma once

#include <vector>

#include <cppconn/prepared_statement.h>

#include "services/common/filter/sql_filter.h"

namespace crm::common::filter {

// Binds `params` to placeholders first_index, first_index + 1, ... (1-based,
// as Connector/C++ counts) and returns the index after the last one.
int BindSqlParams(sql::PreparedStatement& statement,
                  const std::vector<SqlParam>& params, int first_index);

}  // namespace crm::common::filter

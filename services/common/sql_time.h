// Optional DATETIME(6) parameters and columns for the MySQL repositories: an
// unset time is SQL NULL. Times are UTC with microsecond precision, as in
// timestamps.h.
//
//   BindOptionalSqlDatetime(*statement, 4, record.expire_time);
//   CRM_ASSIGN_OR_RETURN(record.expire_time,
//                        OptionalSqlDatetime(*rows, "expire_time"));
#pragma once

#include <optional>
#include <string>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace crm::common {

// Binds `time` as DATETIME text at `index`, or NULL when it is unset.
void BindOptionalSqlDatetime(sql::PreparedStatement& statement, int index,
                             const std::optional<absl::Time>& time);

// The time in `column` of the current row, or nullopt when it is NULL.
// INTERNAL if the stored text does not parse.
absl::StatusOr<std::optional<absl::Time>> OptionalSqlDatetime(
    sql::ResultSet& rows, const std::string& column);

}  // namespace crm::common

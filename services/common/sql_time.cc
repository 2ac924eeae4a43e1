#include "services/common/sql_time.h"

#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::common {

void BindOptionalSqlDatetime(sql::PreparedStatement& statement, int index,
                             const std::optional<absl::Time>& time) {
  if (time.has_value()) {
    statement.setString(index, FormatSqlDatetime(*time));
  } else {
    statement.setNull(index, 0);
  }
}

absl::StatusOr<std::optional<absl::Time>> OptionalSqlDatetime(
    sql::ResultSet& rows, const std::string& column) {
  if (rows.isNull(column)) return std::optional<absl::Time>();
  CRM_ASSIGN_OR_RETURN(absl::Time time,
                       ParseSqlDatetime(rows.getString(column).asStdString()));
  return std::optional<absl::Time>(time);
}

}  // namespace crm::common

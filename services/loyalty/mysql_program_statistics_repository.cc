#include "services/loyalty/mysql_program_statistics_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/timestamps.h"
#include "services/loyalty/member_lifecycle.h"

namespace crm::loyalty {

using ::crm::common::FormatSqlDatetime;
using ::crm::common::Transaction;

absl::StatusOr<std::map<std::string, int64_t>>
MySqlProgramStatisticsRepository::MembersByTier(Transaction& tx) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT tier, COUNT(*) AS members FROM accounts "
      "WHERE merged_into IS NULL AND customer_id NOT LIKE ? GROUP BY tier");
  select->setString(1, absl::StrCat(kErasedIdPrefix, "%"));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::map<std::string, int64_t> members;
  while (rows->next()) {
    members[rows->getString("tier").asStdString()] = rows->getInt64("members");
  }
  return members;
}

absl::StatusOr<OutstandingPointsRecord>
MySqlProgramStatisticsRepository::OutstandingPoints(Transaction& tx,
                                                    absl::Time now,
                                                    absl::Time until) {
  // month: YYYYMM of the expiry for lots expiring before `until`, 0 for the
  // rest (never, or later); one row per month plus one for the rest.
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT CASE WHEN expire_time IS NOT NULL AND expire_time < ? "
      "THEN YEAR(expire_time) * 100 + MONTH(expire_time) ELSE 0 END AS month, "
      "SUM(remaining_points) AS points FROM point_lots "
      "WHERE remaining_points > 0 AND (expire_time IS NULL OR expire_time > ?) "
      "GROUP BY month");
  select->setString(1, FormatSqlDatetime(until));
  select->setString(2, FormatSqlDatetime(now));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  OutstandingPointsRecord record;
  while (rows->next()) {
    const int64_t month = rows->getInt64("month");
    const int64_t points = rows->getInt64("points");
    record.outstanding_points += points;
    if (month != 0) {
      record.expiring_by_month[absl::CivilMonth(month / 100, month % 100)] +=
          points;
    }
  }
  return record;
}

}  // namespace crm::loyalty

#include "services/loyalty/mysql_journey_funnel_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <string>

#include "services/common/prepared_statement_cache.h"

namespace crm::loyalty {

using ::crm::common::Transaction;

absl::StatusOr<bool> MySqlJourneyFunnelRepository::JourneyExists(
    Transaction& tx, absl::string_view journey_id) {
  crm::common::CachedStatement select =
      crm::common::Prepared(tx, "SELECT 1 FROM journeys WHERE id = ?");
  select->setString(1, std::string(journey_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  return rows->next();
}

absl::StatusOr<JourneyRunCountsRecord> MySqlJourneyFunnelRepository::CountRuns(
    Transaction& tx, absl::string_view journey_id) {
  // state and skip_reason are NOT NULL columns, so NULL marks ROLLUP's rows:
  // a state's subtotal (skip_reason NULL, ignored) and the grand total (both
  // NULL), the only row whose distinct member count covers every run.
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT state, skip_reason, COUNT(*) AS runs, "
      "COUNT(DISTINCT customer_id) AS members FROM journey_runs "
      "WHERE journey_id = ? GROUP BY state, skip_reason WITH ROLLUP");
  select->setString(1, std::string(journey_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  JourneyRunCountsRecord counts;
  while (rows->next()) {
    if (rows->isNull("state")) {
      counts.member_count = rows->getInt64("members");
      continue;
    }
    if (rows->isNull("skip_reason")) continue;
    JourneyRunCountsRecord::Key key;
    if (!v1::JourneyRun::State_Parse(rows->getString("state").asStdString(),
                                     &key.first) ||
        !v1::JourneyRun::SkipReason_Parse(
            rows->getString("skip_reason").asStdString(), &key.second)) {
      return absl::DataLossError("journey run with an unknown state");
    }
    counts.runs[key] += rows->getInt64("runs");
  }
  return counts;
}

}  // namespace crm::loyalty

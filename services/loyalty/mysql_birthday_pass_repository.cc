#include "services/loyalty/mysql_birthday_pass_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/timestamps.h"

namespace crm::loyalty {
namespace {

constexpr absl::string_view kPrefix = "journey-birthdays:";

}  // namespace

absl::StatusOr<std::map<std::string, int64_t>>
MySqlBirthdayPassRepository::DaysDone(
    crm::common::Transaction& tx, const std::vector<std::string>& journey_ids) {
  std::map<std::string, int64_t> days;
  if (journey_ids.empty()) return days;
  // Few journeys: one statement over the prefix, filtered here.
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT consumer, last_sequence FROM feed_consumer_cursors "
      "WHERE consumer LIKE 'journey-birthdays:%'");
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::map<std::string, int64_t> stored;
  while (rows->next()) {
    const std::string consumer = rows->getString(1).asStdString();
    if (!absl::StartsWith(consumer, kPrefix)) continue;
    stored[consumer.substr(kPrefix.size())] = rows->getInt64(2);
  }
  for (const std::string& id : journey_ids) {
    auto found = stored.find(id);
    if (found != stored.end()) days[id] = found->second;
  }
  return days;
}

absl::Status MySqlBirthdayPassRepository::MarkDone(
    crm::common::Transaction& tx, const std::vector<std::string>& journey_ids,
    int64_t day, absl::Time now) {
  crm::common::CachedStatement upsert = crm::common::Prepared(
      tx,
      "INSERT INTO feed_consumer_cursors (consumer, last_sequence, "
      "update_time) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE last_sequence = "
      "GREATEST(last_sequence, VALUES(last_sequence)), update_time = "
      "VALUES(update_time)");
  for (const std::string& id : journey_ids) {
    upsert->setString(1, absl::StrCat(kPrefix, id));
    upsert->setInt64(2, day);
    upsert->setString(3, crm::common::FormatSqlDatetime(now));
    upsert->executeUpdate();
  }
  return absl::OkStatus();
}

}  // namespace crm::loyalty

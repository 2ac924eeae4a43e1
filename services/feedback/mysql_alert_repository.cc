#include "services/feedback/mysql_alert_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/filter/sql_filter.h"
#include "services/common/filter/sql_filter_binding.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_time.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::feedback {
namespace {

using ::crm::common::KeysetPosition;
using ::crm::common::Page;
using ::crm::common::PageRequest;
using ::crm::common::Transaction;

constexpr char kAlertColumns[] =
    "SELECT id, sequence, dedup_key, kind, state, summary, category, "
    "observed, baseline_mean, baseline_deviation, threshold, window_start, "
    "ticket_id, escalation_level, create_time, acknowledge_time, "
    "acknowledged_by, subject, deadline_time FROM alerts";

const crm::common::filter::SqlFieldMap& AlertSqlFieldMap() {
  static const crm::common::filter::SqlFieldMap* const columns = [] {
    auto* map = new crm::common::filter::SqlFieldMap();
    map->Column("kind", "alerts.kind")
        .Column("state", "alerts.state")
        .Column("category", "alerts.category")
        .NullableColumn("ticket", "NULLIF(alerts.ticket_id, '')")
        .Column("create_time", "alerts.create_time");
    return map;
  }();
  return *columns;
}

absl::StatusOr<AlertRecord> AlertFromRow(sql::ResultSet& rows) {
  AlertRecord alert;
  alert.id = rows.getString("id").asStdString();
  alert.sequence = rows.getInt64("sequence");
  alert.dedup_key = rows.getString("dedup_key").asStdString();
  if (!v1::Alert::Kind_Parse(rows.getString("kind").asStdString(),
                             &alert.kind) ||
      !v1::Alert::State_Parse(rows.getString("state").asStdString(),
                              &alert.state)) {
    return absl::InternalError("stored alert kind or state is unknown");
  }
  alert.summary = rows.getString("summary").asStdString();
  alert.category = rows.getString("category").asStdString();
  alert.observed = rows.getInt64("observed");
  alert.baseline_mean = rows.getDouble("baseline_mean");
  alert.baseline_deviation = rows.getDouble("baseline_deviation");
  alert.threshold = rows.getInt64("threshold");
  CRM_ASSIGN_OR_RETURN(alert.window_start,
                       crm::common::OptionalSqlDatetime(rows, "window_start"));
  alert.ticket_id = rows.getString("ticket_id").asStdString();
  alert.escalation_level = rows.getInt("escalation_level");
  CRM_ASSIGN_OR_RETURN(alert.create_time,
                       crm::common::ParseSqlDatetime(
                           rows.getString("create_time").asStdString()));
  CRM_ASSIGN_OR_RETURN(alert.acknowledge_time, crm::common::OptionalSqlDatetime(
                                                   rows, "acknowledge_time"));
  alert.acknowledged_by = rows.getString("acknowledged_by").asStdString();
  alert.subject = rows.getString("subject").asStdString();
  CRM_ASSIGN_OR_RETURN(alert.deadline_time,
                       crm::common::OptionalSqlDatetime(rows, "deadline_time"));
  return alert;
}

absl::StatusOr<std::vector<AlertRecord>> ReadAlerts(
    sql::PreparedStatement& select) {
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  std::vector<AlertRecord> alerts;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(AlertRecord alert, AlertFromRow(*rows));
    alerts.push_back(std::move(alert));
  }
  return alerts;
}

}  // namespace

absl::StatusOr<int64_t> MySqlAlertRepository::IncrementNegativeCount(
    Transaction& tx, const std::string& category, absl::Time hour_start) {
  crm::common::CachedStatement upsert = crm::common::Prepared(
      tx,
      "INSERT INTO negative_feedback_hours (category, hour_start, count) "
      "VALUES (?, ?, 1) ON DUPLICATE KEY UPDATE count = count + 1");
  upsert->setString(1, category);
  upsert->setString(2, crm::common::FormatSqlDatetime(hour_start));
  upsert->executeUpdate();
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT count FROM negative_feedback_hours WHERE category = ? AND "
      "hour_start = ?");
  select->setString(1, category);
  select->setString(2, crm::common::FormatSqlDatetime(hour_start));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return absl::InternalError("hour count vanished");
  return rows->getInt64(1);
}

absl::StatusOr<std::vector<std::pair<absl::Time, int64_t>>>
MySqlAlertRepository::NegativeCounts(Transaction& tx,
                                     const std::string& category,
                                     absl::Time from, absl::Time to) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT hour_start, count FROM negative_feedback_hours WHERE "
      "category = ? AND hour_start >= ? AND hour_start < ?");
  select->setString(1, category);
  select->setString(2, crm::common::FormatSqlDatetime(from));
  select->setString(3, crm::common::FormatSqlDatetime(to));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<std::pair<absl::Time, int64_t>> counts;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(absl::Time hour,
                         crm::common::ParseSqlDatetime(
                             rows->getString("hour_start").asStdString()));
    counts.emplace_back(hour, rows->getInt64("count"));
  }
  return counts;
}

absl::StatusOr<bool> MySqlAlertRepository::Exists(
    Transaction& tx, const std::string& dedup_key) {
  crm::common::CachedStatement select =
      crm::common::Prepared(tx, "SELECT 1 FROM alerts WHERE dedup_key = ?");
  select->setString(1, dedup_key);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  return static_cast<bool>(rows->next());
}

absl::StatusOr<bool> MySqlAlertRepository::InsertIfNew(Transaction& tx,
                                                       AlertRecord& alert) {
  // The sequence row's lock orders alert writers (and so the visibility of
  // their sequences) and makes the dedup check below race-free.
  crm::common::CachedStatement lock = crm::common::Prepared(
      tx, "SELECT last_sequence FROM alert_sequence WHERE id = 1 FOR UPDATE");
  std::unique_ptr<sql::ResultSet> last(lock->executeQuery());
  if (!last->next()) return absl::InternalError("alert_sequence is empty");
  const int64_t sequence = last->getInt64(1) + 1;
  CRM_ASSIGN_OR_RETURN(bool exists, Exists(tx, alert.dedup_key));
  if (exists) return false;
  crm::common::CachedStatement bump = crm::common::Prepared(
      tx, "UPDATE alert_sequence SET last_sequence = ? WHERE id = 1");
  bump->setInt64(1, sequence);
  bump->executeUpdate();
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO alerts (id, sequence, dedup_key, kind, state, summary, "
      "category, observed, baseline_mean, baseline_deviation, threshold, "
      "window_start, ticket_id, escalation_level, create_time, "
      "acknowledge_time, acknowledged_by, subject, deadline_time) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert->setString(1, alert.id);
  insert->setInt64(2, sequence);
  insert->setString(3, alert.dedup_key);
  insert->setString(4, v1::Alert::Kind_Name(alert.kind));
  insert->setString(5, v1::Alert::State_Name(alert.state));
  insert->setString(6, alert.summary);
  insert->setString(7, alert.category);
  insert->setInt64(8, alert.observed);
  insert->setDouble(9, alert.baseline_mean);
  insert->setDouble(10, alert.baseline_deviation);
  insert->setInt64(11, alert.threshold);
  crm::common::BindOptionalSqlDatetime(*insert, 12, alert.window_start);
  insert->setString(13, alert.ticket_id);
  insert->setInt(14, alert.escalation_level);
  insert->setString(15, crm::common::FormatSqlDatetime(alert.create_time));
  crm::common::BindOptionalSqlDatetime(*insert, 16, alert.acknowledge_time);
  insert->setString(17, alert.acknowledged_by);
  insert->setString(18, alert.subject);
  crm::common::BindOptionalSqlDatetime(*insert, 19, alert.deadline_time);
  insert->executeUpdate();
  alert.sequence = sequence;
  return true;
}

absl::StatusOr<AlertRecord> MySqlAlertRepository::Get(Transaction& tx,
                                                      const std::string& id,
                                                      bool for_update) {
  crm::common::CachedStatement select =
      crm::common::Prepared(tx, absl::StrCat(kAlertColumns, " WHERE id = ?",
                                             for_update ? " FOR UPDATE" : ""));
  select->setString(1, id);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) {
    return crm::common::NotFoundError(absl::StrCat("alerts/", id));
  }
  return AlertFromRow(*rows);
}

absl::Status MySqlAlertRepository::SaveAcknowledgement(
    Transaction& tx, const AlertRecord& alert) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx,
      "UPDATE alerts SET state = ?, acknowledge_time = ?, acknowledged_by = ? "
      "WHERE id = ?");
  update->setString(1, v1::Alert::State_Name(alert.state));
  crm::common::BindOptionalSqlDatetime(*update, 2, alert.acknowledge_time);
  update->setString(3, alert.acknowledged_by);
  update->setString(4, alert.id);
  update->executeUpdate();
  return absl::OkStatus();
}

absl::StatusOr<Page<AlertRecord>> MySqlAlertRepository::List(
    Transaction& tx, const crm::common::filter::Filter& filter,
    const PageRequest& page) {
  CRM_ASSIGN_OR_RETURN(
      crm::common::filter::SqlCondition where,
      crm::common::filter::CompileToSql(filter, AlertSqlFieldMap()));
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kAlertColumns, " WHERE (", where.clause,
                       ") AND (create_time < ? OR (create_time = ? AND id < ?))"
                       " ORDER BY create_time DESC, id DESC LIMIT ?"));
  const int next = crm::common::filter::BindSqlParams(*select, where.params, 1);
  crm::common::BindKeysetAfter(*select, next, page.after);
  select->setInt(next + 3, page.page_size + 1);
  CRM_ASSIGN_OR_RETURN(std::vector<AlertRecord> alerts, ReadAlerts(*select));
  return crm::common::MakePage<AlertRecord>(
      std::move(alerts), page.page_size, [](const AlertRecord& alert) {
        return KeysetPosition{alert.create_time, alert.id};
      });
}

absl::StatusOr<std::vector<AlertRecord>>
MySqlAlertRepository::ListAfterSequence(Transaction& tx, int64_t after_sequence,
                                        int limit) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kAlertColumns,
                       " WHERE sequence > ? ORDER BY sequence LIMIT ?"));
  select->setInt64(1, after_sequence);
  select->setInt(2, limit);
  return ReadAlerts(*select);
}

}  // namespace crm::feedback

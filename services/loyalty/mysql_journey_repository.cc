#include "services/loyalty/mysql_journey_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <sstream>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/mysql_errors.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_batches.h"
#include "services/common/sql_time.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::loyalty {
namespace {

using ::crm::common::FormatSqlDatetime;
using ::crm::common::ParseSqlDatetime;
using ::crm::common::Transaction;

constexpr char kJourneyColumns[] =
    "SELECT id, state, spec, create_time, update_time, version FROM journeys ";

constexpr char kRunColumns[] =
    "SELECT id, journey_id, customer_id, trigger_event, trigger_time, "
    "due_time, state, skip_reason, finish_time, ledger_entry_id, coupon_id, "
    "message_type, message_payload, create_time, trigger_subject, "
    "survey_invitation FROM journey_runs ";

std::string Text(sql::ResultSet& rows, const std::string& column) {
  if (rows.isNull(column)) return "";
  return rows.getString(column).asStdString();
}

absl::StatusOr<JourneyRecord> JourneyFromRow(sql::ResultSet& rows) {
  JourneyRecord journey;
  journey.id = Text(rows, "id");
  if (!v1::Journey::State_Parse(Text(rows, "state"), &journey.state)) {
    return absl::DataLossError("journey with an unknown state");
  }
  if (!journey.spec.ParseFromString(Text(rows, "spec"))) {
    return absl::DataLossError("stored journey is unreadable");
  }
  CRM_ASSIGN_OR_RETURN(journey.create_time,
                       ParseSqlDatetime(Text(rows, "create_time")));
  CRM_ASSIGN_OR_RETURN(journey.update_time,
                       ParseSqlDatetime(Text(rows, "update_time")));
  journey.version = rows.getInt64("version");
  return journey;
}

absl::StatusOr<std::vector<JourneyRecord>> JourneysFrom(sql::ResultSet& rows) {
  std::vector<JourneyRecord> journeys;
  while (rows.next()) {
    CRM_ASSIGN_OR_RETURN(JourneyRecord journey, JourneyFromRow(rows));
    journeys.push_back(std::move(journey));
  }
  return journeys;
}

absl::StatusOr<JourneyRunRecord> RunFromRow(sql::ResultSet& rows) {
  JourneyRunRecord run;
  run.id = Text(rows, "id");
  run.journey_id = Text(rows, "journey_id");
  run.customer_id = Text(rows, "customer_id");
  run.trigger_event = Text(rows, "trigger_event");
  CRM_ASSIGN_OR_RETURN(run.trigger_time,
                       ParseSqlDatetime(Text(rows, "trigger_time")));
  CRM_ASSIGN_OR_RETURN(run.due_time, ParseSqlDatetime(Text(rows, "due_time")));
  if (!v1::JourneyRun::State_Parse(Text(rows, "state"), &run.state) ||
      !v1::JourneyRun::SkipReason_Parse(Text(rows, "skip_reason"),
                                        &run.skip_reason)) {
    return absl::DataLossError("journey run with an unknown state");
  }
  CRM_ASSIGN_OR_RETURN(run.finish_time,
                       crm::common::OptionalSqlDatetime(rows, "finish_time"));
  run.ledger_entry_id = Text(rows, "ledger_entry_id");
  run.coupon_id = Text(rows, "coupon_id");
  run.message_type = Text(rows, "message_type");
  run.message_payload = Text(rows, "message_payload");
  CRM_ASSIGN_OR_RETURN(run.create_time,
                       ParseSqlDatetime(Text(rows, "create_time")));
  run.trigger_subject = Text(rows, "trigger_subject");
  run.survey_invitation = Text(rows, "survey_invitation");
  return run;
}

void SetOptionalString(sql::PreparedStatement& statement, int index,
                       const std::string& value) {
  if (value.empty()) {
    statement.setNull(index, 0);
  } else {
    statement.setString(index, value);
  }
}

}  // namespace

absl::Status MySqlJourneyRepository::InsertJourney(
    Transaction& tx, const JourneyRecord& journey) {
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO journeys (id, state, trigger_kind, spec, create_time, "
      "update_time, version) VALUES (?, ?, ?, ?, ?, ?, ?)");
  insert->setString(1, journey.id);
  insert->setString(2, v1::Journey::State_Name(journey.state));
  insert->setString(
      3, v1::JourneyTrigger::Kind_Name(journey.spec.trigger().kind()));
  std::istringstream spec(journey.spec.SerializeAsString());
  insert->setBlob(4, &spec);
  insert->setString(5, FormatSqlDatetime(journey.create_time));
  insert->setString(6, FormatSqlDatetime(journey.update_time));
  insert->setInt64(7, journey.version);
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != common::kMySqlDuplicateKeyError) throw;
    return absl::AlreadyExistsError("journey exists");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<JourneyRecord>>
MySqlJourneyRepository::FindJourney(Transaction& tx, absl::string_view id,
                                    bool lock) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      absl::StrCat(kJourneyColumns, "WHERE id = ?", lock ? " FOR UPDATE" : ""));
  select->setString(1, std::string(id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CRM_ASSIGN_OR_RETURN(JourneyRecord journey, JourneyFromRow(*rows));
  return journey;
}

absl::StatusOr<std::vector<JourneyRecord>> MySqlJourneyRepository::ListJourneys(
    Transaction& tx, absl::string_view after, int limit) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kJourneyColumns, "WHERE id > ? ORDER BY id LIMIT ?"));
  select->setString(1, std::string(after));
  select->setInt(2, limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  return JourneysFrom(*rows);
}

absl::StatusOr<std::vector<JourneyRecord>>
MySqlJourneyRepository::ActiveJourneys(Transaction& tx,
                                       v1::JourneyTrigger::Kind kind) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kJourneyColumns,
                       "WHERE trigger_kind = ? AND state = 'ACTIVE' "
                       "ORDER BY id"));
  select->setString(1, v1::JourneyTrigger::Kind_Name(kind));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  return JourneysFrom(*rows);
}

absl::Status MySqlJourneyRepository::UpdateJourneyState(
    Transaction& tx, const JourneyRecord& journey) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx,
      "UPDATE journeys SET state = ?, update_time = ?, version = ? "
      "WHERE id = ?");
  update->setString(1, v1::Journey::State_Name(journey.state));
  update->setString(2, FormatSqlDatetime(journey.update_time));
  update->setInt64(3, journey.version);
  update->setString(4, journey.id);
  if (update->executeUpdate() == 0) {
    return absl::NotFoundError("no journey to update");
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> MySqlJourneyRepository::InsertRun(
    Transaction& tx, const JourneyRunRecord& run) {
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT IGNORE INTO journey_runs (id, journey_id, customer_id, "
      "trigger_event, trigger_time, due_time, state, skip_reason, "
      "finish_time, ledger_entry_id, coupon_id, message_type, "
      "message_payload, create_time, trigger_subject, survey_invitation) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert->setString(1, run.id);
  insert->setString(2, run.journey_id);
  insert->setString(3, run.customer_id);
  insert->setString(4, run.trigger_event);
  insert->setString(5, FormatSqlDatetime(run.trigger_time));
  insert->setString(6, FormatSqlDatetime(run.due_time));
  insert->setString(7, v1::JourneyRun::State_Name(run.state));
  insert->setString(8, v1::JourneyRun::SkipReason_Name(run.skip_reason));
  crm::common::BindOptionalSqlDatetime(*insert, 9, run.finish_time);
  SetOptionalString(*insert, 10, run.ledger_entry_id);
  SetOptionalString(*insert, 11, run.coupon_id);
  SetOptionalString(*insert, 12, run.message_type);
  SetOptionalString(*insert, 13, run.message_payload);
  insert->setString(14, FormatSqlDatetime(run.create_time));
  SetOptionalString(*insert, 15, run.trigger_subject);
  SetOptionalString(*insert, 16, run.survey_invitation);
  return insert->executeUpdate() == 1;
}

absl::StatusOr<std::optional<JourneyRunRecord>> MySqlJourneyRepository::LockRun(
    Transaction& tx, absl::string_view id) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kRunColumns, "WHERE id = ? FOR UPDATE"));
  select->setString(1, std::string(id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CRM_ASSIGN_OR_RETURN(JourneyRunRecord run, RunFromRow(*rows));
  return run;
}

absl::Status MySqlJourneyRepository::UpdateRun(Transaction& tx,
                                               const JourneyRunRecord& run) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx,
      "UPDATE journey_runs SET state = ?, skip_reason = ?, finish_time = ?, "
      "ledger_entry_id = ?, coupon_id = ?, message_type = ?, "
      "message_payload = ?, survey_invitation = ? WHERE id = ?");
  update->setString(1, v1::JourneyRun::State_Name(run.state));
  update->setString(2, v1::JourneyRun::SkipReason_Name(run.skip_reason));
  crm::common::BindOptionalSqlDatetime(*update, 3, run.finish_time);
  SetOptionalString(*update, 4, run.ledger_entry_id);
  SetOptionalString(*update, 5, run.coupon_id);
  SetOptionalString(*update, 6, run.message_type);
  SetOptionalString(*update, 7, run.message_payload);
  SetOptionalString(*update, 8, run.survey_invitation);
  update->setString(9, run.id);
  if (update->executeUpdate() == 0) {
    return absl::NotFoundError("no journey run to update");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<JourneyRepository::DueRun>>
MySqlJourneyRepository::DueRuns(Transaction& tx, absl::Time now,
                                const DueRun* after, int limit) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT id, due_time FROM journey_runs WHERE state = 'SCHEDULED' AND "
      "due_time <= ? AND (? = 0 OR (due_time, id) > (?, ?)) "
      "ORDER BY due_time, id LIMIT ?");
  select->setString(1, FormatSqlDatetime(now));
  select->setInt(2, after == nullptr ? 0 : 1);
  select->setString(3, FormatSqlDatetime(after == nullptr ? absl::UnixEpoch()
                                                          : after->due_time));
  select->setString(4, after == nullptr ? "" : after->id);
  select->setInt(5, limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<DueRun> runs;
  while (rows->next()) {
    DueRun run;
    run.id = Text(*rows, "id");
    CRM_ASSIGN_OR_RETURN(run.due_time,
                         ParseSqlDatetime(Text(*rows, "due_time")));
    runs.push_back(std::move(run));
  }
  return runs;
}

absl::StatusOr<int64_t> MySqlJourneyRepository::CountCompletedSince(
    Transaction& tx, absl::string_view customer_id, absl::Time since) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT COUNT(*) AS n FROM journey_runs WHERE customer_id = ? AND "
      "state = 'COMPLETED' AND finish_time >= ?");
  select->setString(1, std::string(customer_id));
  select->setString(2, FormatSqlDatetime(since));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return 0;
  return rows->getInt64("n");
}

absl::StatusOr<std::vector<JourneyRunRecord>> MySqlJourneyRepository::ListRuns(
    Transaction& tx, absl::string_view journey_id,
    absl::string_view customer_id, absl::Time before_time,
    absl::string_view before_id, int limit) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kRunColumns,
                       "WHERE journey_id = ? AND (? = '' OR customer_id = ?) "
                       "AND (? = '' OR (create_time, id) < (?, ?)) "
                       "ORDER BY create_time DESC, id DESC LIMIT ?"));
  const std::string customer(customer_id);
  const std::string before(before_id);
  const std::string before_text =
      FormatSqlDatetime(before_id.empty() ? absl::UnixEpoch() : before_time);
  select->setString(1, std::string(journey_id));
  select->setString(2, customer);
  select->setString(3, customer);
  select->setString(4, before);
  select->setString(5, before_text);
  select->setString(6, before);
  select->setInt(7, limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<JourneyRunRecord> runs;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(JourneyRunRecord run, RunFromRow(*rows));
    runs.push_back(std::move(run));
  }
  return runs;
}

absl::Status MySqlJourneyRepository::RecordOrders(
    Transaction& tx, const std::vector<LastOrder>& orders) {
  for (const crm::common::SqlChunk& chunk :
       crm::common::SqlChunks(orders.size(), 64)) {
    crm::common::CachedStatement upsert = crm::common::Prepared(
        tx, absl::StrCat("INSERT INTO journey_order_activity (customer_id, "
                         "last_order_time) VALUES ",
                         crm::common::SqlRowPlaceholders(chunk.size, 2),
                         " ON DUPLICATE KEY UPDATE last_order_time = "
                         "GREATEST(last_order_time, VALUES(last_order_time))"));
    int index = 1;
    for (size_t i = chunk.begin; i < chunk.begin + chunk.size; ++i) {
      upsert->setString(index++, orders[i].customer_id);
      upsert->setString(index++, FormatSqlDatetime(orders[i].last_order_time));
    }
    upsert->executeUpdate();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<JourneyRepository::LastOrder>>
MySqlJourneyRepository::QuietMembers(Transaction& tx, absl::Time cutoff,
                                     absl::string_view after, int limit) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT customer_id, last_order_time FROM journey_order_activity "
      "WHERE last_order_time < ? AND customer_id > ? ORDER BY customer_id "
      "LIMIT ?");
  select->setString(1, FormatSqlDatetime(cutoff));
  select->setString(2, std::string(after));
  select->setInt(3, limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<LastOrder> members;
  while (rows->next()) {
    LastOrder member;
    member.customer_id = Text(*rows, "customer_id");
    CRM_ASSIGN_OR_RETURN(member.last_order_time,
                         ParseSqlDatetime(Text(*rows, "last_order_time")));
    members.push_back(std::move(member));
  }
  return members;
}

absl::Status MySqlJourneyRepository::MoveCustomer(Transaction& tx,
                                                  absl::string_view duplicate,
                                                  absl::string_view survivor) {
  crm::common::CachedStatement move = crm::common::Prepared(
      tx,
      "UPDATE IGNORE journey_runs SET customer_id = ? WHERE customer_id = ?");
  move->setString(1, std::string(survivor));
  move->setString(2, std::string(duplicate));
  move->executeUpdate();
  crm::common::CachedStatement orders = crm::common::Prepared(
      tx,
      "INSERT INTO journey_order_activity (customer_id, last_order_time) "
      "SELECT moved.survivor_id, moved.moved_time FROM (SELECT ? AS "
      "survivor_id, last_order_time AS moved_time FROM "
      "journey_order_activity WHERE customer_id = ?) AS moved "
      "ON DUPLICATE KEY UPDATE last_order_time = "
      "GREATEST(journey_order_activity.last_order_time, "
      "VALUES(last_order_time))");
  orders->setString(1, std::string(survivor));
  orders->setString(2, std::string(duplicate));
  orders->executeUpdate();
  return ForgetCustomer(tx, duplicate);
}

absl::Status MySqlJourneyRepository::ForgetCustomer(
    Transaction& tx, absl::string_view customer_id) {
  crm::common::CachedStatement runs = crm::common::Prepared(
      tx, "DELETE FROM journey_runs WHERE customer_id = ?");
  runs->setString(1, std::string(customer_id));
  runs->executeUpdate();
  crm::common::CachedStatement orders = crm::common::Prepared(
      tx, "DELETE FROM journey_order_activity WHERE customer_id = ?");
  orders->setString(1, std::string(customer_id));
  orders->executeUpdate();
  return absl::OkStatus();
}

}  // namespace crm::loyalty

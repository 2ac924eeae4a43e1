#include "services/loyalty/mysql_webhook_delivery_repository.h"

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::loyalty {
namespace {

using ::crm::common::FormatSqlDatetime;
using ::crm::common::ParseSqlDatetime;
using ::crm::common::Transaction;

constexpr char kDeliveryColumns[] =
    "SELECT d.id, d.endpoint_id, m.event_type, m.idempotency_key, d.state, "
    "d.attempts, d.last_response_code, d.last_error, d.last_attempt_time, "
    "d.next_attempt_time, m.create_time "
    "FROM webhook_deliveries d JOIN outbound_messages m ON m.id = "
    "d.message_id ";

const char* DeliveryStateName(DeliveryState state) {
  switch (state) {
    case DeliveryState::kPending:
      return "PENDING";
    case DeliveryState::kDelivered:
      return "DELIVERED";
    case DeliveryState::kDead:
      return "DEAD";
  }
  return "PENDING";
}

absl::StatusOr<DeliveryState> ParseDeliveryState(const std::string& name) {
  if (name == "PENDING") return DeliveryState::kPending;
  if (name == "DELIVERED") return DeliveryState::kDelivered;
  if (name == "DEAD") return DeliveryState::kDead;
  return absl::DataLossError("webhook delivery with an unknown state");
}

absl::StatusOr<WebhookDeliveryRecord> DeliveryFromRow(sql::ResultSet& rows) {
  WebhookDeliveryRecord delivery;
  delivery.id = rows.getInt64("id");
  delivery.endpoint_id = rows.getString("endpoint_id").asStdString();
  delivery.event_type = rows.getString("event_type").asStdString();
  delivery.idempotency_key = rows.getString("idempotency_key").asStdString();
  CRM_ASSIGN_OR_RETURN(
      delivery.state,
      ParseDeliveryState(rows.getString("state").asStdString()));
  delivery.attempts = rows.getInt("attempts");
  delivery.last_response_code = rows.getInt("last_response_code");
  delivery.last_error = rows.getString("last_error").asStdString();
  if (!rows.isNull("last_attempt_time")) {
    CRM_ASSIGN_OR_RETURN(
        delivery.last_attempt_time,
        ParseSqlDatetime(rows.getString("last_attempt_time").asStdString()));
  }
  CRM_ASSIGN_OR_RETURN(
      delivery.next_attempt_time,
      ParseSqlDatetime(rows.getString("next_attempt_time").asStdString()));
  CRM_ASSIGN_OR_RETURN(
      delivery.create_time,
      ParseSqlDatetime(rows.getString("create_time").asStdString()));
  return delivery;
}

absl::StatusOr<std::vector<WebhookDeliveryRecord>> DeliveriesFrom(
    sql::ResultSet& rows) {
  std::vector<WebhookDeliveryRecord> deliveries;
  while (rows.next()) {
    CRM_ASSIGN_OR_RETURN(WebhookDeliveryRecord delivery, DeliveryFromRow(rows));
    deliveries.push_back(std::move(delivery));
  }
  return deliveries;
}

}  // namespace

absl::StatusOr<std::vector<DueDelivery>>
MySqlWebhookDeliveryRepository::ClaimDue(Transaction& tx, absl::Time now,
                                         absl::Time lease_until, int limit) {
  std::vector<int64_t> ids;
  {
    crm::common::CachedStatement select = crm::common::Prepared(
        tx,
        "SELECT id FROM webhook_deliveries "
        "WHERE state = 'PENDING' AND next_attempt_time <= ? "
        "ORDER BY next_attempt_time, id LIMIT ? FOR UPDATE SKIP LOCKED");
    select->setString(1, FormatSqlDatetime(now));
    select->setInt(2, limit);
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) ids.push_back(rows->getInt64(1));
  }
  if (ids.empty()) return std::vector<DueDelivery>();
  // The ids are integers read just above: safe to inline.
  const std::string id_list = absl::StrJoin(ids, ",");
  sql::Connection& connection = crm::common::MySqlConnectionOf(tx);
  std::unique_ptr<sql::Statement> statement(connection.createStatement());
  statement->executeUpdate(absl::StrCat(
      "UPDATE webhook_deliveries SET next_attempt_time = '",
      FormatSqlDatetime(lease_until), "' WHERE id IN (", id_list, ")"));
  std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(absl::StrCat(
      "SELECT d.id, d.attempts, d.endpoint_id, e.url, e.signing_secret, "
      "m.event_type, m.idempotency_key, m.payload_json, m.create_time "
      "FROM webhook_deliveries d "
      "JOIN webhook_endpoints e ON e.id = d.endpoint_id "
      "JOIN outbound_messages m ON m.id = d.message_id "
      "WHERE d.id IN (",
      id_list, ") ORDER BY d.next_attempt_time, d.id")));
  std::vector<DueDelivery> due;
  while (rows->next()) {
    DueDelivery delivery;
    delivery.id = rows->getInt64("id");
    delivery.attempts = rows->getInt("attempts");
    delivery.endpoint_id = rows->getString("endpoint_id").asStdString();
    delivery.url = rows->getString("url").asStdString();
    delivery.signing_secret = rows->getString("signing_secret").asStdString();
    delivery.event_type = rows->getString("event_type").asStdString();
    delivery.idempotency_key = rows->getString("idempotency_key").asStdString();
    delivery.payload_json = rows->getString("payload_json").asStdString();
    CRM_ASSIGN_OR_RETURN(
        delivery.create_time,
        ParseSqlDatetime(rows->getString("create_time").asStdString()));
    due.push_back(std::move(delivery));
  }
  return due;
}

absl::Status MySqlWebhookDeliveryRepository::RecordAttempt(
    Transaction& tx, const DeliveryAttempt& attempt) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx,
      "UPDATE webhook_deliveries SET state = ?, attempts = ?, "
      "last_response_code = ?, last_error = ?, last_attempt_time = ?, "
      "next_attempt_time = ?, finish_time = ? "
      "WHERE id = ? AND state = 'PENDING'");
  const std::string attempt_time = FormatSqlDatetime(attempt.attempt_time);
  update->setString(1, DeliveryStateName(attempt.state));
  update->setInt(2, attempt.attempts);
  update->setInt(3, attempt.response_code);
  update->setString(4, attempt.error.substr(0, 500));
  update->setString(5, attempt_time);
  if (attempt.state == DeliveryState::kPending) {
    update->setString(6, FormatSqlDatetime(attempt.next_attempt_time));
    update->setNull(7, 0);
  } else {
    update->setString(6, attempt_time);
    update->setString(7, attempt_time);
  }
  update->setInt64(8, attempt.id);
  update->executeUpdate();
  return absl::OkStatus();
}

absl::StatusOr<std::optional<WebhookDeliveryRecord>>
MySqlWebhookDeliveryRepository::Find(Transaction& tx,
                                     absl::string_view endpoint_id,
                                     int64_t id) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      absl::StrCat(kDeliveryColumns, "WHERE d.id = ? AND d.endpoint_id = ?"));
  select->setInt64(1, id);
  select->setString(2, std::string(endpoint_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CRM_ASSIGN_OR_RETURN(WebhookDeliveryRecord delivery, DeliveryFromRow(*rows));
  return delivery;
}

absl::StatusOr<std::vector<WebhookDeliveryRecord>>
MySqlWebhookDeliveryRepository::ListDead(Transaction& tx,
                                         absl::string_view endpoint_id,
                                         int64_t after_id, int limit) {
  if (endpoint_id.empty()) {
    crm::common::CachedStatement select = crm::common::Prepared(
        tx, absl::StrCat(kDeliveryColumns,
                         "WHERE d.state = 'DEAD' AND d.id > ? "
                         "ORDER BY d.id LIMIT ?"));
    select->setInt64(1, after_id);
    select->setInt(2, limit);
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    return DeliveriesFrom(*rows);
  }
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kDeliveryColumns,
                       "WHERE d.endpoint_id = ? AND d.state = 'DEAD' "
                       "AND d.id > ? ORDER BY d.id LIMIT ?"));
  select->setString(1, std::string(endpoint_id));
  select->setInt64(2, after_id);
  select->setInt(3, limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  return DeliveriesFrom(*rows);
}

absl::StatusOr<bool> MySqlWebhookDeliveryRepository::Replay(Transaction& tx,
                                                            int64_t id,
                                                            absl::Time now) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx,
      "UPDATE webhook_deliveries SET state = 'PENDING', attempts = 0, "
      "next_attempt_time = ?, finish_time = NULL "
      "WHERE id = ? AND state = 'DEAD'");
  update->setString(1, FormatSqlDatetime(now));
  update->setInt64(2, id);
  return update->executeUpdate() > 0;
}

absl::StatusOr<int64_t> MySqlWebhookDeliveryRepository::CountDead(
    Transaction& tx) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'DEAD'");
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return 0;
  return rows->getInt64(1);
}

}  // namespace crm::loyalty

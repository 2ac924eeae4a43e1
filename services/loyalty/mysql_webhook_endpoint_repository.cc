#include "services/loyalty/mysql_webhook_endpoint_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <string>

#include "services/common/mysql_errors.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::loyalty {
namespace {

using ::crm::common::FormatSqlDatetime;
using ::crm::common::ParseSqlDatetime;
using ::crm::common::Transaction;

constexpr char kEndpointColumns[] =
    "SELECT id, url, signing_secret, enabled, create_time "
    "FROM webhook_endpoints ";

absl::StatusOr<WebhookEndpointRecord> EndpointFromRow(sql::ResultSet& rows) {
  WebhookEndpointRecord endpoint;
  endpoint.id = rows.getString("id").asStdString();
  endpoint.url = rows.getString("url").asStdString();
  endpoint.signing_secret = rows.getString("signing_secret").asStdString();
  endpoint.enabled = rows.getBoolean("enabled");
  CRM_ASSIGN_OR_RETURN(
      endpoint.create_time,
      ParseSqlDatetime(rows.getString("create_time").asStdString()));
  return endpoint;
}

absl::Status LoadEventTypes(Transaction& tx, WebhookEndpointRecord& endpoint) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT event_type FROM webhook_endpoint_event_types "
      "WHERE endpoint_id = ? ORDER BY event_type");
  select->setString(1, endpoint.id);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  endpoint.event_types.clear();
  while (rows->next()) {
    endpoint.event_types.push_back(rows->getString(1).asStdString());
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status MySqlWebhookEndpointRepository::Insert(
    Transaction& tx, const WebhookEndpointRecord& endpoint) {
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO webhook_endpoints (id, url, signing_secret, enabled, "
      "create_time) VALUES (?, ?, ?, ?, ?)");
  insert->setString(1, endpoint.id);
  insert->setString(2, endpoint.url);
  insert->setString(3, endpoint.signing_secret);
  insert->setBoolean(4, endpoint.enabled);
  insert->setString(5, FormatSqlDatetime(endpoint.create_time));
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != crm::common::kMySqlDuplicateKeyError) throw;
    return absl::AlreadyExistsError("webhook endpoint exists");
  }
  crm::common::CachedStatement insert_type = crm::common::Prepared(
      tx,
      "INSERT INTO webhook_endpoint_event_types (endpoint_id, event_type) "
      "VALUES (?, ?)");
  for (const std::string& event_type : endpoint.event_types) {
    insert_type->setString(1, endpoint.id);
    insert_type->setString(2, event_type);
    insert_type->executeUpdate();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<WebhookEndpointRecord>>
MySqlWebhookEndpointRepository::Find(Transaction& tx, absl::string_view id) {
  crm::common::CachedStatement select =
      crm::common::Prepared(tx, std::string(kEndpointColumns) + "WHERE id = ?");
  select->setString(1, std::string(id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CRM_ASSIGN_OR_RETURN(WebhookEndpointRecord endpoint, EndpointFromRow(*rows));
  rows.reset();
  CRM_RETURN_IF_ERROR(LoadEventTypes(tx, endpoint));
  return endpoint;
}

absl::StatusOr<std::vector<WebhookEndpointRecord>>
MySqlWebhookEndpointRepository::List(Transaction& tx, absl::string_view after,
                                     int limit) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, std::string(kEndpointColumns) + "WHERE id > ? ORDER BY id LIMIT ?");
  select->setString(1, std::string(after));
  select->setInt(2, limit);
  std::vector<WebhookEndpointRecord> endpoints;
  {
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      CRM_ASSIGN_OR_RETURN(WebhookEndpointRecord endpoint,
                           EndpointFromRow(*rows));
      endpoints.push_back(std::move(endpoint));
    }
  }
  for (WebhookEndpointRecord& endpoint : endpoints) {
    CRM_RETURN_IF_ERROR(LoadEventTypes(tx, endpoint));
  }
  return endpoints;
}

absl::StatusOr<bool> MySqlWebhookEndpointRepository::Delete(
    Transaction& tx, absl::string_view id) {
  crm::common::CachedStatement remove =
      crm::common::Prepared(tx, "DELETE FROM webhook_endpoints WHERE id = ?");
  remove->setString(1, std::string(id));
  if (remove->executeUpdate() == 0) return false;
  crm::common::CachedStatement remove_types = crm::common::Prepared(
      tx, "DELETE FROM webhook_endpoint_event_types WHERE endpoint_id = ?");
  remove_types->setString(1, std::string(id));
  remove_types->executeUpdate();
  crm::common::CachedStatement remove_deliveries = crm::common::Prepared(
      tx,
      "DELETE FROM webhook_deliveries WHERE endpoint_id = ? "
      "AND state <> 'DELIVERED'");
  remove_deliveries->setString(1, std::string(id));
  remove_deliveries->executeUpdate();
  return true;
}

}  // namespace crm::loyalty

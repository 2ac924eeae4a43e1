#include "services/loyalty/mysql_outbound_message_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <memory>
#include <string>

#include "services/common/mysql_errors.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/timestamps.h"
#include "services/loyalty/webhook_rules.h"

namespace crm::loyalty {

using ::crm::common::FormatSqlDatetime;
using ::crm::common::Transaction;

absl::Status MySqlOutboundMessageRepository::Enqueue(
    Transaction& tx, const OutboundMessage& message) {
  if (absl::Status valid = ValidateOutboundMessage(message); !valid.ok()) {
    return valid;
  }
  const std::string now =
      FormatSqlDatetime(crm::common::TruncateToMicros(clock_.Now()));
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO outbound_messages (idempotency_key, event_type, "
      "customer_id, payload_json, create_time) VALUES (?, ?, ?, ?, ?)");
  insert->setString(1, message.idempotency_key);
  insert->setString(2, message.event_type);
  insert->setString(3, message.customer_id);
  insert->setString(4, message.payload_json);
  insert->setString(5, now);
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != crm::common::kMySqlDuplicateKeyError) throw;
    return absl::OkStatus();  // Enqueued before: stored once.
  }
  crm::common::CachedStatement last_id =
      crm::common::Prepared(tx, "SELECT LAST_INSERT_ID()");
  std::unique_ptr<sql::ResultSet> rows(last_id->executeQuery());
  if (!rows->next()) return absl::InternalError("no id for the new message");
  const int64_t message_id = rows->getInt64(1);
  crm::common::CachedStatement plan = crm::common::Prepared(
      tx,
      "INSERT INTO webhook_deliveries (message_id, customer_id, endpoint_id, "
      "state, attempts, next_attempt_time, create_time) "
      "SELECT ?, ?, e.id, 'PENDING', 0, ?, ? "
      "FROM webhook_endpoint_event_types t "
      "JOIN webhook_endpoints e ON e.id = t.endpoint_id "
      "WHERE t.event_type = ? AND e.enabled");
  plan->setInt64(1, message_id);
  plan->setString(2, message.customer_id);
  plan->setString(3, now);
  plan->setString(4, now);
  plan->setString(5, message.event_type);
  plan->executeUpdate();
  return absl::OkStatus();
}

absl::Status MySqlOutboundMessageRepository::ForgetCustomer(
    Transaction& tx, absl::string_view customer_id) {
  crm::common::CachedStatement deliveries = crm::common::Prepared(
      tx, "DELETE FROM webhook_deliveries WHERE customer_id = ?");
  deliveries->setString(1, std::string(customer_id));
  deliveries->executeUpdate();
  crm::common::CachedStatement messages = crm::common::Prepared(
      tx, "DELETE FROM outbound_messages WHERE customer_id = ?");
  messages->setString(1, std::string(customer_id));
  messages->executeUpdate();
  return absl::OkStatus();
}

}  // namespace crm::loyalty

#include "services/segmentation/mysql_scheduled_run_lock.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/common/mysql_errors.h"

namespace crm::segmentation {
namespace {

using ::crm::common::PooledConnection;

// Holds the named lock through the session of `connection`; releases it (or,
// if that fails, closes the session, which releases it too) when destroyed.
class MySqlScheduledRunLease final : public ScheduledRunLease {
 public:
  MySqlScheduledRunLease(PooledConnection connection, std::string name)
      : connection_(std::move(connection)), name_(std::move(name)) {}

  ~MySqlScheduledRunLease() override {
    try {
      std::unique_ptr<sql::PreparedStatement> statement(
          connection_->prepareStatement("SELECT RELEASE_LOCK(?)"));
      statement->setString(1, name_);
      std::unique_ptr<sql::ResultSet> result(statement->executeQuery());
      // 1: released. Anything else means the session no longer held it; a
      // connection in an unknown state is not handed out again.
      if (!result->next() || result->isNull(1) || result->getInt(1) != 1) {
        connection_.MarkBroken();
      }
    } catch (const sql::SQLException&) {
      connection_.MarkBroken();
    }
  }

 private:
  PooledConnection connection_;
  const std::string name_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ScheduledRunLease>>
MySqlScheduledRunLock::TryAcquire(absl::string_view name) {
  absl::StatusOr<PooledConnection> connection = pool_.Acquire();
  if (!connection.ok()) return connection.status();
  try {
    std::unique_ptr<sql::PreparedStatement> statement(
        (*connection)->prepareStatement("SELECT GET_LOCK(?, 0)"));
    statement->setString(1, std::string(name));
    std::unique_ptr<sql::ResultSet> result(statement->executeQuery());
    if (!result->next() || result->isNull(1)) {
      return absl::InternalError(
          absl::StrCat("GET_LOCK(", name, ") returned no answer"));
    }
    if (result->getInt(1) != 1) return nullptr;  // Held by another session.
  } catch (const sql::SQLException& e) {
    if (crm::common::IsConnectionLostError(e.getErrorCode())) {
      connection->MarkBroken();
    }
    return crm::common::MySqlErrorToStatus(
        e, absl::StrCat("GET_LOCK(", name, ")"));
  }
  return std::make_unique<MySqlScheduledRunLease>(*std::move(connection),
                                                  std::string(name));
}

}  // namespace crm::segmentation

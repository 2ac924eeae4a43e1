// Mapping of MySQL/MariaDB errors to canonical status codes.
//   1062 duplicate key                 -> ALREADY_EXISTS
//   1213 deadlock, 1205 lock wait      -> ABORTED (retryable)
//   1406 too long, 1366 bad string,
//   1264 out of range, 1292 bad value  -> INVALID_ARGUMENT
//   1451/1452 foreign key              -> FAILED_PRECONDITION
//   2002/2003/2006/2013/2055, 1927,
//   1053 server shutdown               -> UNAVAILABLE
//   1040 too many connections          -> UNAVAILABLE
//   1044/1045/1142 access denied       -> INTERNAL (a deployment fault)
//   anything else                      -> INTERNAL
// Messages start with `context`, then the error code and SQLSTATE, then the
// server's text, except for errors whose text quotes a value (1062 duplicate
// key, 1292/1366 bad value, ...), which may be PII.
// The status carries the MySQL error code as a payload (MySqlErrorCodeOf), so
// RunInTransaction() can retry a deadlock that a body mapped to a status.
#pragma once

#include <cppconn/exception.h>

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace crm::common {

// ER_DUP_ENTRY: an INSERT or UPDATE hit a unique key.
inline constexpr int kMySqlDuplicateKeyError = 1062;

absl::Status MySqlErrorToStatus(const sql::SQLException& e,
                                absl::string_view context);
absl::StatusCode MySqlErrorCodeToStatusCode(int mysql_error_code);

// Deadlock or lock-wait timeout: the transaction may simply be run again.
bool IsRetryableTransactionError(int mysql_error_code);
// The connection is gone (server down or restarted); discard it.
bool IsConnectionLostError(int mysql_error_code);

// The MySQL error code of a status made by MySqlErrorToStatus(); nullopt for
// any other status.
std::optional<int> MySqlErrorCodeOf(const absl::Status& status);

}  // namespace crm::common

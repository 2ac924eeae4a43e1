#include "services/common/mysql_errors.h"

#include <optional>
#include <string>

#include "absl/strings/cord.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"

namespace crm::common {
namespace {

constexpr char kMySqlErrorCodePayload[] = "crm.common/mysql_error_code";

// Errors whose server text quotes the offending value (which may be PII).
bool MessageQuotesValue(int code) {
  switch (code) {
    case 1022:  // Can't write; duplicate key.
    case 1062:  // Duplicate entry '...' for key.
    case 1292:  // Incorrect <type> value: '...'.
    case 1366:  // Incorrect string value: '...'.
    case 1367:  // Illegal <type> value found during parsing.
    case 1586:  // Duplicate entry '...' for key.
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::StatusCode MySqlErrorCodeToStatusCode(int mysql_error_code) {
  switch (mysql_error_code) {
    case 1062:
    case 1586:
      return absl::StatusCode::kAlreadyExists;
    case 1205:
    case 1213:
      return absl::StatusCode::kAborted;
    case 1969:  // MariaDB: max_statement_time exceeded.
    case 3024:  // MySQL: max_execution_time exceeded.
      return absl::StatusCode::kDeadlineExceeded;
    case 1317:  // Query execution was interrupted.
      return absl::StatusCode::kCancelled;
    case 1264:
    case 1292:
    case 1366:
    case 1406:
      return absl::StatusCode::kInvalidArgument;
    case 1451:
    case 1452:
      return absl::StatusCode::kFailedPrecondition;
    case 1040:  // Too many connections.
    case 1053:
    case 1927:
    case 2002:
    case 2003:
    case 2006:
    case 2013:
    case 2055:
      return absl::StatusCode::kUnavailable;
    case 1044:
    case 1045:
    case 1142:
      return absl::StatusCode::kInternal;
    default:
      return absl::StatusCode::kInternal;
  }
}

bool IsRetryableTransactionError(int mysql_error_code) {
  return mysql_error_code == 1213 || mysql_error_code == 1205;
}

bool IsConnectionLostError(int mysql_error_code) {
  switch (mysql_error_code) {
    case 1053:
    case 1927:
    case 2002:
    case 2003:
    case 2006:
    case 2013:
    case 2055:
      return true;
    default:
      return false;
  }
}

absl::Status MySqlErrorToStatus(const sql::SQLException& e,
                                absl::string_view context) {
  const int code = e.getErrorCode();
  std::string message =
      absl::StrCat(context, ": MySQL error ", code, " (SQLSTATE ",
                   e.getSQLState().empty() ? "?" : e.getSQLState(), ")");
  if (!MessageQuotesValue(code)) {
    const char* text = e.what();
    if (text != nullptr && *text != '\0') absl::StrAppend(&message, ": ", text);
  }
  const absl::StatusCode status_code = MySqlErrorCodeToStatusCode(code);
  // The reason says what the client can do: retry later (DATABASE_UNAVAILABLE,
  // CONCURRENCY_CONFLICT), nothing was written (REQUEST_DEADLINE_EXCEEDED), ...
  absl::Status status = ErrorWithReason(absl::Status(status_code, message),
                                        DefaultReasonFor(status_code));
  status.SetPayload(kMySqlErrorCodePayload, absl::Cord(absl::StrCat(code)));
  return status;
}

std::optional<int> MySqlErrorCodeOf(const absl::Status& status) {
  auto payload = status.GetPayload(kMySqlErrorCodePayload);
  if (!payload.has_value()) return std::nullopt;
  int code = 0;
  if (!absl::SimpleAtoi(std::string(*payload), &code)) return std::nullopt;
  return code;
}

}  // namespace crm::common

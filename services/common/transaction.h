// Runs a unit of work in one MySQL transaction, retrying the whole unit on
// deadlock (1213) and lock-wait timeout (1205) with jittered backoff.
//
//   absl::Status s = RunInTransaction(pool, [&](sql::Connection& c) {
//     std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(...));
//     st->executeUpdate();
//     return absl::OkStatus();
//   });
//
// The body may throw sql::SQLException; it is caught and mapped with
// MySqlErrorToStatus(); other exceptions become INTERNAL. A non-OK status from
// the body rolls back and is returned as is, not retried, unless it was made
// by MySqlErrorToStatus() from a deadlock or lock-wait timeout (so bodies may
// map exceptions themselves). Connection-level errors mark the connection
// broken and return UNAVAILABLE; a pooled connection found dead before the
// transaction starts is replaced and the attempt repeated. Rollback errors
// are ignored. Bodies must be safe to run more than once.
//
// Round trips: the transaction is opened with START TRANSACTION on the
// connection, which stays in autocommit mode (COMMIT or ROLLBACK ends the
// transaction), and the session's statement bound (below) is sent only when
// it differs from the one the pooled connection already has. Statements from
// Prepared() (prepared_statement_cache.h) are prepared once per connection.
//
// Deadlines: with `deadline` set, no attempt starts after it has passed
// (DEADLINE_EXCEEDED, reason REQUEST_DEADLINE_EXCEEDED), every statement of
// the attempt is bounded by the time left when it began, rounded down to two
// significant digits (StatementBoundFor: never longer than the time left, at
// least 90% of it; requests with the same deadline length then share one
// bound, so a pooled connection needs no SET per request), as the session's
// max_statement_time on MariaDB (max_execution_time on MySQL, which bounds
// only SELECTs there); a statement killed by that bound is
// DEADLINE_EXCEEDED, and a body that returns after the deadline is rolled
// back instead of committed. Retries never sleep past the deadline.
#pragma once

#include <cppconn/connection.h>

#include <functional>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/mysql_pool.h"

namespace crm::common {

struct TransactionOptions {
  int max_attempts = 5;
  absl::Duration initial_backoff = absl::Milliseconds(5);
  absl::Duration max_backoff = absl::Milliseconds(200);
  // The request's deadline; InfiniteFuture() = none.
  absl::Time deadline = absl::InfiniteFuture();
  // Reads the time for deadline checks; null = the system clock.
  const Clock* clock = nullptr;
  // Runs the transaction at READ COMMITTED instead of the server's default
  // (REPEATABLE READ), set just before it starts (one more round trip). A
  // body cannot change the isolation itself once the transaction is open.
  bool read_committed = false;
};

absl::Status RunInTransaction(
    MySqlPool& pool, const std::function<absl::Status(sql::Connection&)>& body,
    const TransactionOptions& options = {});

// The statement bound sent for `left` time before a deadline: `left` rounded
// down to a tenth of its largest power of ten (whole milliseconds, at least
// 1 ms): 9.97 s -> 9.9 s, 2.996 s -> 2.9 s, 0.0345 s -> 0.034 s. Pure.
absl::Duration StatementBoundFor(absl::Duration left);

// As above for bodies that produce a value.
template <typename T>
absl::StatusOr<T> RunInTransaction(
    MySqlPool& pool,
    const std::function<absl::StatusOr<T>(sql::Connection&)>& body,
    const TransactionOptions& options = {}) {
  std::optional<T> result;
  absl::Status status = RunInTransaction(
      pool,
      [&](sql::Connection& connection) -> absl::Status {
        absl::StatusOr<T> value = body(connection);
        if (!value.ok()) return value.status();
        result = std::move(value).value();
        return absl::OkStatus();
      },
      options);
  if (!status.ok()) return status;
  return std::move(*result);
}

// Runs `body` on a pooled connection in autocommit mode (single reads),
// mapping exceptions like RunInTransaction(). No retries. `options` supplies
// only the deadline and clock, applied as in RunInTransaction().
absl::Status WithConnection(
    MySqlPool& pool, const std::function<absl::Status(sql::Connection&)>& body,
    const TransactionOptions& options = {});

template <typename T>
absl::StatusOr<T> WithConnection(
    MySqlPool& pool,
    const std::function<absl::StatusOr<T>(sql::Connection&)>& body) {
  std::optional<T> result;
  absl::Status status =
      WithConnection(pool, [&](sql::Connection& connection) -> absl::Status {
        absl::StatusOr<T> value = body(connection);
        if (!value.ok()) return value.status();
        result = std::move(value).value();
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return std::move(*result);
}

}  // namespace crm::common

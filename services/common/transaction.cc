#include "services/common/transaction.h"

#include <cppconn/exception.h>
#include <cppconn/statement.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/error_details.h"
#include "services/common/mysql_errors.h"
#include "services/common/status_macros.h"

namespace crm::common {
namespace {

// The shortest statement bound worth sending; less than this left of the
// deadline counts as passed.
constexpr absl::Duration kMinStatementTime = absl::Milliseconds(1);

absl::Time NowFor(const TransactionOptions& options) {
  return options.clock != nullptr ? options.clock->Now() : absl::Now();
}

absl::Status DeadlineExceeded(absl::string_view what) {
  return ErrorWithReason(
      absl::DeadlineExceededError(
          absl::StrCat("deadline exceeded ", what, "; nothing was committed")),
      ::crm::type::v1::REQUEST_DEADLINE_EXCEEDED);
}

// OK while at least kMinStatementTime is left before the deadline.
absl::Status CheckDeadline(const TransactionOptions& options,
                           absl::string_view what) {
  if (options.deadline == absl::InfiniteFuture()) return absl::OkStatus();
  if (options.deadline - NowFor(options) < kMinStatementTime) {
    return DeadlineExceeded(what);
  }
  return absl::OkStatus();
}

// Whether the server knows MariaDB's max_statement_time; cleared the first
// time a server rejects it as unknown (MySQL), after which MySQL's
// max_execution_time (milliseconds, SELECTs only) is used instead.
std::atomic<bool> server_has_max_statement_time{true};

// Sends `SET SESSION <bound>=<left>` (MariaDB's max_statement_time, or
// MySQL's max_execution_time once the server rejected the former).
void SendStatementBound(sql::Connection& connection, absl::Duration left) {
  std::unique_ptr<sql::Statement> statement(connection.createStatement());
  if (server_has_max_statement_time.load(std::memory_order_relaxed)) {
    try {
      statement->execute(absl::StrCat("SET SESSION max_statement_time=",
                                      absl::ToDoubleSeconds(left)));
      return;
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != 1193) throw;  // 1193: unknown variable.
      server_has_max_statement_time.store(false, std::memory_order_relaxed);
    }
  }
  statement->execute(absl::StrCat("SET SESSION max_execution_time=",
                                  absl::ToInt64Milliseconds(left)));
}

// Bounds every statement on `connection` by the time left before the
// deadline, rounded down by StatementBoundFor() (0 = unbounded). The bound the
// connection's session already has is tracked per pooled connection, so the SET
// is sent only when the bound changes: always with a deadline, and for a
// deadline-less request only when an earlier request left a bound (or the bound
// is unknown). A bound left by an earlier request therefore never leaks into
// the next one. Throws sql::SQLException like any statement.
void BoundStatements(PooledConnection& connection,
                     const TransactionOptions& options) {
  absl::Duration left = absl::ZeroDuration();
  if (options.deadline != absl::InfiniteFuture()) {
    left = StatementBoundFor(options.deadline - NowFor(options));
  }
  std::optional<absl::Duration>& current = connection.session().statement_time;
  if (current.has_value() && *current == left) return;
  current.reset();  // Unknown until the SET succeeds.
  SendStatementBound(*connection, left);
  current = left;
}

// Opens a transaction with one round trip (two at READ COMMITTED). The
// connection stays in
// autocommit mode (as the pool hands it out), so COMMIT or ROLLBACK ends the
// transaction and no round trip is needed to switch autocommit off and on.
void BeginTransaction(sql::Connection& connection,
                      const TransactionOptions& options) {
  std::unique_ptr<sql::Statement> statement(connection.createStatement());
  if (options.read_committed) {
    // Applies to the next transaction only.
    statement->execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
  }
  statement->execute("START TRANSACTION");
}

// Sleeps a random duration in [backoff/2, backoff] where backoff doubles per
// attempt from initial_backoff up to max_backoff.
void SleepBeforeRetry(const TransactionOptions& options, int attempt) {
  absl::Duration backoff = options.initial_backoff;
  for (int i = 1; i < attempt && backoff < options.max_backoff; ++i) {
    backoff *= 2;
  }
  backoff = std::min(backoff, options.max_backoff);
  if (backoff <= absl::ZeroDuration()) return;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> fraction(0.5, 1.0);
  absl::Duration pause = backoff * fraction(rng);
  if (options.deadline != absl::InfiniteFuture()) {
    pause = std::min(pause, options.deadline - NowFor(options));
  }
  if (pause > absl::ZeroDuration()) absl::SleepFor(pause);
}

// Ends the transaction with `sql` ("COMMIT" or "ROLLBACK") sent as a
// statement. Never through sql::Connection::commit()/rollback(): Connector/C++
// 1.1 ignores their errors, so a COMMIT lost with the connection (a server
// crash) would count as committed. Throws sql::SQLException on any error.
void EndTransaction(sql::Connection& connection, const char* sql) {
  std::unique_ptr<sql::Statement> statement(connection.createStatement());
  statement->execute(sql);
}

// Rolls back, ignoring errors; a rollback that fails leaves the connection
// in an unknown state, so it is marked broken.
void RollbackQuietly(PooledConnection& connection) {
  try {
    EndTransaction(*connection, "ROLLBACK");
  } catch (const std::exception&) {
    connection.MarkBroken();
  }
}

// How one attempt ended.
struct Outcome {
  absl::Status status;
  bool retryable = false;
};

// Classifies a status that carries a MySQL error code (from an exception or
// from a body that mapped one with MySqlErrorToStatus()).
Outcome Classify(PooledConnection& connection, absl::Status status) {
  Outcome outcome;
  std::optional<int> code = MySqlErrorCodeOf(status);
  if (code.has_value() && IsConnectionLostError(*code)) {
    connection.MarkBroken();
    if (status.code() != absl::StatusCode::kUnavailable) {
      status = absl::UnavailableError(status.message());
    }
  }
  outcome.retryable = code.has_value() && IsRetryableTransactionError(*code);
  outcome.status = std::move(status);
  return outcome;
}

Outcome RunOnce(PooledConnection& connection,
                const std::function<absl::Status(sql::Connection&)>& body,
                const TransactionOptions& options, bool* began) {
  *began = false;
  try {
    BoundStatements(connection, options);
    BeginTransaction(*connection, options);
  } catch (const sql::SQLException& e) {
    return Classify(connection,
                    MySqlErrorToStatus(e, "starting a MySQL transaction"));
  } catch (const std::exception& e) {
    connection.MarkBroken();
    return {absl::UnavailableError(
        absl::StrCat("starting a MySQL transaction: ", e.what()))};
  }
  *began = true;

  absl::Status status;
  try {
    status = body(*connection);
  } catch (const sql::SQLException& e) {
    status = MySqlErrorToStatus(e, "MySQL transaction");
  } catch (const std::exception& e) {
    status = absl::InternalError(
        absl::StrCat("MySQL transaction body threw: ", e.what()));
  } catch (...) {
    status = absl::InternalError("MySQL transaction body threw");
  }
  if (status.ok()) status = CheckDeadline(options, "before commit");
  if (!status.ok()) {
    RollbackQuietly(connection);
    return Classify(connection, std::move(status));
  }

  try {
    EndTransaction(*connection, "COMMIT");
  } catch (const sql::SQLException& e) {
    // The outcome of a COMMIT whose connection was lost is unknown: it may
    // have committed. Classify() makes that UNAVAILABLE (never retried here),
    // and callers make writes idempotent (request_id, natural keys).
    RollbackQuietly(connection);
    return Classify(connection,
                    MySqlErrorToStatus(e, "committing a MySQL transaction"));
  } catch (const std::exception& e) {
    connection.MarkBroken();
    return {absl::UnavailableError(
        absl::StrCat("committing a MySQL transaction: ", e.what()))};
  }
  return {absl::OkStatus()};
}

}  // namespace

absl::Duration StatementBoundFor(absl::Duration left) {
  if (left <= kMinStatementTime) return kMinStatementTime;
  // The step is a tenth of the largest power of ten not above `left`, in
  // whole milliseconds: 9.97 s -> 9.9 s, 2.996 s -> 2.9 s, 42 s -> 42 s.
  int64_t step_ms = 1;
  for (int64_t ms = absl::ToInt64Milliseconds(left); ms >= 100; ms /= 10) {
    step_ms *= 10;
  }
  const absl::Duration step = absl::Milliseconds(step_ms);
  return std::max(absl::Floor(left, step), kMinStatementTime);
}

absl::Status RunInTransaction(
    MySqlPool& pool, const std::function<absl::Status(sql::Connection&)>& body,
    const TransactionOptions& options) {
  const int max_attempts = std::max(1, options.max_attempts);
  absl::Status last;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    if (attempt > 1) SleepBeforeRetry(options, attempt - 1);
    if (absl::Status live = CheckDeadline(options, "before the transaction");
        !live.ok()) {
      return live;
    }
    absl::StatusOr<PooledConnection> connection = pool.Acquire();
    if (!connection.ok()) return connection.status();
    bool began = false;
    Outcome outcome = RunOnce(*connection, body, options, &began);
    if (outcome.status.ok()) return outcome.status;
    last = std::move(outcome.status);
    // A pooled connection found dead before anything ran is safe to replace.
    const bool dead_before_start =
        !began && last.code() == absl::StatusCode::kUnavailable;
    if (!outcome.retryable && !dead_before_start) return last;
  }
  return last;
}

absl::Status WithConnection(
    MySqlPool& pool, const std::function<absl::Status(sql::Connection&)>& body,
    const TransactionOptions& options) {
  CRM_RETURN_IF_ERROR(CheckDeadline(options, "before the query"));
  absl::StatusOr<PooledConnection> connection = pool.Acquire();
  if (!connection.ok()) return connection.status();
  absl::Status status;
  try {
    BoundStatements(*connection, options);
    status = body(**connection);
  } catch (const sql::SQLException& e) {
    status = MySqlErrorToStatus(e, "MySQL query");
  } catch (const std::exception& e) {
    status = absl::InternalError(absl::StrCat("MySQL query threw: ", e.what()));
  } catch (...) {
    status = absl::InternalError("MySQL query threw");
  }
  if (!status.ok()) status = Classify(*connection, std::move(status)).status;
  return status;
}

}  // namespace crm::common

#include "services/common/transaction.h"

#include <cppconn/exception.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/mysql_errors.h"

namespace crm::common {
namespace {

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
  absl::SleepFor(backoff * fraction(rng));
}

// Rolls back, ignoring errors; a rollback that fails leaves the connection
// in an unknown state, so it is marked broken.
void RollbackQuietly(PooledConnection& connection) {
  try {
    connection->rollback();
  } catch (const std::exception&) {
    connection.MarkBroken();
  }
}

// Puts the connection back into autocommit mode before it returns to the
// pool; marks it broken if that fails.
void RestoreAutoCommit(PooledConnection& connection) {
  try {
    connection->setAutoCommit(true);
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
                bool* began) {
  *began = false;
  try {
    connection->setAutoCommit(false);
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
  if (!status.ok()) {
    RollbackQuietly(connection);
    return Classify(connection, std::move(status));
  }

  try {
    connection->commit();
  } catch (const sql::SQLException& e) {
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

absl::Status RunInTransaction(
    MySqlPool& pool, const std::function<absl::Status(sql::Connection&)>& body,
    const TransactionOptions& options) {
  const int max_attempts = std::max(1, options.max_attempts);
  absl::Status last;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    if (attempt > 1) SleepBeforeRetry(options, attempt - 1);
    absl::StatusOr<PooledConnection> connection = pool.Acquire();
    if (!connection.ok()) return connection.status();
    bool began = false;
    Outcome outcome = RunOnce(*connection, body, &began);
    if (began) RestoreAutoCommit(*connection);
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
    MySqlPool& pool,
    const std::function<absl::Status(sql::Connection&)>& body) {
  absl::StatusOr<PooledConnection> connection = pool.Acquire();
  if (!connection.ok()) return connection.status();
  absl::Status status;
  try {
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

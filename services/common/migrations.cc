#include "services/common/migrations.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <algorithm>
#include <exception>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/common/mysql_errors.h"
#include "services/common/sha256.h"

namespace crm::common {
namespace {

constexpr char kLockName[] = "crm_schema_migrations";
// Longest single GET_LOCK wait; kept well under the socket read timeout.
constexpr int kMaxLockWaitSeconds = 5;

constexpr char kCreateSchemaMigrations[] = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  set_name VARCHAR(64) CHARACTER SET ascii NOT NULL,
  version VARCHAR(16) CHARACTER SET ascii NOT NULL,
  description VARCHAR(255) NOT NULL,
  checksum CHAR(64) CHARACTER SET ascii NOT NULL,
  applied_at DATETIME(6) NOT NULL,
  PRIMARY KEY (set_name, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci)sql";

std::string Label(const MigrationSet& set, const Migration& migration) {
  return absl::StrCat(set.name, "/", migration.version, " (",
                      migration.description, ")");
}

absl::Status ValidateSets(const std::vector<const MigrationSet*>& sets) {
  std::set<std::string> names;
  for (const MigrationSet* set : sets) {
    if (set == nullptr) {
      return absl::InvalidArgumentError("migration set must not be null");
    }
    if (set->name.empty() || set->name.size() > 64) {
      return absl::InvalidArgumentError(
          "migration set name must have 1 to 64 characters");
    }
    if (!names.insert(set->name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration set ", set->name, " is listed twice"));
    }
    std::string previous;
    for (const Migration& migration : set->migrations) {
      if (migration.version.empty() || migration.version.size() > 16) {
        return absl::InvalidArgumentError(absl::StrCat(
            "migration set ", set->name, " has an invalid version"));
      }
      if (!previous.empty() && migration.version <= previous) {
        return absl::InvalidArgumentError(
            absl::StrCat("migration set ", set->name, ": version ",
                         migration.version, " is not after ", previous));
      }
      previous = migration.version;
    }
  }
  return absl::OkStatus();
}

// Holds the named lock on `connection` until Release() or destruction.
class MigrationLock {
 public:
  explicit MigrationLock(PooledConnection& connection)
      : connection_(connection) {}
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;
  ~MigrationLock() { Release(); }

  // Waits up to `timeout` for the lock. Throws sql::SQLException.
  absl::Status Acquire(absl::Duration timeout, absl::Duration io_timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    const int io_seconds =
        static_cast<int>(absl::ToInt64Seconds(io_timeout)) - 1;
    const int max_wait = std::max(0, std::min(kMaxLockWaitSeconds, io_seconds));
    std::unique_ptr<sql::PreparedStatement> statement(
        connection_->prepareStatement("SELECT GET_LOCK(?, ?)"));
    while (true) {
      const absl::Duration remaining = deadline - absl::Now();
      const int wait = static_cast<int>(
          std::clamp<int64_t>(absl::ToInt64Seconds(remaining), 0, max_wait));
      statement->setString(1, kLockName);
      statement->setInt(2, wait);
      std::unique_ptr<sql::ResultSet> result(statement->executeQuery());
      if (!result->next() || result->isNull(1)) {
        return absl::InternalError("GET_LOCK for schema migrations failed");
      }
      if (result->getInt(1) == 1) {
        held_ = true;
        return absl::OkStatus();
      }
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) {
        return absl::DeadlineExceededError(
            absl::StrCat("schema migration lock not obtained within ",
                         absl::FormatDuration(timeout),
                         " (another process is migrating this server)"));
      }
      if (wait == 0) absl::SleepFor(std::min(left, absl::Milliseconds(100)));
    }
  }

  void Release() {
    if (!held_) return;
    held_ = false;
    try {
      std::unique_ptr<sql::PreparedStatement> statement(
          connection_->prepareStatement("SELECT RELEASE_LOCK(?)"));
      statement->setString(1, kLockName);
      std::unique_ptr<sql::ResultSet> result(statement->executeQuery());
    } catch (const std::exception&) {
      // The session may be gone, which releases the lock too; never reuse it.
      connection_.MarkBroken();
    }
  }

 private:
  PooledConnection& connection_;
  bool held_ = false;
};

// version -> checksum of the migrations of `set` recorded as applied.
std::map<std::string, std::string> LoadApplied(sql::Connection& connection,
                                               const MigrationSet& set) {
  std::unique_ptr<sql::PreparedStatement> statement(connection.prepareStatement(
      "SELECT version, checksum FROM schema_migrations WHERE set_name = ?"));
  statement->setString(1, set.name);
  std::unique_ptr<sql::ResultSet> result(statement->executeQuery());
  std::map<std::string, std::string> applied;
  while (result->next()) {
    applied[result->getString(1)] = result->getString(2);
  }
  return applied;
}

absl::StatusOr<int> ApplyLocked(PooledConnection& connection,
                                const std::vector<const MigrationSet*>& sets) {
  {
    std::unique_ptr<sql::Statement> statement(connection->createStatement());
    statement->execute(kCreateSchemaMigrations);
  }
  // Check every recorded checksum before applying anything.
  std::vector<std::map<std::string, std::string>> applied;
  for (const MigrationSet* set : sets) {
    applied.push_back(LoadApplied(*connection, *set));
    for (const Migration& migration : set->migrations) {
      auto it = applied.back().find(migration.version);
      if (it == applied.back().end()) continue;
      if (it->second != internal::Sha256Hex(migration.sql)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "migration ", Label(*set, migration),
            " differs from the one already applied (checksum mismatch); "
            "released migrations must not be edited"));
      }
    }
  }

  int count = 0;
  for (size_t i = 0; i < sets.size(); ++i) {
    const MigrationSet& set = *sets[i];
    for (const Migration& migration : set.migrations) {
      if (applied[i].count(migration.version) > 0) continue;
      const std::vector<std::string> statements =
          SplitSqlStatements(migration.sql);
      for (size_t n = 0; n < statements.size(); ++n) {
        try {
          std::unique_ptr<sql::Statement> statement(
              connection->createStatement());
          statement->execute(statements[n]);
        } catch (const sql::SQLException& e) {
          absl::Status status = MySqlErrorToStatus(
              e, absl::StrCat("applying migration ", Label(set, migration),
                              ", statement ", n + 1));
          if (IsConnectionLostError(e.getErrorCode())) {
            connection.MarkBroken();
          }
          return status;
        }
      }
      std::unique_ptr<sql::PreparedStatement> record(
          connection->prepareStatement(
              "INSERT INTO schema_migrations (set_name, version, description, "
              "checksum, applied_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6))"));
      record->setString(1, set.name);
      record->setString(2, migration.version);
      record->setString(3, migration.description);
      record->setString(4, internal::Sha256Hex(migration.sql));
      record->executeUpdate();
      ++count;
    }
  }
  return count;
}

}  // namespace

std::vector<std::string> SplitSqlStatements(const std::string& sql) {
  std::vector<std::string> statements;
  std::string current;
  auto flush = [&] {
    std::string statement(absl::StripAsciiWhitespace(current));
    if (!statement.empty()) statements.push_back(std::move(statement));
    current.clear();
  };
  for (absl::string_view line : absl::StrSplit(sql, '\n')) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (absl::StartsWith(trimmed, "--")) continue;
    if (absl::EndsWith(trimmed, ";")) {
      absl::string_view kept = absl::StripTrailingAsciiWhitespace(line);
      kept.remove_suffix(1);
      absl::StrAppend(&current, kept, "\n");
      flush();
    } else {
      absl::StrAppend(&current, line, "\n");
    }
  }
  flush();
  return statements;
}

absl::StatusOr<int> ApplyMigrations(
    MySqlPool& pool, const std::vector<const MigrationSet*>& sets,
    absl::Duration lock_timeout) {
  if (absl::Status valid = ValidateSets(sets); !valid.ok()) return valid;
  absl::StatusOr<PooledConnection> connection = pool.Acquire();
  if (!connection.ok()) return connection.status();
  try {
    MigrationLock lock(*connection);
    if (absl::Status locked =
            lock.Acquire(lock_timeout, pool.options().io_timeout);
        !locked.ok()) {
      return locked;
    }
    return ApplyLocked(*connection, sets);
  } catch (const sql::SQLException& e) {
    if (IsConnectionLostError(e.getErrorCode())) connection->MarkBroken();
    return MySqlErrorToStatus(e, "applying schema migrations");
  } catch (const std::exception& e) {
    connection->MarkBroken();
    return absl::InternalError(
        absl::StrCat("applying schema migrations: ", e.what()));
  }
}

}  // namespace crm::common

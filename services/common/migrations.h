// Forward-only schema migrations.
//
// Each service keeps `services/<svc>/migrations/NNNN_description.sql`;
// crm_embed_migrations() (cmake/CrmMigrations.cmake) compiles them into the
// binary as a MigrationSet. ApplyMigrations() applies, in order, every
// migration not yet recorded in `schema_migrations` (key: set name +
// version), under a named lock (GET_LOCK) so two processes can run it at
// once; running it twice applies nothing the second time. A recorded
// migration whose checksum differs from the file fails with
// FAILED_PRECONDITION (files are never edited once released).
//
// A file may hold several statements separated by `;` at the end of a line.
// Statements are DDL and may not be transactional: keep each migration small.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/mysql_pool.h"

namespace crm::common {

struct Migration {
  std::string version;      // "0001"
  std::string description;  // "create_customers"
  std::string sql;          // File contents.
};

struct MigrationSet {
  std::string name;  // "common", "customer_profile", ...
  std::vector<Migration> migrations;
};

// Tables every service has (idempotency keys). Applied before the service's
// own set by ApplyMigrations callers (RunServiceMain does this).
const MigrationSet& CommonMigrations();

// Applies pending migrations of `sets` in order. Returns how many were
// applied. UNAVAILABLE if the database cannot be reached; DEADLINE_EXCEEDED
// if the migration lock is not obtained within `lock_timeout`.
absl::StatusOr<int> ApplyMigrations(
    MySqlPool& pool, const std::vector<const MigrationSet*>& sets,
    absl::Duration lock_timeout = absl::Seconds(60));

// Splits a migration file into statements (exposed for tests). Comments
// starting with `--` at the start of a line are dropped.
std::vector<std::string> SplitSqlStatements(const std::string& sql);

}  // namespace crm::common

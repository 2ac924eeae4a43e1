#include "tests/testing/test_database.h"

#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <cctype>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/id_generator.h"
#include "services/common/transaction.h"

namespace crm::testing {
namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

// Lowercase letters, digits and '_' only, at most 24 characters.
std::string SanitizePrefix(const std::string& prefix) {
  std::string out;
  for (char c : prefix) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      out.push_back(static_cast<char>(std::tolower(u)));
    } else {
      out.push_back('_');
    }
    if (out.size() == 24) break;
  }
  return out.empty() ? "db" : out;
}

absl::Status ExecuteOn(crm::common::MySqlPool& pool, const std::string& sql) {
  return crm::common::WithConnection(
      pool, [&](sql::Connection& connection) -> absl::Status {
        std::unique_ptr<sql::Statement> statement(connection.createStatement());
        statement->execute(sql);
        return absl::OkStatus();
      });
}

}  // namespace

crm::common::MySqlOptions TestAdminOptions() {
  crm::common::MySqlOptions options;
  options.host = EnvOr("CRM_TEST_MYSQL_HOST", "127.0.0.1");
  int port = 3317;
  if (!absl::SimpleAtoi(EnvOr("CRM_TEST_MYSQL_PORT", "3317"), &port)) {
    port = 3317;
  }
  options.port = port;
  options.user = EnvOr("CRM_TEST_MYSQL_ADMIN_USER", "crm_admin");
  options.password = EnvOr("CRM_TEST_MYSQL_ADMIN_PASSWORD", "");
  options.pool_size = 2;
  options.connect_timeout = absl::Seconds(5);
  return options;
}

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::Create(
    const std::string& prefix) {
  const std::string name = absl::StrCat(
      "crm_test_", SanitizePrefix(prefix), "_",
      crm::common::RandomIdGenerator::Instance().NewId().substr(0, 10));
  absl::StatusOr<std::unique_ptr<crm::common::MySqlPool>> server =
      crm::common::MySqlPool::Create(TestAdminOptions());
  if (!server.ok()) return server.status();
  if (absl::Status created =
          ExecuteOn(**server, absl::StrCat("CREATE DATABASE `", name,
                                           "` CHARACTER SET utf8mb4 "
                                           "COLLATE utf8mb4_unicode_ci"));
      !created.ok()) {
    return created;
  }
  crm::common::MySqlOptions options = TestAdminOptions();
  options.database = name;
  absl::StatusOr<std::unique_ptr<crm::common::MySqlPool>> admin_pool =
      crm::common::MySqlPool::Create(options);
  if (!admin_pool.ok()) return admin_pool.status();
  return std::unique_ptr<TestDatabase>(
      new TestDatabase(name, std::move(admin_pool).value()));
}

TestDatabase::TestDatabase(std::string name,
                           std::unique_ptr<crm::common::MySqlPool> admin_pool)
    : name_(std::move(name)), admin_pool_(std::move(admin_pool)) {}

TestDatabase::~TestDatabase() {
  absl::Status dropped = ExecuteOn(
      *admin_pool_, absl::StrCat("DROP DATABASE IF EXISTS `", name_, "`"));
  if (!dropped.ok()) {
    ADD_FAILURE() << "dropping test database " << name_ << ": " << dropped;
  }
}

crm::common::MySqlOptions TestDatabase::Options() const {
  crm::common::MySqlOptions options = TestAdminOptions();
  options.database = name_;
  return options;
}

std::unique_ptr<crm::common::MySqlPool> TestDatabase::NewPool(
    int pool_size) const {
  crm::common::MySqlOptions options = Options();
  options.pool_size = pool_size;
  absl::StatusOr<std::unique_ptr<crm::common::MySqlPool>> pool =
      crm::common::MySqlPool::Create(options);
  if (!pool.ok()) {
    ADD_FAILURE() << "creating a pool for " << name_ << ": " << pool.status();
    return nullptr;
  }
  return std::move(pool).value();
}

absl::StatusOr<std::unique_ptr<crm::common::MySqlPool>>
TestDatabase::NewMigratedPool(
    const crm::common::MigrationSet& service_migrations, int pool_size) const {
  crm::common::MySqlOptions options = Options();
  options.pool_size = pool_size;
  absl::StatusOr<std::unique_ptr<crm::common::MySqlPool>> pool =
      crm::common::MySqlPool::Create(options);
  if (!pool.ok()) return pool.status();
  absl::StatusOr<int> applied = crm::common::ApplyMigrations(
      **pool, {&crm::common::CommonMigrations(), &service_migrations});
  if (!applied.ok()) return applied.status();
  return pool;
}

absl::Status TestDatabase::Execute(const std::string& sql) const {
  return ExecuteOn(*admin_pool_, sql);
}

absl::StatusOr<std::vector<std::string>> TestDatabase::QueryColumn(
    const std::string& sql) const {
  return crm::common::WithConnection<std::vector<std::string>>(
      *admin_pool_,
      [&](sql::Connection& connection)
          -> absl::StatusOr<std::vector<std::string>> {
        std::unique_ptr<sql::Statement> statement(connection.createStatement());
        std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(sql));
        std::vector<std::string> values;
        while (rows->next()) values.push_back(rows->getString(1).asStdString());
        return values;
      });
}

}  // namespace crm::testing

// A fresh, uniquely named database on the test MariaDB (the CTest `mariadb`
// fixture), dropped when the object is destroyed.
//
//   TEST(CustomerRepository, Creates) {
//     CRM_ASSERT_OK_AND_ASSIGN(auto db, TestDatabase::Create("customers"));
//     std::unique_ptr<MySqlPool> pool = db->NewPool();
//     ASSERT_THAT(ApplyMigrations(*pool, {&CommonMigrations(),
//                                         &Migrations()}), IsOk());
//     ...
//   }
//
// Connection settings come from CRM_TEST_MYSQL_HOST, _PORT, _ADMIN_USER and
// _ADMIN_PASSWORD, set by tests/CMakeLists.txt.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/migrations.h"
#include "services/common/mysql_pool.h"

namespace crm::testing {

class TestDatabase {
 public:
  // Creates database `crm_test_<prefix>_<random>` as the admin user.
  static absl::StatusOr<std::unique_ptr<TestDatabase>> Create(
      const std::string& prefix);
  ~TestDatabase();  // Drops the database.

  const std::string& name() const { return name_; }
  // Admin options pointed at this database.
  crm::common::MySqlOptions Options() const;
  std::unique_ptr<crm::common::MySqlPool> NewPool(int pool_size = 4) const;
  // A pool (admin user) on this database with CommonMigrations() and then
  // `service_migrations` applied: the usual start of a service's test.
  absl::StatusOr<std::unique_ptr<crm::common::MySqlPool>> NewMigratedPool(
      const crm::common::MigrationSet& service_migrations,
      int pool_size = 4) const;
  // Runs one statement as admin (autocommit) on this database.
  absl::Status Execute(const std::string& sql) const;
  // The first column of every row of one query (as admin), as text; a NULL
  // is "".
  absl::StatusOr<std::vector<std::string>> QueryColumn(
      const std::string& sql) const;

 private:
  TestDatabase(std::string name,
               std::unique_ptr<crm::common::MySqlPool> admin_pool);
  std::string name_;
  // Admin connections to this database, for Execute() and the final DROP.
  std::unique_ptr<crm::common::MySqlPool> admin_pool_;
};

// Admin options (no database selected) from the CRM_TEST_MYSQL_* variables.
crm::common::MySqlOptions TestAdminOptions();

}  // namespace crm::testing

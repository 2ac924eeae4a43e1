#include "services/loyalty/mysql_program_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <istream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::loyalty {
namespace {

using ::crm::common::Transaction;

constexpr char kSelectProgram[] =
    "SELECT id, settings, version, update_time FROM programs WHERE id = ?";

absl::StatusOr<std::optional<ProgramRecord>> SelectProgram(Transaction& tx,
                                                           absl::string_view id,
                                                           bool for_update) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, for_update ? absl::StrCat(kSelectProgram, " FOR UPDATE")
                     : std::string(kSelectProgram));
  select->setString(1, std::string(id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  ProgramRecord program;
  program.id = rows->getString("id").asStdString();
  if (!program.settings.ParseFromString(
          rows->getString("settings").asStdString())) {
    return absl::DataLossError("stored programme settings are unreadable");
  }
  program.version = rows->getInt64("version");
  CRM_ASSIGN_OR_RETURN(program.update_time,
                       crm::common::ParseSqlDatetime(
                           rows->getString("update_time").asStdString()));
  return program;
}

}  // namespace

absl::StatusOr<std::optional<ProgramRecord>> MySqlProgramRepository::Find(
    Transaction& tx, absl::string_view id) {
  return SelectProgram(tx, id, /*for_update=*/false);
}

absl::StatusOr<std::optional<ProgramRecord>>
MySqlProgramRepository::FindForUpdate(Transaction& tx, absl::string_view id) {
  return SelectProgram(tx, id, /*for_update=*/true);
}

absl::Status MySqlProgramRepository::Save(Transaction& tx,
                                          const ProgramRecord& program) {
  crm::common::CachedStatement upsert = crm::common::Prepared(
      tx,
      "INSERT INTO programs (id, settings, version, update_time) "
      "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
      "settings = VALUES(settings), version = VALUES(version), "
      "update_time = VALUES(update_time)");
  upsert->setString(1, program.id);
  std::istringstream settings(program.settings.SerializeAsString());
  upsert->setBlob(2, &settings);
  upsert->setInt64(3, program.version);
  upsert->setString(4, crm::common::FormatSqlDatetime(
                           crm::common::TruncateToMicros(program.update_time)));
  upsert->executeUpdate();
  return absl::OkStatus();
}

}  // namespace crm::loyalty

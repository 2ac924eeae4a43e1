#include "services/loyalty/mysql_account_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::loyalty {
namespace {

using ::crm::common::FormatSqlDatetime;
using ::crm::common::ParseSqlDatetime;
using ::crm::common::Transaction;

constexpr int kDuplicateKeyError = 1062;

constexpr char kSelectAccount[] =
    "SELECT customer_id, points_balance, create_time, update_time, version "
    "FROM accounts WHERE customer_id = ?";

// The account in the current row of `rows` (selected with kSelectAccount).
absl::StatusOr<AccountRecord> AccountFromRow(sql::ResultSet& rows) {
  AccountRecord account;
  account.customer_id = rows.getString("customer_id").asStdString();
  account.points_balance = rows.getInt64("points_balance");
  CRM_ASSIGN_OR_RETURN(
      account.create_time,
      ParseSqlDatetime(rows.getString("create_time").asStdString()));
  CRM_ASSIGN_OR_RETURN(
      account.update_time,
      ParseSqlDatetime(rows.getString("update_time").asStdString()));
  account.version = rows.getInt64("version");
  return account;
}

}  // namespace

absl::StatusOr<std::optional<AccountRecord>> MySqlAccountRepository::Find(
    Transaction& tx, absl::string_view customer_id) {
  crm::common::CachedStatement select =
      crm::common::Prepared(tx, kSelectAccount);
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CRM_ASSIGN_OR_RETURN(AccountRecord account, AccountFromRow(*rows));
  return account;
}

absl::StatusOr<AccountRecord> MySqlAccountRepository::LockOrCreate(
    Transaction& tx, absl::string_view customer_id, absl::Time now) {
  const std::string now_text =
      FormatSqlDatetime(crm::common::TruncateToMicros(now));
  // Inserting the row, or touching the existing one, takes its exclusive
  // lock until the transaction ends.
  crm::common::CachedStatement ensure = crm::common::Prepared(
      tx,
      "INSERT INTO accounts (customer_id, points_balance, create_time, "
      "update_time, version) VALUES (?, 0, ?, ?, 0) "
      "ON DUPLICATE KEY UPDATE version = version");
  ensure->setString(1, std::string(customer_id));
  ensure->setString(2, now_text);
  ensure->setString(3, now_text);
  ensure->executeUpdate();

  crm::common::CachedStatement lock =
      crm::common::Prepared(tx, absl::StrCat(kSelectAccount, " FOR UPDATE"));
  lock->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(lock->executeQuery());
  if (!rows->next()) {
    return absl::InternalError("account row vanished under its lock");
  }
  return AccountFromRow(*rows);
}

absl::Status MySqlAccountRepository::AppendEntry(
    Transaction& tx, const LedgerEntryRecord& entry) {
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO ledger_entries (customer_id, id, type, points_delta, "
      "balance_after, reason, idempotency_key, create_time) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert->setString(1, entry.customer_id);
  insert->setString(2, entry.id);
  insert->setString(3, v1::LedgerEntry::Type_Name(entry.type));
  insert->setInt64(4, entry.points_delta);
  insert->setInt64(5, entry.balance_after);
  insert->setString(6, entry.reason);
  insert->setString(7, entry.idempotency_key);
  insert->setString(
      8, FormatSqlDatetime(crm::common::TruncateToMicros(entry.create_time)));
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != kDuplicateKeyError) throw;
    return absl::AlreadyExistsError(
        "the ledger already holds an entry with this idempotency key");
  }
  return absl::OkStatus();
}

absl::Status MySqlAccountRepository::Update(Transaction& tx,
                                            const AccountRecord& account) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx,
      "UPDATE accounts SET points_balance = ?, update_time = ?, "
      "version = ? WHERE customer_id = ?");
  update->setInt64(1, account.points_balance);
  update->setString(
      2, FormatSqlDatetime(crm::common::TruncateToMicros(account.update_time)));
  update->setInt64(3, account.version);
  update->setString(4, account.customer_id);
  if (update->executeUpdate() == 0) {
    return absl::NotFoundError("no account to update");
  }
  return absl::OkStatus();
}

}  // namespace crm::loyalty

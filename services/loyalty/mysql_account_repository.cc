#include "services/loyalty/mysql_account_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/etag.h"
#include "services/common/idempotency_store.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"

namespace crm::loyalty {
namespace {

using ::crm::common::FormatSqlDatetime;
using ::crm::common::ParseSqlDatetime;
using ::crm::common::ToProtoTimestamp;

constexpr int kDuplicateKeyError = 1062;

// The account in the current row of `rows` (customer_id, points_balance,
// create_time, update_time, version).
absl::StatusOr<v1::Account> AccountFromRow(sql::ResultSet& rows) {
  v1::Account account;
  account.set_name(AccountName(rows.getString("customer_id").asStdString()));
  account.set_points_balance(rows.getInt64("points_balance"));
  CRM_ASSIGN_OR_RETURN(
      absl::Time create_time,
      ParseSqlDatetime(rows.getString("create_time").asStdString()));
  CRM_ASSIGN_OR_RETURN(
      absl::Time update_time,
      ParseSqlDatetime(rows.getString("update_time").asStdString()));
  *account.mutable_create_time() = ToProtoTimestamp(create_time);
  *account.mutable_update_time() = ToProtoTimestamp(update_time);
  account.set_etag(crm::common::EncodeEtag(rows.getInt64("version")));
  return account;
}

}  // namespace

absl::StatusOr<v1::Account> MySqlAccountRepository::Get(
    absl::string_view customer_id) {
  return crm::common::WithConnection<v1::Account>(
      pool_, [&](sql::Connection& connection) -> absl::StatusOr<v1::Account> {
        std::unique_ptr<sql::PreparedStatement> select(
            connection.prepareStatement(
                "SELECT customer_id, points_balance, create_time, "
                "update_time, version FROM accounts WHERE customer_id = ?"));
        select->setString(1, std::string(customer_id));
        std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
        if (!rows->next()) {
          return absl::NotFoundError(
              absl::StrCat(AccountName(customer_id), " was not found"));
        }
        return AccountFromRow(*rows);
      });
}

absl::StatusOr<v1::AdjustPointsResponse> MySqlAccountRepository::Adjust(
    const Adjustment& adjustment, const v1::AdjustPointsRequest& request) {
  return crm::common::RunIdempotent<v1::AdjustPointsResponse>(
      pool_, clock_, "AdjustPoints", adjustment.request_id, request,
      [&](sql::Connection& connection)
          -> absl::StatusOr<v1::AdjustPointsResponse> {
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        const std::string now_text = FormatSqlDatetime(now);

        // Create the account if missing; either way this transaction now
        // holds the row's exclusive lock until it ends, which serialises
        // every adjustment of the account.
        std::unique_ptr<sql::PreparedStatement> ensure(
            connection.prepareStatement(
                "INSERT INTO accounts (customer_id, points_balance, "
                "create_time, update_time, version) VALUES (?, 0, ?, ?, 0) "
                "ON DUPLICATE KEY UPDATE version = version"));
        ensure->setString(1, adjustment.customer_id);
        ensure->setString(2, now_text);
        ensure->setString(3, now_text);
        ensure->executeUpdate();

        std::unique_ptr<sql::PreparedStatement> lock(
            connection.prepareStatement(
                "SELECT customer_id, points_balance, create_time, "
                "update_time, version FROM accounts WHERE customer_id = ? "
                "FOR UPDATE"));
        lock->setString(1, adjustment.customer_id);
        std::unique_ptr<sql::ResultSet> rows(lock->executeQuery());
        if (!rows->next()) {
          return absl::InternalError("account row vanished under its lock");
        }
        CRM_ASSIGN_OR_RETURN(v1::Account account, AccountFromRow(*rows));
        const int64_t version = rows->getInt64("version");
        CRM_ASSIGN_OR_RETURN(
            int64_t balance_after,
            ApplyDelta(account.points_balance(), adjustment.points_delta));

        const std::string entry_id = ids_.NewId();
        std::unique_ptr<sql::PreparedStatement> append(
            connection.prepareStatement(
                "INSERT INTO ledger_entries (customer_id, id, type, "
                "points_delta, balance_after, reason, idempotency_key, "
                "create_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
        append->setString(1, adjustment.customer_id);
        append->setString(2, entry_id);
        append->setString(3,
                          v1::LedgerEntry::Type_Name(v1::LedgerEntry::ADJUST));
        append->setInt64(4, adjustment.points_delta);
        append->setInt64(5, balance_after);
        append->setString(6, adjustment.reason);
        append->setString(7, AdjustmentIdempotencyKey(adjustment.request_id));
        append->setString(8, now_text);
        try {
          append->executeUpdate();
        } catch (const sql::SQLException& e) {
          if (e.getErrorCode() != kDuplicateKeyError) throw;
          // The ledger already holds this request id (its stored response
          // has expired): applying it again would credit twice.
          return absl::AlreadyExistsError(
              "request_id was already applied to this account");
        }

        std::unique_ptr<sql::PreparedStatement> update(
            connection.prepareStatement(
                "UPDATE accounts SET points_balance = ?, update_time = ?, "
                "version = ? WHERE customer_id = ?"));
        update->setInt64(1, balance_after);
        update->setString(2, now_text);
        update->setInt64(3, version + 1);
        update->setString(4, adjustment.customer_id);
        update->executeUpdate();

        v1::AdjustPointsResponse response;
        v1::LedgerEntry* entry = response.mutable_entry();
        entry->set_name(LedgerEntryName(adjustment.customer_id, entry_id));
        entry->set_type(v1::LedgerEntry::ADJUST);
        entry->set_points_delta(adjustment.points_delta);
        entry->set_balance_after(balance_after);
        entry->set_reason(adjustment.reason);
        *entry->mutable_create_time() = ToProtoTimestamp(now);
        account.set_points_balance(balance_after);
        *account.mutable_update_time() = ToProtoTimestamp(now);
        account.set_etag(crm::common::EncodeEtag(version + 1));
        *response.mutable_account() = std::move(account);
        return response;
      });
}

}  // namespace crm::loyalty

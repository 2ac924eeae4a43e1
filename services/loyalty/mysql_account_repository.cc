#include "services/loyalty/mysql_account_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/filter/sql_filter.h"
#include "services/common/filter/sql_filter_binding.h"
#include "services/common/mysql_errors.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_batches.h"
#include "services/common/sql_time.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::loyalty {
namespace {

using ::crm::common::BindOptionalSqlDatetime;
using ::crm::common::FormatSqlDatetime;
using ::crm::common::OptionalSqlDatetime;
using ::crm::common::ParseSqlDatetime;
using ::crm::common::Transaction;

constexpr char kSelectAccount[] =
    "SELECT customer_id, points_balance, create_time, update_time, version, "
    "tier, tier_grace_end_time, points_debt, merged_into, merge_time "
    "FROM accounts WHERE customer_id = ?";

constexpr char kEntryColumns[] =
    "SELECT customer_id, id, type, points_delta, balance_after, reason, "
    "idempotency_key, create_time, sequence, qualifying_delta, expire_time "
    "FROM ledger_entries ";

constexpr char kInsertEntries[] =
    "INSERT INTO ledger_entries (customer_id, id, type, points_delta, "
    "balance_after, reason, idempotency_key, create_time, sequence, "
    "qualifying_delta, expire_time) VALUES ";

constexpr char kInsertLots[] =
    "INSERT INTO point_lots (customer_id, id, points, remaining_points, "
    "earn_time, expire_time) VALUES ";

constexpr char kUpsertEarnings[] =
    "INSERT INTO order_earnings (customer_id, order_name, amount_minor, "
    "currency_code, points_earned, points_clawed) VALUES ";
constexpr char kUpsertEarningsUpdate[] =
    " ON DUPLICATE KEY UPDATE amount_minor = VALUES(amount_minor), "
    "currency_code = VALUES(currency_code), "
    "points_earned = VALUES(points_earned), "
    "points_clawed = VALUES(points_clawed)";

constexpr char kLotColumns[] =
    "SELECT customer_id, id, points, remaining_points, earn_time, "
    "expire_time FROM point_lots ";

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
  account.tier = rows.getString("tier").asStdString();
  CRM_ASSIGN_OR_RETURN(account.tier_grace_end_time,
                       OptionalSqlDatetime(rows, "tier_grace_end_time"));
  account.points_debt = rows.getInt64("points_debt");
  if (!rows.isNull("merged_into")) {
    account.merged_into = rows.getString("merged_into").asStdString();
  }
  CRM_ASSIGN_OR_RETURN(account.merge_time,
                       OptionalSqlDatetime(rows, "merge_time"));
  return account;
}

absl::StatusOr<LedgerEntryRecord> EntryFromRow(sql::ResultSet& rows) {
  LedgerEntryRecord entry;
  entry.customer_id = rows.getString("customer_id").asStdString();
  entry.id = rows.getString("id").asStdString();
  if (!v1::LedgerEntry::Type_Parse(rows.getString("type").asStdString(),
                                   &entry.type)) {
    return absl::InternalError("ledger entry of an unknown type");
  }
  entry.points_delta = rows.getInt64("points_delta");
  entry.balance_after = rows.getInt64("balance_after");
  entry.reason = rows.getString("reason").asStdString();
  entry.idempotency_key = rows.getString("idempotency_key").asStdString();
  CRM_ASSIGN_OR_RETURN(
      entry.create_time,
      ParseSqlDatetime(rows.getString("create_time").asStdString()));
  entry.sequence = rows.getInt64("sequence");
  entry.qualifying_delta = rows.getInt64("qualifying_delta");
  CRM_ASSIGN_OR_RETURN(entry.expire_time,
                       OptionalSqlDatetime(rows, "expire_time"));
  return entry;
}

absl::StatusOr<LotRecord> LotFromRow(sql::ResultSet& rows) {
  LotRecord lot;
  lot.customer_id = rows.getString("customer_id").asStdString();
  lot.id = rows.getString("id").asStdString();
  lot.points = rows.getInt64("points");
  lot.remaining_points = rows.getInt64("remaining_points");
  CRM_ASSIGN_OR_RETURN(
      lot.earn_time,
      ParseSqlDatetime(rows.getString("earn_time").asStdString()));
  CRM_ASSIGN_OR_RETURN(lot.expire_time,
                       OptionalSqlDatetime(rows, "expire_time"));
  return lot;
}

absl::StatusOr<std::vector<LedgerEntryRecord>> EntriesFrom(
    sql::ResultSet& rows) {
  std::vector<LedgerEntryRecord> entries;
  while (rows.next()) {
    CRM_ASSIGN_OR_RETURN(LedgerEntryRecord entry, EntryFromRow(rows));
    entries.push_back(std::move(entry));
  }
  return entries;
}

// How ledger entry filters map onto columns.
const crm::common::filter::SqlFieldMap& LedgerEntrySqlFields() {
  static const auto* const fields = [] {
    auto* map = new crm::common::filter::SqlFieldMap();
    map->Column("type", "type")
        .Column("create_time", "create_time")
        .Column("sequence", "sequence");
    return map;
  }();
  return *fields;
}

// Rows per multi-row statement (sql_batches.h).
constexpr size_t kMaxRowsPerStatement = 64;

// "(?, ?, ?, 0, 0), ..." for `rows` new accounts: (customer_id, create_time,
// update_time) bound, balance and version 0.
std::string NewAccountRows(size_t rows) {
  std::string out;
  for (size_t i = 0; i < rows; ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ", ", "(?, ?, ?, 0, 0)");
  }
  return out;
}

// Binds the columns of `entry` from parameter `first` on; the next free one.
int BindEntry(sql::PreparedStatement& insert, int first,
              const LedgerEntryRecord& entry) {
  insert.setString(first, entry.customer_id);
  insert.setString(first + 1, entry.id);
  insert.setString(first + 2, v1::LedgerEntry::Type_Name(entry.type));
  insert.setInt64(first + 3, entry.points_delta);
  insert.setInt64(first + 4, entry.balance_after);
  insert.setString(first + 5, entry.reason);
  insert.setString(first + 6, entry.idempotency_key);
  insert.setString(first + 7, FormatSqlDatetime(entry.create_time));
  insert.setInt64(first + 8, entry.sequence);
  insert.setInt64(first + 9, entry.qualifying_delta);
  BindOptionalSqlDatetime(insert, first + 10, entry.expire_time);
  return first + 11;
}

int BindLot(sql::PreparedStatement& insert, int first, const LotRecord& lot) {
  insert.setString(first, lot.customer_id);
  insert.setString(first + 1, lot.id);
  insert.setInt64(first + 2, lot.points);
  insert.setInt64(first + 3, lot.remaining_points);
  insert.setString(first + 4, FormatSqlDatetime(lot.earn_time));
  BindOptionalSqlDatetime(insert, first + 5, lot.expire_time);
  return first + 6;
}

int BindEarning(sql::PreparedStatement& upsert, int first,
                const OrderEarningRecord& earning) {
  upsert.setString(first, earning.customer_id);
  upsert.setString(first + 1, earning.order_name);
  upsert.setInt64(first + 2, earning.amount_minor);
  upsert.setString(first + 3, earning.currency_code);
  upsert.setInt64(first + 4, earning.points_earned);
  upsert.setInt64(first + 5, earning.points_clawed);
  return first + 6;
}

int64_t SingleInt(sql::PreparedStatement& statement) {
  std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
  if (!rows->next() || rows->isNull(1)) return 0;
  return rows->getInt64(1);
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
  const std::string now_text = FormatSqlDatetime(now);
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
      tx, absl::StrCat(kInsertEntries, crm::common::SqlRowPlaceholders(1, 11)));
  BindEntry(*insert, 1, entry);
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != common::kMySqlDuplicateKeyError) throw;
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
      "version = ?, tier = ?, tier_grace_end_time = ?, points_debt = ?, "
      "merged_into = NULLIF(?, ''), merge_time = ? WHERE customer_id = ?");
  update->setInt64(1, account.points_balance);
  update->setString(2, FormatSqlDatetime(account.update_time));
  update->setInt64(3, account.version);
  update->setString(4, account.tier);
  BindOptionalSqlDatetime(*update, 5, account.tier_grace_end_time);
  update->setInt64(6, account.points_debt);
  update->setString(7, account.merged_into);
  BindOptionalSqlDatetime(*update, 8, account.merge_time);
  update->setString(9, account.customer_id);
  if (update->executeUpdate() == 0) {
    // MariaDB counts changed rows: an identical row also reports 0, so
    // check that it exists.
    CRM_ASSIGN_OR_RETURN(std::optional<AccountRecord> existing,
                         Find(tx, account.customer_id));
    if (!existing.has_value()) {
      return absl::NotFoundError("no account to update");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<LedgerEntryRecord>>
MySqlAccountRepository::FindEntry(Transaction& tx,
                                  absl::string_view customer_id,
                                  absl::string_view entry_id) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kEntryColumns, "WHERE customer_id = ? AND id = ?"));
  select->setString(1, std::string(customer_id));
  select->setString(2, std::string(entry_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CRM_ASSIGN_OR_RETURN(LedgerEntryRecord entry, EntryFromRow(*rows));
  return entry;
}

absl::StatusOr<std::optional<LedgerEntryRecord>>
MySqlAccountRepository::FindEntryBySource(Transaction& tx,
                                          absl::string_view customer_id,
                                          absl::string_view source) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kEntryColumns,
                       "WHERE customer_id = ? AND idempotency_key = ?"));
  select->setString(1, std::string(customer_id));
  select->setString(2, std::string(source));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CRM_ASSIGN_OR_RETURN(LedgerEntryRecord entry, EntryFromRow(*rows));
  return entry;
}

absl::StatusOr<std::vector<LedgerEntryRecord>>
MySqlAccountRepository::ListEntries(Transaction& tx,
                                    absl::string_view customer_id,
                                    const LedgerQuery& query) {
  CRM_ASSIGN_OR_RETURN(
      crm::common::filter::SqlCondition where,
      crm::common::filter::CompileToSql(query.filter, LedgerEntrySqlFields()));
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kEntryColumns,
                       "WHERE customer_id = ? AND sequence < ? AND (",
                       where.clause, ") ORDER BY sequence DESC LIMIT ?"));
  select->setString(1, std::string(customer_id));
  select->setInt64(
      2, query.before_sequence.value_or(std::numeric_limits<int64_t>::max()));
  const int next = crm::common::filter::BindSqlParams(*select, where.params, 3);
  select->setInt(next, query.limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  return EntriesFrom(*rows);
}

absl::StatusOr<std::vector<LedgerEntryRecord>>
MySqlAccountRepository::AllEntries(Transaction& tx,
                                   absl::string_view customer_id) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kEntryColumns,
                       "WHERE customer_id = ? ORDER BY sequence, id"));
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  return EntriesFrom(*rows);
}

absl::StatusOr<int64_t> MySqlAccountRepository::QualifyingPointsSince(
    Transaction& tx, absl::string_view customer_id, absl::Time since) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT COALESCE(SUM(qualifying_delta), 0) FROM ledger_entries "
      "WHERE customer_id = ? AND create_time >= ?");
  select->setString(1, std::string(customer_id));
  select->setString(2, FormatSqlDatetime(since));
  return SingleInt(*select);
}

absl::StatusOr<std::map<std::string, int64_t>>
MySqlAccountRepository::QualifyingPointsByCustomer(
    Transaction& tx, const std::vector<std::string>& customer_ids,
    absl::Time since) {
  std::map<std::string, int64_t> sums;
  if (customer_ids.empty()) return sums;
  const size_t padded = crm::common::SqlPaddedCount(customer_ids.size());
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat("SELECT customer_id, SUM(qualifying_delta) "
                       "FROM ledger_entries WHERE create_time >= ? "
                       "AND customer_id IN (",
                       crm::common::SqlPlaceholders(padded),
                       ") GROUP BY customer_id"));
  select->setString(1, FormatSqlDatetime(since));
  for (size_t i = 0; i < padded; ++i) {
    select->setString(static_cast<int>(i) + 2,
                      customer_ids[std::min(i, customer_ids.size() - 1)]);
  }
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  while (rows->next()) {
    sums[rows->getString(1).asStdString()] = rows->getInt64(2);
  }
  return sums;
}

absl::StatusOr<std::vector<AccountRecord>> MySqlAccountRepository::ListAccounts(
    Transaction& tx, absl::string_view after, int limit) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT customer_id, points_balance, create_time, update_time, version, "
      "tier, tier_grace_end_time, points_debt, merged_into, merge_time "
      "FROM accounts WHERE customer_id > ? ORDER BY customer_id LIMIT ?");
  select->setString(1, std::string(after));
  select->setInt(2, limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<AccountRecord> accounts;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(AccountRecord account, AccountFromRow(*rows));
    accounts.push_back(std::move(account));
  }
  return accounts;
}

absl::Status MySqlAccountRepository::InsertLot(Transaction& tx,
                                               const LotRecord& lot) {
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx, absl::StrCat(kInsertLots, crm::common::SqlRowPlaceholders(1, 6)));
  BindLot(*insert, 1, lot);
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != common::kMySqlDuplicateKeyError) throw;
    return absl::AlreadyExistsError("the account already has this lot");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<LotRecord>> MySqlAccountRepository::OpenLots(
    Transaction& tx, absl::string_view customer_id) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kLotColumns,
                       "WHERE customer_id = ? AND remaining_points > 0 "
                       "ORDER BY earn_time, id"));
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<LotRecord> lots;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(LotRecord lot, LotFromRow(*rows));
    lots.push_back(std::move(lot));
  }
  return lots;
}

absl::Status MySqlAccountRepository::SetLotRemaining(
    Transaction& tx, absl::string_view customer_id, absl::string_view lot_id,
    int64_t remaining_points) {
  crm::common::CachedStatement update =
      crm::common::Prepared(tx,
                            "UPDATE point_lots SET remaining_points = ? "
                            "WHERE customer_id = ? AND id = ?");
  update->setInt64(1, remaining_points);
  update->setString(2, std::string(customer_id));
  update->setString(3, std::string(lot_id));
  if (update->executeUpdate() == 0) {
    crm::common::CachedStatement exists = crm::common::Prepared(
        tx, "SELECT COUNT(*) FROM point_lots WHERE customer_id = ? AND id = ?");
    exists->setString(1, std::string(customer_id));
    exists->setString(2, std::string(lot_id));
    if (SingleInt(*exists) == 0) return absl::NotFoundError("no such lot");
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> MySqlAccountRepository::LotsRemainingSum(
    Transaction& tx, absl::string_view customer_id) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT COALESCE(SUM(remaining_points), 0) FROM point_lots "
      "WHERE customer_id = ?");
  select->setString(1, std::string(customer_id));
  return SingleInt(*select);
}

absl::StatusOr<std::vector<std::string>>
MySqlAccountRepository::CustomersWithExpiredLots(Transaction& tx,
                                                 absl::Time now, int limit) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT DISTINCT customer_id FROM point_lots "
      "WHERE expire_time IS NOT NULL AND expire_time <= ? "
      "AND remaining_points > 0 ORDER BY customer_id LIMIT ?");
  select->setString(1, FormatSqlDatetime(now));
  select->setInt(2, limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<std::string> customers;
  while (rows->next()) customers.push_back(rows->getString(1).asStdString());
  return customers;
}

absl::StatusOr<std::optional<OrderEarningRecord>>
MySqlAccountRepository::FindOrderEarning(Transaction& tx,
                                         absl::string_view customer_id,
                                         absl::string_view order_name) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT amount_minor, currency_code, points_earned, points_clawed "
      "FROM order_earnings WHERE customer_id = ? AND order_name = ?");
  select->setString(1, std::string(customer_id));
  select->setString(2, std::string(order_name));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  OrderEarningRecord earning;
  earning.customer_id = std::string(customer_id);
  earning.order_name = std::string(order_name);
  earning.amount_minor = rows->getInt64("amount_minor");
  earning.currency_code = rows->getString("currency_code").asStdString();
  earning.points_earned = rows->getInt64("points_earned");
  earning.points_clawed = rows->getInt64("points_clawed");
  return earning;
}

absl::Status MySqlAccountRepository::SaveOrderEarning(
    Transaction& tx, const OrderEarningRecord& earning) {
  crm::common::CachedStatement upsert = crm::common::Prepared(
      tx, absl::StrCat(kUpsertEarnings, crm::common::SqlRowPlaceholders(1, 6),
                       kUpsertEarningsUpdate));
  BindEarning(*upsert, 1, earning);
  upsert->executeUpdate();
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, std::vector<std::string>>>
MySqlAccountRepository::DuplicatesOf(
    Transaction& tx, const std::vector<std::string>& survivor_ids) {
  std::map<std::string, std::vector<std::string>> duplicates;
  if (survivor_ids.empty()) return duplicates;
  const size_t padded = crm::common::SqlPaddedCount(survivor_ids.size());
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat("SELECT merged_into, customer_id FROM accounts "
                       "WHERE merged_into IN (",
                       crm::common::SqlPlaceholders(padded),
                       ") ORDER BY merged_into, customer_id"));
  for (size_t i = 0; i < padded; ++i) {
    select->setString(static_cast<int>(i) + 1,
                      survivor_ids[std::min(i, survivor_ids.size() - 1)]);
  }
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  while (rows->next()) {
    duplicates[rows->getString(1).asStdString()].push_back(
        rows->getString(2).asStdString());
  }
  return duplicates;
}

absl::StatusOr<std::vector<LotRecord>> MySqlAccountRepository::AllLots(
    Transaction& tx, absl::string_view customer_id) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kLotColumns,
                       "WHERE customer_id = ? ORDER BY earn_time, id"));
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<LotRecord> lots;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(LotRecord lot, LotFromRow(*rows));
    lots.push_back(std::move(lot));
  }
  return lots;
}

absl::Status MySqlAccountRepository::MoveOrderEarnings(
    Transaction& tx, absl::string_view from_customer_id,
    absl::string_view to_customer_id) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx, "UPDATE order_earnings SET customer_id = ? WHERE customer_id = ?");
  update->setString(1, std::string(to_customer_id));
  update->setString(2, std::string(from_customer_id));
  update->executeUpdate();
  return absl::OkStatus();
}

absl::Status MySqlAccountRepository::ReKeyErasedAccount(
    Transaction& tx, absl::string_view customer_id,
    absl::string_view tombstone_id, absl::string_view merged_into,
    absl::string_view erased_reason) {
  const std::string from(customer_id);
  const std::string to(tombstone_id);
  crm::common::CachedStatement entries = crm::common::Prepared(
      tx,
      "UPDATE ledger_entries SET customer_id = ?, reason = ?, "
      "idempotency_key = CONCAT('erased:', id) WHERE customer_id = ?");
  entries->setString(1, to);
  entries->setString(2, std::string(erased_reason));
  entries->setString(3, from);
  entries->executeUpdate();

  crm::common::CachedStatement lots = crm::common::Prepared(
      tx, "UPDATE point_lots SET customer_id = ? WHERE customer_id = ?");
  lots->setString(1, to);
  lots->setString(2, from);
  lots->executeUpdate();

  crm::common::CachedStatement earnings = crm::common::Prepared(
      tx, "DELETE FROM order_earnings WHERE customer_id = ?");
  earnings->setString(1, from);
  earnings->executeUpdate();

  crm::common::CachedStatement account = crm::common::Prepared(
      tx,
      "UPDATE accounts SET customer_id = ?, merged_into = NULLIF(?, '') "
      "WHERE customer_id = ?");
  account->setString(1, to);
  account->setString(2, std::string(merged_into));
  account->setString(3, from);
  if (account->executeUpdate() == 0) {
    return absl::NotFoundError("no account to erase");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, AccountRecord>>
MySqlAccountRepository::LockOrCreateMany(
    Transaction& tx, const std::vector<std::string>& customer_ids,
    absl::Time now) {
  // Ascending, without repeats: the insert takes the row locks in this order.
  const std::set<std::string> ordered(customer_ids.begin(), customer_ids.end());
  const std::vector<std::string> ids(ordered.begin(), ordered.end());
  const std::string now_text = FormatSqlDatetime(now);
  std::map<std::string, AccountRecord> accounts;
  for (const crm::common::SqlChunk& chunk :
       crm::common::SqlChunks(ids.size(), kMaxRowsPerStatement)) {
    crm::common::CachedStatement ensure = crm::common::Prepared(
        tx, absl::StrCat("INSERT INTO accounts (customer_id, create_time, "
                         "update_time, points_balance, version) VALUES ",
                         NewAccountRows(chunk.size),
                         " ON DUPLICATE KEY UPDATE version = version"));
    for (size_t i = 0; i < chunk.size; ++i) {
      const int first = static_cast<int>(i) * 3 + 1;
      ensure->setString(first, ids[chunk.begin + i]);
      ensure->setString(first + 1, now_text);
      ensure->setString(first + 2, now_text);
    }
    ensure->executeUpdate();
    crm::common::CachedStatement lock = crm::common::Prepared(
        tx, absl::StrCat(
                "SELECT customer_id, points_balance, create_time, update_time, "
                "version, tier, tier_grace_end_time, points_debt, merged_into, "
                "merge_time FROM accounts WHERE customer_id IN (",
                crm::common::SqlPlaceholders(chunk.size), ") FOR UPDATE"));
    for (size_t i = 0; i < chunk.size; ++i) {
      lock->setString(static_cast<int>(i) + 1, ids[chunk.begin + i]);
    }
    std::unique_ptr<sql::ResultSet> rows(lock->executeQuery());
    while (rows->next()) {
      CRM_ASSIGN_OR_RETURN(AccountRecord account, AccountFromRow(*rows));
      std::string id = account.customer_id;
      accounts.emplace(std::move(id), std::move(account));
    }
  }
  if (accounts.size() != ids.size()) {
    return absl::InternalError("account rows vanished under their locks");
  }
  return accounts;
}

absl::StatusOr<
    std::map<std::pair<std::string, std::string>, OrderEarningRecord>>
MySqlAccountRepository::FindOrderEarnings(
    Transaction& tx,
    const std::vector<std::pair<std::string, std::string>>& orders) {
  std::map<std::pair<std::string, std::string>, OrderEarningRecord> found;
  for (const crm::common::SqlChunk& chunk :
       crm::common::SqlChunks(orders.size(), kMaxRowsPerStatement)) {
    crm::common::CachedStatement select = crm::common::Prepared(
        tx, absl::StrCat("SELECT customer_id, order_name, amount_minor, "
                         "currency_code, points_earned, points_clawed "
                         "FROM order_earnings WHERE (customer_id, order_name) "
                         "IN (",
                         crm::common::SqlRowPlaceholders(chunk.size, 2), ")"));
    for (size_t i = 0; i < chunk.size; ++i) {
      const int first = static_cast<int>(i) * 2 + 1;
      select->setString(first, orders[chunk.begin + i].first);
      select->setString(first + 1, orders[chunk.begin + i].second);
    }
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      OrderEarningRecord earning;
      earning.customer_id = rows->getString("customer_id").asStdString();
      earning.order_name = rows->getString("order_name").asStdString();
      earning.amount_minor = rows->getInt64("amount_minor");
      earning.currency_code = rows->getString("currency_code").asStdString();
      earning.points_earned = rows->getInt64("points_earned");
      earning.points_clawed = rows->getInt64("points_clawed");
      found.insert_or_assign({earning.customer_id, earning.order_name},
                             std::move(earning));
    }
  }
  return found;
}

absl::Status MySqlAccountRepository::AppendEntries(
    Transaction& tx, const std::vector<LedgerEntryRecord>& entries) {
  for (const crm::common::SqlChunk& chunk :
       crm::common::SqlChunks(entries.size(), kMaxRowsPerStatement)) {
    crm::common::CachedStatement insert = crm::common::Prepared(
        tx, absl::StrCat(kInsertEntries,
                         crm::common::SqlRowPlaceholders(chunk.size, 11)));
    int next = 1;
    for (size_t i = 0; i < chunk.size; ++i) {
      next = BindEntry(*insert, next, entries[chunk.begin + i]);
    }
    try {
      insert->executeUpdate();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != common::kMySqlDuplicateKeyError) throw;
      return absl::AlreadyExistsError(
          "the ledger already holds an entry with one of these idempotency "
          "keys");
    }
  }
  return absl::OkStatus();
}

absl::Status MySqlAccountRepository::InsertLots(
    Transaction& tx, const std::vector<LotRecord>& lots) {
  for (const crm::common::SqlChunk& chunk :
       crm::common::SqlChunks(lots.size(), kMaxRowsPerStatement)) {
    crm::common::CachedStatement insert = crm::common::Prepared(
        tx, absl::StrCat(kInsertLots,
                         crm::common::SqlRowPlaceholders(chunk.size, 6)));
    int next = 1;
    for (size_t i = 0; i < chunk.size; ++i) {
      next = BindLot(*insert, next, lots[chunk.begin + i]);
    }
    try {
      insert->executeUpdate();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != common::kMySqlDuplicateKeyError) throw;
      return absl::AlreadyExistsError(
          "an account already has one of these lots");
    }
  }
  return absl::OkStatus();
}

absl::Status MySqlAccountRepository::SaveOrderEarnings(
    Transaction& tx, const std::vector<OrderEarningRecord>& earnings) {
  for (const crm::common::SqlChunk& chunk :
       crm::common::SqlChunks(earnings.size(), kMaxRowsPerStatement)) {
    crm::common::CachedStatement upsert = crm::common::Prepared(
        tx, absl::StrCat(kUpsertEarnings,
                         crm::common::SqlRowPlaceholders(chunk.size, 6),
                         kUpsertEarningsUpdate));
    int next = 1;
    for (size_t i = 0; i < chunk.size; ++i) {
      next = BindEarning(*upsert, next, earnings[chunk.begin + i]);
    }
    upsert->executeUpdate();
  }
  return absl::OkStatus();
}

absl::Status MySqlAccountRepository::UpdateMany(
    Transaction& tx, const std::vector<AccountRecord>& accounts) {
  for (const crm::common::SqlChunk& chunk :
       crm::common::SqlChunks(accounts.size(), kMaxRowsPerStatement)) {
    // Every account exists and is locked by `tx`, so each row takes the
    // update branch: create_time is kept.
    crm::common::CachedStatement upsert = crm::common::Prepared(
        tx,
        absl::StrCat(
            "INSERT INTO accounts (customer_id, points_balance, create_time, "
            "update_time, version, tier, tier_grace_end_time, points_debt, "
            "merged_into, merge_time) VALUES ",
            crm::common::SqlRowPlaceholders(chunk.size, 10),
            " ON DUPLICATE KEY UPDATE points_balance = VALUES(points_balance), "
            "update_time = VALUES(update_time), version = VALUES(version), "
            "tier = VALUES(tier), "
            "tier_grace_end_time = VALUES(tier_grace_end_time), "
            "points_debt = VALUES(points_debt), "
            "merged_into = VALUES(merged_into), "
            "merge_time = VALUES(merge_time)"));
    for (size_t i = 0; i < chunk.size; ++i) {
      const AccountRecord& account = accounts[chunk.begin + i];
      const int first = static_cast<int>(i) * 10 + 1;
      upsert->setString(first, account.customer_id);
      upsert->setInt64(first + 1, account.points_balance);
      upsert->setString(first + 2, FormatSqlDatetime(account.create_time));
      upsert->setString(first + 3, FormatSqlDatetime(account.update_time));
      upsert->setInt64(first + 4, account.version);
      upsert->setString(first + 5, account.tier);
      BindOptionalSqlDatetime(*upsert, first + 6, account.tier_grace_end_time);
      upsert->setInt64(first + 7, account.points_debt);
      if (account.merged_into.empty()) {
        upsert->setNull(first + 8, 0);
      } else {
        upsert->setString(first + 8, account.merged_into);
      }
      BindOptionalSqlDatetime(*upsert, first + 9, account.merge_time);
    }
    upsert->executeUpdate();
  }
  return absl::OkStatus();
}

}  // namespace crm::loyalty

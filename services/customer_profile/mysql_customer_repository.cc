#include "services/customer_profile/mysql_customer_repository.h"

#include <cppconn/datatype.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "services/common/error_details.h"
#include "services/common/filter/sql_filter.h"
#include "services/common/filter/sql_filter_binding.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/resource_name.h"
#include "services/common/sql_batches.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/customer_profile/mysql_customer_filter.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::CachedStatement;
using ::crm::common::FormatSqlDatetime;
using ::crm::common::KeysetPosition;
using ::crm::common::Page;
using ::crm::common::PageRequest;
using ::crm::common::Transaction;

constexpr char kColumns[] =
    "SELECT id, state, merged_into, wrapped_key, pii, profile, email_bidx, "
    "phone_bidx, name_birth_bidx, country_code, create_time, update_time, "
    "version, source_channel, birthday_bidx FROM customers";
// The columns of a merge link: kColumns' first three.
constexpr char kMergeLinkColumns[] =
    "SELECT id, state, merged_into FROM customers";

// The connection's cached statement for `text` (prepared_statement_cache.h:
// every parameter is bound on every use; a result set is destroyed before
// the same text is prepared again).
CachedStatement Prepare(Transaction& tx, const std::string& text) {
  return crm::common::Prepared(tx, text);
}

// Multi-row statements are cut into chunks whose row counts are powers of
// two up to kMaxChunkRows (100 rows: 64 + 32 + 4), so the connection's
// statement cache holds a few shapes per statement, not one per count.
constexpr size_t kMaxChunkRows = 64;
// Rows of one padded multi-row INSERT IGNORE (sql_batches.h).
constexpr size_t kMaxPaddedRows = 256;

// The chunk sizes for `rows` rows, largest first.
std::vector<size_t> ChunkSizes(size_t rows) {
  std::vector<size_t> sizes;
  while (rows > 0) {
    size_t size = kMaxChunkRows;
    while (size > rows) size /= 2;
    sizes.push_back(size);
    rows -= size;
  }
  return sizes;
}

// "<prefix>(?, ?), (?, ?)..." with `rows` groups of `columns` marks.
std::string MultiRowValues(absl::string_view prefix, size_t rows, int columns) {
  std::string group = "(?";
  for (int i = 1; i < columns; ++i) group += ", ?";
  group += ")";
  std::string text(prefix);
  for (size_t i = 0; i < rows; ++i) {
    if (i > 0) text += ", ";
    text += group;
  }
  return text;
}

// Replaces the tag index rows of `customer_id` by `tags`.
void ReplaceTags(Transaction& tx, absl::string_view customer_id,
                 const std::vector<std::string>& tags) {
  CachedStatement remove =
      Prepare(tx, "DELETE FROM customer_tags WHERE customer_id = ?");
  remove->setString(1, std::string(customer_id));
  remove->executeUpdate();
  if (tags.empty()) return;
  CachedStatement insert = Prepare(
      tx, "INSERT IGNORE INTO customer_tags (customer_id, tag) VALUES (?, ?)");
  for (const std::string& tag : tags) {
    insert->setString(1, std::string(customer_id));
    insert->setString(2, tag);
    insert->executeUpdate();
  }
}

void SetNullableString(sql::PreparedStatement& statement, int index,
                       const std::string& value) {
  if (value.empty()) {
    statement.setNull(index, sql::DataType::VARCHAR);
  } else {
    statement.setString(index, value);
  }
}

// Columns are read by position (the order of kColumns): Connector/C++
// resolves a column name on every call, which costs more than the read.
std::string NullableString(sql::ResultSet& rows, int column) {
  if (rows.isNull(column)) return "";
  return rows.getString(column).asStdString();
}

// The merge link a row starts with (kColumns and kMergeLinkColumns both
// begin with id, state, merged_into): the record's other fields empty.
absl::StatusOr<CustomerRecord> MergeLinkFromRow(sql::ResultSet& rows) {
  CustomerRecord record;
  record.id = rows.getString(1).asStdString();
  v1::Customer::State state = v1::Customer::STATE_UNSPECIFIED;
  if (!v1::Customer::State_Parse(rows.getString(2).asStdString(), &state)) {
    return absl::InternalError("stored customer state is unknown");
  }
  record.state = state;
  record.merged_into = NullableString(rows, 3);
  return record;
}

// A row selected with kColumns.
absl::StatusOr<CustomerRecord> RecordFromRow(sql::ResultSet& rows) {
  CRM_ASSIGN_OR_RETURN(CustomerRecord record, MergeLinkFromRow(rows));
  if (!rows.isNull(4)) record.wrapped_key = rows.getString(4).asStdString();
  record.pii = NullableString(rows, 5);
  record.profile = rows.getString(6).asStdString();
  record.email_bidx = NullableString(rows, 7);
  record.phone_bidx = NullableString(rows, 8);
  record.name_birth_bidx = NullableString(rows, 9);
  record.country_code = rows.getString(10).asStdString();
  CRM_ASSIGN_OR_RETURN(
      record.create_time,
      crm::common::ParseSqlDatetime(rows.getString(11).asStdString()));
  CRM_ASSIGN_OR_RETURN(
      record.update_time,
      crm::common::ParseSqlDatetime(rows.getString(12).asStdString()));
  record.version = rows.getInt64(13);
  record.source_channel = rows.getString(14).asStdString();
  if (!rows.isNull(15)) record.birthday_bidx = rows.getString(15).asStdString();
  return record;
}

// Binds every column but id/create_time starting at `index`; returns the
// next free index.
int BindMutableColumns(sql::PreparedStatement& statement, int index,
                       const CustomerRecord& record) {
  statement.setString(index++, v1::Customer::State_Name(record.state));
  SetNullableString(statement, index++, record.merged_into);
  if (record.wrapped_key.has_value()) {
    statement.setString(index++, *record.wrapped_key);
  } else {
    statement.setNull(index++, sql::DataType::VARBINARY);
  }
  SetNullableString(statement, index++, record.pii);
  statement.setString(index++, record.profile);
  SetNullableString(statement, index++, record.email_bidx);
  SetNullableString(statement, index++, record.phone_bidx);
  SetNullableString(statement, index++, record.name_birth_bidx);
  statement.setString(index++, record.country_code);
  statement.setString(index++, record.source_channel);
  statement.setString(index++, FormatSqlDatetime(record.update_time));
  statement.setInt64(index++, record.version);
  // NULL only while not computed; "" (none) is stored as "".
  if (record.birthday_bidx.has_value()) {
    statement.setString(index++, *record.birthday_bidx);
  } else {
    statement.setNull(index++, sql::DataType::VARCHAR);
  }
  return index;
}

}  // namespace

absl::string_view IdentifierKindName(IdentifierKind kind) {
  switch (kind) {
    case IdentifierKind::kEmail:
      return "email";
    case IdentifierKind::kPhone:
      return "phone";
    case IdentifierKind::kExternal:
      return "external";
  }
  return "unknown";
}

namespace {

// The clause that locks the rows a SELECT reads as `lock` says.
absl::string_view LockClause(RowLock lock) {
  return lock == RowLock::kNone    ? ""
         : lock == RowLock::kShare ? " LOCK IN SHARE MODE"
                                   : " FOR UPDATE";
}

// The row of customer `id` selected by `columns` (a SELECT ... FROM
// customers) and locked as `lock` says, read by `from_row`; nullopt if none.
absl::StatusOr<std::optional<CustomerRecord>> SelectById(
    Transaction& tx, absl::string_view columns, absl::string_view id,
    RowLock lock,
    absl::StatusOr<CustomerRecord> (*from_row)(sql::ResultSet& rows)) {
  CachedStatement select =
      Prepare(tx, absl::StrCat(columns, " WHERE id = ?", LockClause(lock)));
  select->setString(1, std::string(id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::optional<CustomerRecord>();
  CRM_ASSIGN_OR_RETURN(CustomerRecord record, from_row(*rows));
  return std::optional<CustomerRecord>(std::move(record));
}

}  // namespace

absl::StatusOr<std::optional<CustomerRecord>> MySqlCustomerRepository::Load(
    Transaction& tx, absl::string_view id, RowLock lock) {
  return SelectById(tx, kColumns, id, lock, &RecordFromRow);
}

absl::StatusOr<std::optional<CustomerRecord>>
MySqlCustomerRepository::LoadMergeLink(Transaction& tx, absl::string_view id,
                                       RowLock lock) {
  return SelectById(tx, kMergeLinkColumns, id, lock, &MergeLinkFromRow);
}

namespace {

// The rows of `ids` selected by `columns` (a SELECT ... FROM customers) and
// locked as `lock` says, read by `from_row`, in padded IN lists.
absl::StatusOr<std::vector<CustomerRecord>> SelectByIds(
    Transaction& tx, absl::string_view columns,
    const std::vector<std::string>& ids, RowLock lock,
    absl::StatusOr<CustomerRecord> (*from_row)(sql::ResultSet& rows)) {
  std::vector<CustomerRecord> records;
  // A repeated id changes nothing an IN matches: padded lists.
  for (const crm::common::SqlPaddedChunk& chunk :
       crm::common::SqlPaddedChunks(ids.size(), kMaxPaddedRows)) {
    CachedStatement select =
        Prepare(tx, absl::StrCat(columns, " WHERE id IN (",
                                 crm::common::SqlPlaceholders(chunk.padded),
                                 ")", LockClause(lock)));
    for (size_t k = 0; k < chunk.padded; ++k) {
      select->setString(static_cast<int>(k + 1), ids[chunk.Row(k)]);
    }
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      CRM_ASSIGN_OR_RETURN(CustomerRecord record, from_row(*rows));
      records.push_back(std::move(record));
    }
  }
  return records;
}

}  // namespace

absl::StatusOr<std::vector<CustomerRecord>> MySqlCustomerRepository::LoadMany(
    Transaction& tx, const std::vector<std::string>& ids) {
  return SelectByIds(tx, kColumns, ids, RowLock::kNone, &RecordFromRow);
}

absl::StatusOr<std::vector<CustomerRecord>>
MySqlCustomerRepository::LoadMergeLinks(Transaction& tx,
                                        const std::vector<std::string>& ids,
                                        RowLock lock) {
  return SelectByIds(tx, kMergeLinkColumns, ids, lock, &MergeLinkFromRow);
}

absl::Status MySqlCustomerRepository::Insert(Transaction& tx,
                                             const CustomerRecord& record) {
  CachedStatement insert = Prepare(
      tx,
      "INSERT INTO customers (id, create_time, state, merged_into, "
      "wrapped_key, pii, profile, email_bidx, phone_bidx, name_birth_bidx, "
      "country_code, source_channel, update_time, version, birthday_bidx) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert->setString(1, record.id);
  insert->setString(2, FormatSqlDatetime(record.create_time));
  BindMutableColumns(*insert, 3, record);
  insert->executeUpdate();
  ReplaceTags(tx, record.id, record.tags);
  return absl::OkStatus();
}

absl::Status MySqlCustomerRepository::InsertMany(
    Transaction& tx, const std::vector<CustomerRecord>& unordered) {
  // In key order, like ClaimNewIdentifiers.
  std::vector<const CustomerRecord*> records;
  records.reserve(unordered.size());
  for (const CustomerRecord& record : unordered) records.push_back(&record);
  std::sort(records.begin(), records.end(),
            [](const CustomerRecord* a, const CustomerRecord* b) {
              return a->id < b->id;
            });
  size_t next = 0;
  for (size_t size : ChunkSizes(records.size())) {
    CachedStatement insert = Prepare(
        tx, MultiRowValues("INSERT INTO customers (id, create_time, state, "
                           "merged_into, wrapped_key, pii, profile, "
                           "email_bidx, phone_bidx, name_birth_bidx, "
                           "country_code, source_channel, update_time, "
                           "version, birthday_bidx) VALUES ",
                           size, 15));
    int index = 1;
    for (size_t i = 0; i < size; ++i) {
      const CustomerRecord& record = *records[next++];
      insert->setString(index++, record.id);
      insert->setString(index++, FormatSqlDatetime(record.create_time));
      index = BindMutableColumns(*insert, index, record);
    }
    insert->executeUpdate();
  }
  std::vector<std::pair<const std::string*, const std::string*>> tags;
  for (const CustomerRecord* record : records) {
    for (const std::string& tag : record->tags) {
      tags.emplace_back(&record->id, &tag);
    }
  }
  // INSERT IGNORE leaves a repeated row as it is: one padded statement per
  // kMaxPaddedRows tags.
  for (const crm::common::SqlPaddedChunk& chunk :
       crm::common::SqlPaddedChunks(tags.size(), kMaxPaddedRows)) {
    CachedStatement insert = Prepare(
        tx,
        MultiRowValues("INSERT IGNORE INTO customer_tags (customer_id, tag) "
                       "VALUES ",
                       chunk.padded, 2));
    int index = 1;
    for (size_t k = 0; k < chunk.padded; ++k) {
      insert->setString(index++, *tags[chunk.Row(k)].first);
      insert->setString(index++, *tags[chunk.Row(k)].second);
    }
    insert->executeUpdate();
  }
  return absl::OkStatus();
}

absl::Status MySqlCustomerRepository::Update(Transaction& tx,
                                             const CustomerRecord& record) {
  CachedStatement update = Prepare(
      tx,
      "UPDATE customers SET state = ?, merged_into = ?, wrapped_key = ?, "
      "pii = ?, profile = ?, email_bidx = ?, phone_bidx = ?, "
      "name_birth_bidx = ?, country_code = ?, source_channel = ?, "
      "update_time = ?, version = ?, birthday_bidx = ? WHERE id = ?");
  const int next = BindMutableColumns(*update, 1, record);
  update->setString(next, record.id);
  if (update->executeUpdate() != 1) {
    return crm::common::NotFoundError(
        crm::common::FormatResourceName("customers", record.id));
  }
  ReplaceTags(tx, record.id, record.tags);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>>
MySqlCustomerRepository::FindIdentifierOwner(Transaction& tx,
                                             IdentifierKind kind,
                                             absl::string_view value_hash,
                                             bool lock) {
  CachedStatement select = Prepare(
      tx,
      absl::StrCat("SELECT customer_id FROM customer_identifiers WHERE kind = "
                   "? AND value_hash = ?",
                   lock ? " FOR UPDATE" : ""));
  select->setString(1, std::string(IdentifierKindName(kind)));
  select->setString(2, std::string(value_hash));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::optional<std::string>();
  return std::optional<std::string>(
      rows->getString("customer_id").asStdString());
}

absl::StatusOr<std::vector<std::optional<std::string>>>
MySqlCustomerRepository::FindIdentifierOwners(
    Transaction& tx, const std::vector<IdentifierClaim>& identifiers) {
  // (kind, value_hash) -> owner of every identifier found.
  std::map<std::pair<std::string, std::string>, std::string> owners;
  // One IN list per kind under its own `kind = ?`, so the server reads one
  // primary-key entry per listed hash (a kind IN list times a hash IN list
  // would probe every hash under every kind). Each list is padded to the
  // same power of two by repeating its last hash (an empty one by a hash no
  // row has), so a look-up of up to kMaxPerKind hashes of each kind is one
  // statement of few shapes.
  constexpr size_t kMaxPerKind = 128;
  constexpr IdentifierKind kKinds[] = {IdentifierKind::kEmail,
                                       IdentifierKind::kPhone,
                                       IdentifierKind::kExternal};
  static_assert(static_cast<int>(IdentifierKind::kEmail) == 0 &&
                    static_cast<int>(IdentifierKind::kPhone) == 1 &&
                    static_cast<int>(IdentifierKind::kExternal) == 2,
                "kKinds[k] is IdentifierKind(k)");
  // hashes[k]: the hashes of kind kKinds[k].
  std::vector<std::string> hashes[3];
  for (const IdentifierClaim& identifier : identifiers) {
    hashes[static_cast<size_t>(identifier.kind)].push_back(
        identifier.value_hash);
  }
  const size_t longest =
      std::max({hashes[0].size(), hashes[1].size(), hashes[2].size()});
  for (size_t start = 0; start < longest; start += kMaxPerKind) {
    size_t count[3];
    for (size_t k = 0; k < 3; ++k) {
      count[k] = hashes[k].size() > start
                     ? std::min(kMaxPerKind, hashes[k].size() - start)
                     : 0;
    }
    const size_t padded =
        crm::common::SqlPaddedCount(std::max({count[0], count[1], count[2]}));
    const std::string list = crm::common::SqlPlaceholders(padded);
    CachedStatement select = Prepare(
        tx, absl::StrCat("SELECT kind, value_hash, customer_id FROM "
                         "customer_identifiers WHERE (kind = ? AND value_hash "
                         "IN (",
                         list, ")) OR (kind = ? AND value_hash IN (", list,
                         ")) OR (kind = ? AND value_hash IN (", list, "))"));
    int index = 1;
    for (size_t k = 0; k < 3; ++k) {
      select->setString(index++, std::string(IdentifierKindName(kKinds[k])));
      for (size_t i = 0; i < padded; ++i) {
        select->setString(index++,
                          count[k] == 0
                              ? std::string()
                              : hashes[k][start + std::min(i, count[k] - 1)]);
      }
    }
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      owners[{rows->getString(1).asStdString(),
              rows->getString(2).asStdString()}] =
          rows->getString(3).asStdString();
    }
  }
  std::vector<std::optional<std::string>> result;
  result.reserve(identifiers.size());
  for (const IdentifierClaim& identifier : identifiers) {
    auto found = owners.find({std::string(IdentifierKindName(identifier.kind)),
                              identifier.value_hash});
    result.push_back(found == owners.end()
                         ? std::nullopt
                         : std::optional<std::string>(found->second));
  }
  return result;
}

absl::StatusOr<int64_t> MySqlCustomerRepository::ClaimNewIdentifiers(
    Transaction& tx, const std::vector<IdentifierClaim>& unordered) {
  // In key order, so concurrent batches lock index entries in one order
  // (fewer deadlocks).
  std::vector<const IdentifierClaim*> claims;
  claims.reserve(unordered.size());
  for (const IdentifierClaim& claim : unordered) claims.push_back(&claim);
  std::sort(claims.begin(), claims.end(),
            [](const IdentifierClaim* a, const IdentifierClaim* b) {
              return std::tie(a->kind, a->value_hash) <
                     std::tie(b->kind, b->value_hash);
            });
  // One padded statement per kMaxPaddedRows claims: a repeated row is a
  // duplicate INSERT IGNORE skips, so the affected rows still count the
  // claims taken.
  int64_t claimed = 0;
  for (const crm::common::SqlPaddedChunk& chunk :
       crm::common::SqlPaddedChunks(claims.size(), kMaxPaddedRows)) {
    CachedStatement insert = Prepare(
        tx, MultiRowValues("INSERT IGNORE INTO customer_identifiers (kind, "
                           "value_hash, customer_id) VALUES ",
                           chunk.padded, 3));
    int index = 1;
    for (size_t k = 0; k < chunk.padded; ++k) {
      const IdentifierClaim& claim = *claims[chunk.Row(k)];
      insert->setString(index++, std::string(IdentifierKindName(claim.kind)));
      insert->setString(index++, claim.value_hash);
      insert->setString(index++, claim.customer_id);
    }
    claimed += insert->executeUpdate();
  }
  return claimed;
}

absl::StatusOr<std::string> MySqlCustomerRepository::ClaimIdentifier(
    Transaction& tx, IdentifierKind kind, absl::string_view value_hash,
    absl::string_view customer_id) {
  CachedStatement insert =
      Prepare(tx,
              "INSERT IGNORE INTO customer_identifiers (kind, value_hash, "
              "customer_id) VALUES (?, ?, ?)");
  insert->setString(1, std::string(IdentifierKindName(kind)));
  insert->setString(2, std::string(value_hash));
  insert->setString(3, std::string(customer_id));
  if (insert->executeUpdate() == 1) return std::string(customer_id);
  CRM_ASSIGN_OR_RETURN(std::optional<std::string> owner,
                       FindIdentifierOwner(tx, kind, value_hash, true));
  if (!owner.has_value()) {
    return crm::common::ErrorWithReason(
        absl::AbortedError("identifier claim raced with a release"),
        crm::type::v1::CONCURRENCY_CONFLICT);
  }
  return *owner;
}

absl::Status MySqlCustomerRepository::ReleaseIdentifiers(
    Transaction& tx, absl::string_view customer_id, IdentifierKind kind,
    const std::vector<std::string>& keep) {
  std::string text =
      "DELETE FROM customer_identifiers WHERE customer_id = ? AND kind = ?";
  if (!keep.empty()) {
    std::vector<std::string> marks(keep.size(), "?");
    absl::StrAppend(&text, " AND value_hash NOT IN (",
                    absl::StrJoin(marks, ", "), ")");
  }
  CachedStatement remove = Prepare(tx, text);
  remove->setString(1, std::string(customer_id));
  remove->setString(2, std::string(IdentifierKindName(kind)));
  int index = 3;
  for (const std::string& hash : keep) remove->setString(index++, hash);
  remove->executeUpdate();
  return absl::OkStatus();
}

absl::Status MySqlCustomerRepository::ReleaseAllIdentifiers(
    Transaction& tx, absl::string_view customer_id) {
  CachedStatement remove =
      Prepare(tx, "DELETE FROM customer_identifiers WHERE customer_id = ?");
  remove->setString(1, std::string(customer_id));
  remove->executeUpdate();
  return absl::OkStatus();
}

absl::Status MySqlCustomerRepository::MoveIdentifiers(Transaction& tx,
                                                      absl::string_view from_id,
                                                      absl::string_view to_id) {
  CachedStatement move = Prepare(
      tx,
      "UPDATE customer_identifiers SET customer_id = ? WHERE customer_id = ?");
  move->setString(1, std::string(to_id));
  move->setString(2, std::string(from_id));
  move->executeUpdate();
  return absl::OkStatus();
}

absl::StatusOr<Page<CustomerRecord>> MySqlCustomerRepository::List(
    Transaction& tx, const crm::common::filter::Filter& filter,
    CustomerOrder order, const PageRequest& page) {
  const bool by_update = order == CustomerOrder::kUpdateTimeDesc ||
                         order == CustomerOrder::kUpdateTimeAsc;
  const bool descending = order == CustomerOrder::kCreateTimeDesc ||
                          order == CustomerOrder::kUpdateTimeDesc;
  const std::string time_column = by_update ? "update_time" : "create_time";
  CRM_ASSIGN_OR_RETURN(
      crm::common::filter::SqlCondition where,
      crm::common::filter::CompileToSql(filter, CustomerSqlFieldMap()));
  std::vector<std::string> conditions = {absl::StrCat("(", where.clause, ")")};
  // Parameters after the filter's, all bound as strings, in the order of the
  // conditions that follow.
  std::vector<std::string> values;
  if (!crm::common::filter::MentionsField(filter, "state")) {
    conditions.push_back("customers.state = ?");
    values.push_back(v1::Customer::State_Name(v1::Customer::ACTIVE));
  }
  // Keyset: strictly after the last row of the previous page.
  const char* cmp = descending ? "<" : ">";
  conditions.push_back(absl::StrCat("(customers.", time_column, " ", cmp,
                                    " ? OR (customers.", time_column,
                                    " = ? AND customers.id ", cmp, " ?))"));
  if (page.after.has_value()) {
    values.push_back(FormatSqlDatetime(page.after->create_time));
    values.push_back(FormatSqlDatetime(page.after->create_time));
    values.push_back(page.after->id);
  } else {
    const std::string edge = descending ? "9999-12-31 23:59:59.999999"
                                        : "0001-01-01 00:00:00.000000";
    values.push_back(edge);
    values.push_back(edge);
    values.push_back(descending ? "\x7f" : "");
  }
  const char* direction = descending ? "DESC" : "ASC";
  const std::string text =
      absl::StrCat(kColumns, " WHERE ", absl::StrJoin(conditions, " AND "),
                   " ORDER BY customers.", time_column, " ", direction,
                   ", customers.id ", direction, " LIMIT ?");
  CachedStatement select = Prepare(tx, text);
  int index = crm::common::filter::BindSqlParams(*select, where.params, 1);
  for (const std::string& value : values) select->setString(index++, value);
  select->setInt(index, page.page_size + 1);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<CustomerRecord> records;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(CustomerRecord record, RecordFromRow(*rows));
    records.push_back(std::move(record));
  }
  return crm::common::MakePage<CustomerRecord>(
      std::move(records), page.page_size,
      [by_update](const CustomerRecord& record) {
        return KeysetPosition{
            by_update ? record.update_time : record.create_time, record.id};
      });
}

absl::StatusOr<std::vector<DuplicatePair>>
MySqlCustomerRepository::FindDuplicatePairs(
    Transaction& tx,
    const std::optional<std::pair<std::string, std::string>>& after,
    int limit) {
  CachedStatement select = Prepare(
      tx,
      "SELECT a.id AS older_id, b.id AS newer_id, "
      "COALESCE(a.email_bidx = b.email_bidx, 0) AS same_email, "
      "COALESCE(a.phone_bidx = b.phone_bidx, 0) AS same_phone, "
      "COALESCE(a.name_birth_bidx = b.name_birth_bidx, 0) AS same_name "
      "FROM customers a JOIN customers b ON "
      "(a.email_bidx = b.email_bidx OR a.phone_bidx = b.phone_bidx OR "
      "a.name_birth_bidx = b.name_birth_bidx) AND a.id <> b.id AND "
      "(a.create_time < b.create_time OR (a.create_time = b.create_time AND "
      "a.id < b.id)) "
      "WHERE a.state = 'ACTIVE' AND b.state = 'ACTIVE' AND "
      "(a.id > ? OR (a.id = ? AND b.id > ?)) "
      "ORDER BY a.id, b.id LIMIT ?");
  select->setString(1, after.has_value() ? after->first : "");
  select->setString(2, after.has_value() ? after->first : "");
  select->setString(3, after.has_value() ? after->second : "");
  select->setInt(4, limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<DuplicatePair> pairs;
  while (rows->next()) {
    DuplicatePair pair;
    pair.older_id = rows->getString("older_id").asStdString();
    pair.newer_id = rows->getString("newer_id").asStdString();
    pair.same_email = rows->getInt("same_email") != 0;
    pair.same_phone = rows->getInt("same_phone") != 0;
    pair.same_name_and_birth_date = rows->getInt("same_name") != 0;
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

absl::StatusOr<std::vector<ChannelCount>>
MySqlCustomerRepository::CountActiveByChannel(Transaction& tx) {
  // Read from the index (state, source_channel) alone (migration 0004).
  CachedStatement select =
      Prepare(tx,
              "SELECT source_channel, COUNT(*) AS n FROM customers "
              "WHERE state = 'ACTIVE' GROUP BY source_channel "
              "ORDER BY n DESC, source_channel");
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<ChannelCount> channels;
  while (rows->next()) {
    channels.push_back(ChannelCount{rows->getString(1).asStdString(),
                                    static_cast<int64_t>(rows->getInt64(2))});
  }
  return channels;
}

absl::StatusOr<std::vector<MonthCount>>
MySqlCustomerRepository::CountActiveCreatedByMonth(Transaction& tx,
                                                   absl::Time since) {
  // A range of the index (state, create_time) alone (migration 0004);
  // create_time is UTC, so its year and month are the UTC month's.
  CachedStatement select = Prepare(
      tx,
      "SELECT DATE_FORMAT(create_time, '%Y-%m') AS month, COUNT(*) AS n "
      "FROM customers WHERE state = 'ACTIVE' AND create_time >= ? "
      "GROUP BY month ORDER BY month");
  select->setString(1, FormatSqlDatetime(since));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<MonthCount> months;
  while (rows->next()) {
    MonthCount count;
    if (!absl::ParseCivilTime(rows->getString(1).asStdString(), &count.month)) {
      return absl::InternalError("customers: unreadable creation month");
    }
    count.count = rows->getInt64(2);
    months.push_back(count);
  }
  return months;
}

absl::Status MySqlCustomerRepository::RepointMerged(Transaction& tx,
                                                    absl::string_view from_id,
                                                    absl::string_view to_id) {
  CachedStatement update =
      Prepare(tx, "UPDATE customers SET merged_into = ? WHERE merged_into = ?");
  update->setString(1, std::string(to_id));
  update->setString(2, std::string(from_id));
  update->executeUpdate();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> MySqlCustomerRepository::MergedInto(
    Transaction& tx, absl::string_view survivor_id) {
  CachedStatement select = Prepare(
      tx,
      "SELECT id FROM customers WHERE merged_into = ? ORDER BY create_time, "
      "id");
  select->setString(1, std::string(survivor_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<std::string> ids;
  while (rows->next()) ids.push_back(rows->getString("id").asStdString());
  return ids;
}

absl::Status MySqlCustomerRepository::InsertMergeAudit(
    Transaction& tx, absl::string_view survivor_id,
    absl::string_view duplicate_id, absl::Time merge_time,
    absl::string_view fields_taken) {
  CachedStatement insert = Prepare(
      tx,
      "INSERT INTO customer_merges (duplicate_id, survivor_id, merge_time, "
      "fields_taken) VALUES (?, ?, ?, ?)");
  insert->setString(1, std::string(duplicate_id));
  insert->setString(2, std::string(survivor_id));
  insert->setString(3, FormatSqlDatetime(merge_time));
  insert->setString(4, std::string(fields_taken));
  insert->executeUpdate();
  return absl::OkStatus();
}

}  // namespace crm::customer_profile

#include "services/segmentation/mysql_segment_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/mysql_errors.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::segmentation {
namespace {

using ::crm::common::FormatSqlDatetime;
using ::crm::common::KeysetPosition;
using ::crm::common::Page;
using ::crm::common::PageRequest;
using ::crm::common::ParseSqlDatetime;
using ::crm::common::Transaction;
using ::crm::common::TruncateToMicros;

constexpr char kSelectColumns[] =
    "SELECT id, display_name, description, rule, create_time, update_time, "
    "version FROM segments";

// The segment in the current row of `rows` (selected with kSelectColumns).
absl::StatusOr<SegmentRecord> SegmentFromRow(sql::ResultSet& rows) {
  SegmentRecord segment;
  segment.id = rows.getString("id").asStdString();
  segment.display_name = rows.getString("display_name").asStdString();
  segment.description = rows.getString("description").asStdString();
  segment.rule = rows.getString("rule").asStdString();
  CRM_ASSIGN_OR_RETURN(
      segment.create_time,
      ParseSqlDatetime(rows.getString("create_time").asStdString()));
  CRM_ASSIGN_OR_RETURN(
      segment.update_time,
      ParseSqlDatetime(rows.getString("update_time").asStdString()));
  segment.version = rows.getInt64("version");
  return segment;
}

KeysetPosition PositionOf(const SegmentRecord& segment) {
  return KeysetPosition{segment.create_time, segment.id};
}

}  // namespace

absl::Status MySqlSegmentRepository::Insert(Transaction& tx,
                                            const SegmentRecord& segment) {
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO segments (id, display_name, description, rule, "
      "create_time, update_time, version) VALUES (?, ?, ?, ?, ?, ?, ?)");
  insert->setString(1, segment.id);
  insert->setString(2, segment.display_name);
  insert->setString(3, segment.description);
  insert->setString(4, segment.rule);
  insert->setString(5,
                    FormatSqlDatetime(TruncateToMicros(segment.create_time)));
  insert->setString(6,
                    FormatSqlDatetime(TruncateToMicros(segment.update_time)));
  insert->setInt64(7, segment.version);
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != common::kMySqlDuplicateKeyError) throw;
    return absl::AlreadyExistsError(
        "a segment with this display_name or id exists");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<SegmentRecord>> MySqlSegmentRepository::Find(
    Transaction& tx, absl::string_view id) {
  crm::common::CachedStatement select =
      crm::common::Prepared(tx, absl::StrCat(kSelectColumns, " WHERE id = ?"));
  select->setString(1, std::string(id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CRM_ASSIGN_OR_RETURN(SegmentRecord segment, SegmentFromRow(*rows));
  return segment;
}

absl::StatusOr<std::optional<SegmentRecord>>
MySqlSegmentRepository::FindForUpdate(Transaction& tx, absl::string_view id) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kSelectColumns, " WHERE id = ? FOR UPDATE"));
  select->setString(1, std::string(id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CRM_ASSIGN_OR_RETURN(SegmentRecord segment, SegmentFromRow(*rows));
  return segment;
}

absl::Status MySqlSegmentRepository::Update(Transaction& tx,
                                            const SegmentRecord& segment) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx,
      "UPDATE segments SET display_name = ?, description = ?, rule = ?, "
      "update_time = ?, version = ? WHERE id = ?");
  update->setString(1, segment.display_name);
  update->setString(2, segment.description);
  update->setString(3, segment.rule);
  update->setString(4,
                    FormatSqlDatetime(TruncateToMicros(segment.update_time)));
  update->setInt64(5, segment.version);
  update->setString(6, segment.id);
  int changed = 0;
  try {
    changed = update->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != common::kMySqlDuplicateKeyError) throw;
    return absl::AlreadyExistsError("another segment has this display_name");
  }
  // The version always changes, so a stored row always counts as changed.
  if (changed == 0) return absl::NotFoundError("no segment with this id");
  return absl::OkStatus();
}

absl::Status MySqlSegmentRepository::Delete(Transaction& tx,
                                            absl::string_view id) {
  crm::common::CachedStatement remove =
      crm::common::Prepared(tx, "DELETE FROM segments WHERE id = ?");
  remove->setString(1, std::string(id));
  if (remove->executeUpdate() == 0) {
    return absl::NotFoundError("no segment with this id");
  }
  return absl::OkStatus();
}

absl::StatusOr<Page<SegmentRecord>> MySqlSegmentRepository::List(
    Transaction& tx, const PageRequest& page) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      absl::StrCat(kSelectColumns,
                   " WHERE (create_time < ? OR (create_time = ? AND id < ?))"
                   " ORDER BY create_time DESC, id DESC LIMIT ?"));
  crm::common::BindKeysetAfter(*select, 1, page.after);
  select->setInt(4, page.page_size + 1);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<SegmentRecord> segments;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(SegmentRecord segment, SegmentFromRow(*rows));
    segments.push_back(std::move(segment));
  }
  return crm::common::MakePage<SegmentRecord>(std::move(segments),
                                              page.page_size, PositionOf);
}

absl::StatusOr<std::vector<SegmentRecord>> MySqlSegmentRepository::ListAll(
    Transaction& tx) {
  crm::common::CachedStatement select =
      crm::common::Prepared(tx, absl::StrCat(kSelectColumns, " ORDER BY id"));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<SegmentRecord> segments;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(SegmentRecord segment, SegmentFromRow(*rows));
    segments.push_back(std::move(segment));
  }
  return segments;
}

}  // namespace crm::segmentation

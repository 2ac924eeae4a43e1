#include "services/segmentation/mysql_membership_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_batches.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/segmentation/mysql_id_lists.h"

namespace crm::segmentation {
namespace {

using ::crm::common::CachedStatement;
using ::crm::common::FormatSqlDatetime;
using ::crm::common::ParseSqlDatetime;
using ::crm::common::Prepared;
using ::crm::common::Transaction;
using ::crm::common::TruncateToMicros;

// Rows per multi-row statement of a batch.
constexpr size_t kMaxRowsPerStatement = 256;

const char* KindName(MembershipChangeKind kind) {
  return kind == MembershipChangeKind::kEntered ? "ENTERED" : "LEFT";
}

const char* ReasonName(MembershipChangeReason reason) {
  return reason == MembershipChangeReason::kMerged ? "MERGED" : "RULE";
}

absl::StatusOr<std::vector<MembershipRecord>> MembershipsOf(
    sql::ResultSet& rows) {
  std::vector<MembershipRecord> memberships;
  while (rows.next()) {
    MembershipRecord membership;
    membership.segment_id = rows.getString("segment_id").asStdString();
    membership.customer_id = rows.getString("customer_id").asStdString();
    CRM_ASSIGN_OR_RETURN(
        membership.enter_time,
        ParseSqlDatetime(rows.getString("enter_time").asStdString()));
    memberships.push_back(std::move(membership));
  }
  return memberships;
}

}  // namespace

absl::StatusOr<std::vector<MembershipRecord>>
MySqlMembershipRepository::ListOfCustomer(Transaction& tx,
                                          absl::string_view customer_id) {
  CachedStatement select = Prepared(
      tx,
      "SELECT segment_id, customer_id, enter_time FROM segment_memberships "
      "WHERE customer_id = ? ORDER BY segment_id");
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  return MembershipsOf(*rows);
}

absl::StatusOr<std::vector<MembershipRecord>>
MySqlMembershipRepository::ListOfSegment(Transaction& tx,
                                         absl::string_view segment_id,
                                         absl::string_view after, int limit) {
  CachedStatement select = Prepared(
      tx,
      "SELECT segment_id, customer_id, enter_time FROM segment_memberships "
      "WHERE segment_id = ? AND customer_id > ? ORDER BY customer_id LIMIT ?");
  select->setString(1, std::string(segment_id));
  select->setString(2, std::string(after));
  select->setInt(3, limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  return MembershipsOf(*rows);
}

absl::StatusOr<int64_t> MySqlMembershipRepository::CountOfSegment(
    Transaction& tx, absl::string_view segment_id) {
  // Counted on the index (segment_id, customer_id).
  CachedStatement select = Prepared(
      tx, "SELECT COUNT(*) AS n FROM segment_memberships WHERE segment_id = ?");
  select->setString(1, std::string(segment_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return 0;
  return static_cast<int64_t>(rows->getInt64("n"));
}

absl::StatusOr<std::vector<DailyNetChange>>
MySqlMembershipRepository::NetChangesByDay(Transaction& tx,
                                           absl::string_view segment_id,
                                           absl::Time from, absl::Time to) {
  // A range of the covering index (segment_id, change_time, kind); times are
  // stored in UTC, so DATE() is the UTC day.
  CachedStatement select = Prepared(
      tx,
      "SELECT DATE_FORMAT(change_time, '%Y-%m-%d') AS day, "
      "CAST(SUM(CASE kind WHEN 'ENTERED' THEN 1 WHEN 'LEFT' THEN -1 ELSE 0 "
      "END) AS SIGNED) AS net FROM segment_membership_changes "
      "WHERE segment_id = ? AND change_time >= ? AND change_time < ? "
      "GROUP BY DATE(change_time) ORDER BY DATE(change_time)");
  select->setString(1, std::string(segment_id));
  select->setString(2, FormatSqlDatetime(TruncateToMicros(from)));
  select->setString(3, FormatSqlDatetime(TruncateToMicros(to)));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<DailyNetChange> days;
  while (rows->next()) {
    DailyNetChange change;
    if (!absl::ParseCivilTime(rows->getString("day").asStdString(),
                              &change.day)) {
      return absl::DataLossError("segment_membership_changes: bad day");
    }
    change.net = rows->getInt64("net");
    days.push_back(change);
  }
  return days;
}

absl::Status MySqlMembershipRepository::Insert(
    Transaction& tx, const MembershipRecord& membership) {
  CachedStatement insert = Prepared(
      tx,
      "INSERT IGNORE INTO segment_memberships (customer_id, segment_id, "
      "enter_time) VALUES (?, ?, ?)");
  insert->setString(1, membership.customer_id);
  insert->setString(2, membership.segment_id);
  insert->setString(3,
                    FormatSqlDatetime(TruncateToMicros(membership.enter_time)));
  insert->executeUpdate();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::vector<MembershipRecord>>>
MySqlMembershipRepository::ListOfCustomers(
    Transaction& tx, const std::vector<std::string>& customer_ids) {
  std::vector<std::vector<MembershipRecord>> found(customer_ids.size());
  IdPositions positions(customer_ids);
  for (const IdFilter& filter : IdFilters(customer_ids, "customer_id")) {
    CachedStatement select = Prepared(
        tx,
        absl::StrCat("SELECT customer_id, segment_id, "
                     "TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', "
                     "enter_time) FROM segment_memberships WHERE ",
                     filter.condition, " ORDER BY customer_id, segment_id"));
    filter.Bind(*select, 1, customer_ids);
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      const std::optional<size_t> at =
          positions.Find(rows->getString(1).asStdString());
      if (!at.has_value()) continue;
      found[*at].push_back(MembershipRecord{
          .segment_id = rows->getString(2).asStdString(),
          .customer_id = customer_ids[*at],
          .enter_time = absl::FromUnixMicros(rows->getInt64(3))});
    }
  }
  return found;
}

absl::Status MySqlMembershipRepository::InsertMany(
    Transaction& tx, const std::vector<MembershipRecord>& memberships) {
  // Padded (sql_batches.h): INSERT IGNORE skips a repeated row.
  for (const crm::common::SqlPaddedChunk& chunk :
       crm::common::SqlPaddedChunks(memberships.size(), kMaxRowsPerStatement)) {
    CachedStatement insert = Prepared(
        tx, absl::StrCat("INSERT IGNORE INTO segment_memberships "
                         "(customer_id, segment_id, enter_time) VALUES ",
                         crm::common::SqlRowPlaceholders(chunk.padded, 3)));
    int column = 1;
    for (size_t k = 0; k < chunk.padded; ++k) {
      const size_t i = chunk.Row(k);
      insert->setString(column++, memberships[i].customer_id);
      insert->setString(column++, memberships[i].segment_id);
      insert->setString(
          column++,
          FormatSqlDatetime(TruncateToMicros(memberships[i].enter_time)));
    }
    insert->executeUpdate();
  }
  return absl::OkStatus();
}

absl::Status MySqlMembershipRepository::RemoveMany(
    Transaction& tx, const std::vector<MembershipRecord>& memberships) {
  // Padded (sql_batches.h): a repeated key deletes nothing more.
  for (const crm::common::SqlPaddedChunk& chunk :
       crm::common::SqlPaddedChunks(memberships.size(), kMaxRowsPerStatement)) {
    // Primary-key point ranges (the optimizer's range access on an OR of
    // equalities).
    CachedStatement remove = Prepared(
        tx,
        absl::StrCat("DELETE FROM segment_memberships WHERE ",
                     absl::StrJoin(std::vector<std::string>(
                                       chunk.padded,
                                       "(customer_id = ? AND segment_id = ?)"),
                                   " OR ")));
    int column = 1;
    for (size_t k = 0; k < chunk.padded; ++k) {
      const size_t i = chunk.Row(k);
      remove->setString(column++, memberships[i].customer_id);
      remove->setString(column++, memberships[i].segment_id);
    }
    remove->executeUpdate();
  }
  return absl::OkStatus();
}

absl::Status MySqlMembershipRepository::AppendChanges(
    Transaction& tx, const std::vector<MembershipChangeRecord>& changes) {
  // Rows of one INSERT get ascending seq values in VALUES order.
  for (const crm::common::SqlChunk& chunk :
       crm::common::SqlChunks(changes.size(), kMaxRowsPerStatement)) {
    CachedStatement insert = Prepared(
        tx, absl::StrCat("INSERT INTO segment_membership_changes "
                         "(customer_id, change_time, segment_id, kind, "
                         "reason) VALUES ",
                         crm::common::SqlRowPlaceholders(chunk.size, 5)));
    int column = 1;
    for (size_t i = chunk.begin; i < chunk.begin + chunk.size; ++i) {
      const MembershipChangeRecord& change = changes[i];
      insert->setString(column++, change.customer_id);
      insert->setString(column++,
                        FormatSqlDatetime(TruncateToMicros(change.time)));
      insert->setString(column++, change.segment_id);
      insert->setString(column++, KindName(change.kind));
      insert->setString(column++, ReasonName(change.reason));
    }
    insert->executeUpdate();
  }
  return absl::OkStatus();
}

absl::Status MySqlMembershipRepository::Remove(Transaction& tx,
                                               absl::string_view customer_id,
                                               absl::string_view segment_id) {
  CachedStatement remove =
      Prepared(tx,
               "DELETE FROM segment_memberships WHERE customer_id = ? AND "
               "segment_id = ?");
  remove->setString(1, std::string(customer_id));
  remove->setString(2, std::string(segment_id));
  remove->executeUpdate();
  return absl::OkStatus();
}

absl::Status MySqlMembershipRepository::AppendChange(
    Transaction& tx, const MembershipChangeRecord& change) {
  CachedStatement insert = Prepared(
      tx,
      "INSERT INTO segment_membership_changes (customer_id, change_time, "
      "segment_id, kind, reason) VALUES (?, ?, ?, ?, ?)");
  insert->setString(1, change.customer_id);
  insert->setString(2, FormatSqlDatetime(TruncateToMicros(change.time)));
  insert->setString(3, change.segment_id);
  insert->setString(4, KindName(change.kind));
  insert->setString(5, ReasonName(change.reason));
  insert->executeUpdate();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<MembershipChangeRecord>>
MySqlMembershipRepository::ListChanges(Transaction& tx,
                                       absl::string_view customer_id) {
  CachedStatement select =
      Prepared(tx,
               "SELECT change_time, segment_id, kind, reason FROM "
               "segment_membership_changes WHERE customer_id = ? "
               "ORDER BY change_time, seq");
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<MembershipChangeRecord> changes;
  while (rows->next()) {
    MembershipChangeRecord change;
    change.customer_id = std::string(customer_id);
    CRM_ASSIGN_OR_RETURN(
        change.time,
        ParseSqlDatetime(rows->getString("change_time").asStdString()));
    change.segment_id = rows->getString("segment_id").asStdString();
    change.kind = rows->getString("kind").asStdString() == "LEFT"
                      ? MembershipChangeKind::kLeft
                      : MembershipChangeKind::kEntered;
    change.reason = rows->getString("reason").asStdString() == "MERGED"
                        ? MembershipChangeReason::kMerged
                        : MembershipChangeReason::kRule;
    changes.push_back(std::move(change));
  }
  return changes;
}

absl::Status MySqlMembershipRepository::DeleteCustomer(
    Transaction& tx, absl::string_view customer_id) {
  for (const char* statement : {
           "DELETE FROM segment_memberships WHERE customer_id = ?",
           "DELETE FROM segment_membership_changes WHERE customer_id = ?",
       }) {
    CachedStatement remove = Prepared(tx, statement);
    remove->setString(1, std::string(customer_id));
    remove->executeUpdate();
  }
  return absl::OkStatus();
}

absl::Status MySqlMembershipRepository::DeleteSegment(
    Transaction& tx, absl::string_view segment_id) {
  // Both by the segment's indexes (segment_memberships_by_segment,
  // segment_membership_changes_by_segment).
  for (const char* statement : {
           "DELETE FROM segment_memberships WHERE segment_id = ?",
           "DELETE FROM segment_membership_changes WHERE segment_id = ?",
       }) {
    CachedStatement remove = Prepared(tx, statement);
    remove->setString(1, std::string(segment_id));
    remove->executeUpdate();
  }
  return absl::OkStatus();
}

}  // namespace crm::segmentation

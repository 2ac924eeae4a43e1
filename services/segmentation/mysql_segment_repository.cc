#include "services/segmentation/mysql_segment_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/etag.h"
#include "services/common/idempotency_store.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"
#include "services/segmentation/segment_validation.h"

namespace crm::segmentation {
namespace {

using ::crm::common::FormatSqlDatetime;
using ::crm::common::KeysetPosition;
using ::crm::common::Page;
using ::crm::common::PageRequest;

constexpr int64_t kFirstVersion = 1;
constexpr int kDuplicateKeyError = 1062;

constexpr char kSelectColumns[] =
    "SELECT id, display_name, description, rule, create_time, update_time, "
    "version FROM segments";

// The segment in the current row of `rows` (selected with kSelectColumns).
absl::StatusOr<v1::Segment> SegmentFromRow(sql::ResultSet& rows) {
  v1::Segment segment;
  segment.set_name(SegmentName(rows.getString("id").asStdString()));
  segment.set_display_name(rows.getString("display_name").asStdString());
  segment.set_description(rows.getString("description").asStdString());
  segment.set_rule(rows.getString("rule").asStdString());
  CRM_ASSIGN_OR_RETURN(absl::Time create_time,
                       crm::common::ParseSqlDatetime(
                           rows.getString("create_time").asStdString()));
  CRM_ASSIGN_OR_RETURN(absl::Time update_time,
                       crm::common::ParseSqlDatetime(
                           rows.getString("update_time").asStdString()));
  *segment.mutable_create_time() = crm::common::ToProtoTimestamp(create_time);
  *segment.mutable_update_time() = crm::common::ToProtoTimestamp(update_time);
  segment.set_etag(crm::common::EncodeEtag(rows.getInt64("version")));
  return segment;
}

KeysetPosition PositionOf(const v1::Segment& segment) {
  return KeysetPosition{crm::common::FromProtoTimestamp(segment.create_time()),
                        segment.name().substr(SegmentName("").size())};
}

}  // namespace

absl::StatusOr<v1::Segment> MySqlSegmentRepository::Create(
    const v1::Segment& segment, const v1::CreateSegmentRequest& request) {
  return crm::common::RunIdempotent<v1::Segment>(
      pool_, clock_, "CreateSegment", request.request_id(), request,
      [&](sql::Connection& connection) -> absl::StatusOr<v1::Segment> {
        const std::string id = ids_.NewId();
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        std::unique_ptr<sql::PreparedStatement> insert(
            connection.prepareStatement(
                "INSERT INTO segments (id, display_name, description, rule, "
                "create_time, update_time, version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)"));
        insert->setString(1, id);
        insert->setString(2, segment.display_name());
        insert->setString(3, segment.description());
        insert->setString(4, segment.rule());
        insert->setString(5, FormatSqlDatetime(now));
        insert->setString(6, FormatSqlDatetime(now));
        insert->setInt64(7, kFirstVersion);
        try {
          insert->executeUpdate();
        } catch (const sql::SQLException& e) {
          // The only unique key besides the random primary key.
          if (e.getErrorCode() != kDuplicateKeyError) throw;
          return absl::AlreadyExistsError(
              "segment.display_name is already used by another segment");
        }

        v1::Segment stored = segment;
        stored.set_name(SegmentName(id));
        *stored.mutable_create_time() = crm::common::ToProtoTimestamp(now);
        *stored.mutable_update_time() = crm::common::ToProtoTimestamp(now);
        stored.set_etag(crm::common::EncodeEtag(kFirstVersion));
        return stored;
      });
}

absl::StatusOr<v1::Segment> MySqlSegmentRepository::Get(absl::string_view id) {
  return crm::common::WithConnection<v1::Segment>(
      pool_, [&](sql::Connection& connection) -> absl::StatusOr<v1::Segment> {
        std::unique_ptr<sql::PreparedStatement> select(
            connection.prepareStatement(
                absl::StrCat(kSelectColumns, " WHERE id = ?")));
        select->setString(1, std::string(id));
        std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
        if (!rows->next()) {
          return absl::NotFoundError(
              absl::StrCat(SegmentName(id), " was not found"));
        }
        return SegmentFromRow(*rows);
      });
}

absl::StatusOr<Page<v1::Segment>> MySqlSegmentRepository::List(
    const PageRequest& page) {
  return crm::common::WithConnection<Page<v1::Segment>>(
      pool_,
      [&](sql::Connection& connection) -> absl::StatusOr<Page<v1::Segment>> {
        std::unique_ptr<sql::PreparedStatement> select(
            connection.prepareStatement(absl::StrCat(
                kSelectColumns,
                " WHERE (create_time < ? OR (create_time = ? AND id < ?))"
                " ORDER BY create_time DESC, id DESC LIMIT ?")));
        crm::common::BindKeysetAfter(*select, 1, page.after);
        select->setInt(4, page.page_size + 1);
        std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
        std::vector<v1::Segment> segments;
        while (rows->next()) {
          CRM_ASSIGN_OR_RETURN(v1::Segment segment, SegmentFromRow(*rows));
          segments.push_back(std::move(segment));
        }
        return crm::common::MakePage<v1::Segment>(std::move(segments),
                                                  page.page_size, PositionOf);
      });
}

}  // namespace crm::segmentation

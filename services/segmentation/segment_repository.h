// Storage of segment definitions: the record as stored, and the interface
// the segment manager (segment_manager.h) uses inside a unit of work. The
// MySQL implementation is MySqlSegmentRepository
// (mysql_segment_repository.h); unit tests use the in-memory fake in
// tests/testing/fakes/segmentation/.
//
//   CRM_RETURN_IF_ERROR(segments.Insert(tx, record));
//   CRM_ASSIGN_OR_RETURN(std::optional<SegmentRecord> found,
//                        segments.Find(tx, id));
//
// The repository stores what it is given: it validates nothing, makes no id
// and knows no resource name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/keyset_page.h"
#include "services/common/unit_of_work.h"

namespace crm::segmentation {

// One segment definition as stored (its fields as in
// crm.segmentation.v1.Segment); `version` is its etag.
struct SegmentRecord {
  std::string id;
  std::string display_name;
  std::string description;
  std::string rule;
  absl::Time create_time;
  absl::Time update_time;
  int64_t version = 0;
};

class SegmentRepository {
 public:
  SegmentRepository(const SegmentRepository&) = delete;
  SegmentRepository& operator=(const SegmentRepository&) = delete;
  virtual ~SegmentRepository() = default;

  // Stores `segment` (times with microsecond precision). ALREADY_EXISTS if
  // another segment has the same display_name (compared case-insensitively)
  // or the same id; nothing is written then.
  virtual absl::Status Insert(crm::common::Transaction& tx,
                              const SegmentRecord& segment) = 0;

  // The segment with id `id`; nullopt if none.
  virtual absl::StatusOr<std::optional<SegmentRecord>> Find(
      crm::common::Transaction& tx, absl::string_view id) = 0;

  // As Find(), locking the row until the transaction ends (SELECT ... FOR
  // UPDATE), for a read-modify-write.
  virtual absl::StatusOr<std::optional<SegmentRecord>> FindForUpdate(
      crm::common::Transaction& tx, absl::string_view id) = 0;

  // Replaces the stored segment with id `segment.id` (every field but id
  // and create_time). NOT_FOUND if there is none; ALREADY_EXISTS if another
  // segment has the same display_name (compared case-insensitively); nothing
  // is written then.
  virtual absl::Status Update(crm::common::Transaction& tx,
                              const SegmentRecord& segment) = 0;

  // Removes the segment with id `id`; NOT_FOUND if there is none.
  virtual absl::Status Delete(crm::common::Transaction& tx,
                              absl::string_view id) = 0;

  // Segments ordered by create_time then id, both descending, starting
  // strictly after `page.after` (or at the newest), at most `page.page_size`
  // of them; `next` is set when more may follow.
  virtual absl::StatusOr<crm::common::Page<SegmentRecord>> List(
      crm::common::Transaction& tx, const crm::common::PageRequest& page) = 0;

  // Every segment, by id (membership evaluation reads them all; segments
  // are reference data, tens to hundreds of rows).
  virtual absl::StatusOr<std::vector<SegmentRecord>> ListAll(
      crm::common::Transaction& tx) = 0;

 protected:
  SegmentRepository() = default;
};

}  // namespace crm::segmentation

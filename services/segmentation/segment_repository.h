// Storage of segment definitions, behind an interface so the service logic
// does not depend on MySQL. The only implementation is
// MySqlSegmentRepository (mysql_segment_repository.h).
//
//   CRM_ASSIGN_OR_RETURN(v1::Segment created,
//                        repository.Create(normalized, request));
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/segmentation/v1/segment.pb.h"
#include "crm/segmentation/v1/segmentation_service.pb.h"
#include "services/common/keyset_page.h"

namespace crm::segmentation {

namespace v1 = ::crm::segmentation::v1;

class SegmentRepository {
 public:
  SegmentRepository(const SegmentRepository&) = delete;
  SegmentRepository& operator=(const SegmentRepository&) = delete;
  virtual ~SegmentRepository() = default;

  // Stores `segment` (already validated and normalised; output-only fields
  // ignored) as a new segment with a new id, create and update time now and
  // the first version, and returns it as stored. ALREADY_EXISTS naming
  // display_name if another segment has the same display name (compared
  // case-insensitively).
  // Idempotent on `request.request_id()`: a repeat of an identical `request`
  // returns the first response and stores nothing; the same request id with
  // a different request is INVALID_ARGUMENT naming request_id. An empty
  // request id is not recorded. UNAVAILABLE if the database is unreachable.
  virtual absl::StatusOr<v1::Segment> Create(
      const v1::Segment& segment, const v1::CreateSegmentRequest& request) = 0;

  // The segment with id `id`; NOT_FOUND naming `segments/{id}` if none.
  virtual absl::StatusOr<v1::Segment> Get(absl::string_view id) = 0;

  // Segments ordered by create_time then id, both descending, starting
  // strictly after `page.after` (or at the newest), at most `page.page_size`
  // of them; `next` is set when more may follow.
  virtual absl::StatusOr<crm::common::Page<v1::Segment>> List(
      const crm::common::PageRequest& page) = 0;

 protected:
  SegmentRepository() = default;
};

}  // namespace crm::segmentation

// Segmentation's domain logic, over the storage seam (unit_of_work.h) and the
// segment repository (segment_repository.h): validates and normalises new and
// updated segments (segment_validation.h), makes their ids, names, times and
// etags, checks etags, makes CreateSegment, UpdateSegment and DeleteSegment
// idempotent on their request_id, and pages ListSegments. Memberships follow
// through the hooks (SegmentHooks). No SQL and no gRPC here.
//
//   SegmentManager manager(unit_of_work, segments, idempotency, clock, ids,
//                          memberships.SegmentChangeHooks());
//   absl::StatusOr<v1::Segment> created = manager.CreateSegment(ctx, request);
//
// Thread-safe: every call runs in its own unit of work.
#pragma once

#include <functional>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/segmentation/v1/segment.pb.h"
#include "crm/segmentation/v1/segmentation_service.pb.h"
#include "google/protobuf/empty.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/segmentation/segment_repository.h"
#include "services/segmentation/segment_validation.h"

namespace crm::segmentation {

// Run in the transactions of SegmentManager's mutations so a segment's
// memberships change with it (MembershipManager::SegmentChangeHooks()). An
// unset hook is skipped; an error from one rolls the mutation back.
struct SegmentHooks {
  // After a new segment is stored: evaluate its members.
  std::function<absl::Status(crm::common::Transaction& tx,
                             const SegmentRecord& segment)>
      created;
  // After an update that changed the rule is stored: re-evaluate them.
  std::function<absl::Status(crm::common::Transaction& tx,
                             const SegmentRecord& segment)>
      rule_changed;
  // Before a segment is deleted: remove its memberships.
  std::function<absl::Status(crm::common::Transaction& tx,
                             absl::string_view segment_id)>
      deleted;
};

class SegmentManager {
 public:
  // Every argument must outlive the manager.
  SegmentManager(crm::common::UnitOfWork& unit_of_work,
                 SegmentRepository& segments,
                 crm::common::IdempotencyRepository& idempotency,
                 const crm::common::Clock& clock,
                 const crm::common::IdGenerator& ids, SegmentHooks hooks = {})
      : unit_of_work_(unit_of_work),
        segments_(segments),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids),
        hooks_(std::move(hooks)) {}
  SegmentManager(const SegmentManager&) = delete;
  SegmentManager& operator=(const SegmentManager&) = delete;

  // Stores `request.segment()` normalised (NormalizeNewSegment; output-only
  // fields ignored) as a new `segments/{id}` with create and update time now
  // and its first etag, runs the `created` hook in the same transaction,
  // and returns it as stored. Errors, with nothing
  // written: INVALID_ARGUMENT naming the field for an invalid segment or
  // request_id; ALREADY_EXISTS (RESOURCE_ALREADY_EXISTS, field
  // `segment.display_name`) when another segment has the same display name,
  // compared case-insensitively. Idempotent on a non-empty request_id: a
  // repeat of an identical request returns the first response; the same
  // request id with a different request is INVALID_ARGUMENT with reason
  // REQUEST_ID_REUSED.
  absl::StatusOr<v1::Segment> CreateSegment(
      const crm::common::RequestContext& context,
      const v1::CreateSegmentRequest& request);

  // The segment `request.name()`. INVALID_ARGUMENT (field `name`) for a
  // malformed name; NOT_FOUND (RESOURCE_NOT_FOUND, the segment's name) if
  // there is none.
  absl::StatusOr<v1::Segment> GetSegment(
      const crm::common::RequestContext& context,
      const v1::GetSegmentRequest& request);

  // Replaces the fields of `request.segment()` that the update mask names
  // (SegmentUpdatePaths: "*", or the non-empty fields when there is no
  // mask), normalised and checked as on create (MergeSegmentUpdate), with a
  // new update time and etag, and returns the segment as stored. When the
  // rule changed, the `rule_changed` hook re-evaluates the members in the
  // same transaction. A mask that names no updatable field changes nothing
  // and returns the segment as it is. Errors, with nothing written:
  // INVALID_ARGUMENT naming the field (`segment.name`, `segment.etag`,
  // `update_mask`, a masked field; FILTER_INVALID naming `segment.rule` with
  // `position` for a rule that does not parse or type-check); NOT_FOUND
  // (RESOURCE_NOT_FOUND) for no such segment; ABORTED (ETAG_MISMATCH) when
  // `segment.etag` is set and is not the current one; ALREADY_EXISTS
  // (RESOURCE_ALREADY_EXISTS, field `segment.display_name`) when another
  // segment has the new display name. Idempotent on a non-empty request_id
  // as CreateSegment.
  absl::StatusOr<v1::Segment> UpdateSegment(
      const crm::common::RequestContext& context,
      const v1::UpdateSegmentRequest& request);

  // Deletes the segment `request.name()`, after the `deleted` hook removed
  // its memberships and their history in the same transaction. Errors, with
  // nothing written: INVALID_ARGUMENT naming `name` or `etag`; NOT_FOUND
  // (RESOURCE_NOT_FOUND) for no such segment, one already deleted included;
  // ABORTED (ETAG_MISMATCH) when `etag` is set and is not the current one.
  // Idempotent on a non-empty request_id as CreateSegment: a repeat returns
  // the first (empty) response, not NOT_FOUND.
  absl::StatusOr<google::protobuf::Empty> DeleteSegment(
      const crm::common::RequestContext& context,
      const v1::DeleteSegmentRequest& request);

  // One page of segments, newest first. INVALID_ARGUMENT for a negative
  // page_size or a malformed page_token.
  absl::StatusOr<v1::ListSegmentsResponse> ListSegments(
      const crm::common::RequestContext& context,
      const v1::ListSegmentsRequest& request);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  SegmentRepository& segments_;
  crm::common::IdempotencyRepository& idempotency_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
  const SegmentHooks hooks_;
};

// The API form of a stored segment.
v1::Segment ToSegmentProto(const SegmentRecord& segment);

}  // namespace crm::segmentation

// Segmentation's domain logic, over the storage seam (unit_of_work.h) and the
// segment repository (segment_repository.h): validates and normalises new
// segments (segment_validation.h), makes their ids, names, times and etags,
// makes CreateSegment idempotent on its request_id, and pages
// ListSegments. No SQL and no gRPC here.
//
//   SegmentManager manager(unit_of_work, segments, idempotency, clock, ids);
//   absl::StatusOr<v1::Segment> created = manager.CreateSegment(ctx, request);
//
// Thread-safe: every call runs in its own unit of work.
#pragma once

#include <functional>
#include <utility>

#include "absl/status/statusor.h"
#include "crm/segmentation/v1/segment.pb.h"
#include "crm/segmentation/v1/segmentation_service.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/segmentation/segment_repository.h"
#include "services/segmentation/segment_validation.h"

namespace crm::segmentation {

// Called in CreateSegment's transaction once the new segment is stored, so
// its members are evaluated with it (MembershipManager::EvaluateSegment).
using SegmentCreatedHook = std::function<absl::Status(
    crm::common::Transaction& tx, const SegmentRecord& segment)>;

class SegmentManager {
 public:
  // Every argument must outlive the manager.
  SegmentManager(crm::common::UnitOfWork& unit_of_work,
                 SegmentRepository& segments,
                 crm::common::IdempotencyRepository& idempotency,
                 const crm::common::Clock& clock,
                 const crm::common::IdGenerator& ids,
                 SegmentCreatedHook on_created = nullptr)
      : unit_of_work_(unit_of_work),
        segments_(segments),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids),
        on_created_(std::move(on_created)) {}
  SegmentManager(const SegmentManager&) = delete;
  SegmentManager& operator=(const SegmentManager&) = delete;

  // Stores `request.segment()` normalised (NormalizeNewSegment; output-only
  // fields ignored) as a new `segments/{id}` with create and update time now
  // and its first etag, runs the on_created hook in the same transaction,
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
  const SegmentCreatedHook on_created_;
};

// The API form of a stored segment.
v1::Segment ToSegmentProto(const SegmentRecord& segment);

}  // namespace crm::segmentation

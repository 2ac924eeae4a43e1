#include "services/segmentation/segment_manager.h"

#include <optional>
#include <string>

#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "services/common/etag.h"
#include "services/common/field_behavior.h"
#include "services/common/idempotency_store.h"
#include "services/common/keyset_page.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::segmentation {
namespace {

using ::crm::common::Page;
using ::crm::common::PageRequest;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;

// The idempotency key namespace of CreateSegment request ids.
constexpr char kCreateSegmentMethod[] = "CreateSegment";
// Query fingerprint of ListSegments page tokens.
constexpr char kSegmentListQuery[] = "segments";
// The version (etag) of a new segment.
constexpr int64_t kFirstVersion = 1;

absl::Status DisplayNameTakenError() {
  return crm::common::ErrorWithReason(
      absl::AlreadyExistsError(
          "segment.display_name: another segment has this display name"),
      crm::type::v1::RESOURCE_ALREADY_EXISTS,
      {{"field", "segment.display_name"}});
}

}  // namespace

v1::Segment ToSegmentProto(const SegmentRecord& segment) {
  v1::Segment proto;
  proto.set_name(SegmentName(segment.id));
  proto.set_display_name(segment.display_name);
  proto.set_description(segment.description);
  proto.set_rule(segment.rule);
  *proto.mutable_create_time() =
      crm::common::ToProtoTimestamp(segment.create_time);
  *proto.mutable_update_time() =
      crm::common::ToProtoTimestamp(segment.update_time);
  proto.set_etag(crm::common::EncodeEtag(segment.version));
  return proto;
}

absl::StatusOr<v1::Segment> SegmentManager::CreateSegment(
    const RequestContext& context, const v1::CreateSegmentRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  // Output-only values a client sent are ignored, also by the idempotency
  // fingerprint.
  v1::CreateSegmentRequest input = request;
  crm::common::ClearOutputOnlyFields(&input);
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(input.request_id()));
  CRM_ASSIGN_OR_RETURN(v1::Segment normalized,
                       NormalizeNewSegment(input.segment()));
  return crm::common::RunIdempotent<v1::Segment>(
      unit_of_work_, idempotency_, clock_, context, kCreateSegmentMethod,
      input.request_id(), input,
      [&](Transaction& tx) -> absl::StatusOr<v1::Segment> {
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        SegmentRecord record;
        record.id = ids_.NewId();
        record.display_name = normalized.display_name();
        record.description = normalized.description();
        record.rule = normalized.rule();
        record.create_time = now;
        record.update_time = now;
        record.version = kFirstVersion;
        if (absl::Status inserted = segments_.Insert(tx, record);
            !inserted.ok()) {
          // Ids are fresh, so a duplicate is the display name.
          if (absl::IsAlreadyExists(inserted)) return DisplayNameTakenError();
          return inserted;
        }
        if (on_created_) CRM_RETURN_IF_ERROR(on_created_(tx, record));
        return ToSegmentProto(record);
      });
}

absl::StatusOr<v1::Segment> SegmentManager::GetSegment(
    const RequestContext& context, const v1::GetSegmentRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string id, ParseSegmentName(request.name()));
  return unit_of_work_.Read<v1::Segment>(
      context, [&](Transaction& tx) -> absl::StatusOr<v1::Segment> {
        CRM_ASSIGN_OR_RETURN(std::optional<SegmentRecord> segment,
                             segments_.Find(tx, id));
        if (!segment.has_value()) {
          return crm::common::NotFoundError(SegmentName(id));
        }
        return ToSegmentProto(*segment);
      });
}

absl::StatusOr<v1::ListSegmentsResponse> SegmentManager::ListSegments(
    const RequestContext& context, const v1::ListSegmentsRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(
      PageRequest page,
      crm::common::ParsePageRequest(request.page_size(), request.page_token(),
                                    kSegmentListQuery));
  CRM_ASSIGN_OR_RETURN(
      Page<SegmentRecord> result,
      unit_of_work_.Read<Page<SegmentRecord>>(
          context, [&](Transaction& tx) -> absl::StatusOr<Page<SegmentRecord>> {
            return segments_.List(tx, page);
          }));
  v1::ListSegmentsResponse response;
  for (const SegmentRecord& segment : result.items) {
    *response.add_segments() = ToSegmentProto(segment);
  }
  response.set_next_page_token(
      crm::common::NextPageToken(result.next, kSegmentListQuery));
  return response;
}

}  // namespace crm::segmentation

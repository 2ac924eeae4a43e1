#include "services/segmentation/segment_manager.h"

#include <optional>
#include <string>
#include <vector>

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

// The idempotency key namespaces of the mutations' request ids.
constexpr char kCreateSegmentMethod[] = "CreateSegment";
constexpr char kUpdateSegmentMethod[] = "UpdateSegment";
constexpr char kDeleteSegmentMethod[] = "DeleteSegment";
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
        if (hooks_.created) CRM_RETURN_IF_ERROR(hooks_.created(tx, record));
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

absl::StatusOr<v1::Segment> SegmentManager::UpdateSegment(
    const RequestContext& context, const v1::UpdateSegmentRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFieldsForUpdate(
      request, "segment", request.update_mask()));
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(request.request_id()));
  if (request.segment().name().empty()) {
    return crm::common::RequiredFieldError("segment.name");
  }
  CRM_ASSIGN_OR_RETURN(
      std::string id,
      ParseSegmentName(request.segment().name(), "segment.name"));
  CRM_ASSIGN_OR_RETURN(
      std::vector<std::string> paths,
      SegmentUpdatePaths(request.update_mask(), request.segment()));
  CRM_ASSIGN_OR_RETURN(
      std::optional<int64_t> expected_version,
      ParseSegmentEtag(request.segment().etag(), "segment.etag"));
  const std::string name = SegmentName(id);
  return crm::common::RunIdempotent<v1::Segment>(
      unit_of_work_, idempotency_, clock_, context, kUpdateSegmentMethod,
      request.request_id(), request,
      [&](Transaction& tx) -> absl::StatusOr<v1::Segment> {
        CRM_ASSIGN_OR_RETURN(std::optional<SegmentRecord> stored,
                             segments_.FindForUpdate(tx, id));
        if (!stored.has_value()) return crm::common::NotFoundError(name);
        if (expected_version.has_value() &&
            *expected_version != stored->version) {
          return crm::common::EtagMismatchError(name);
        }
        if (paths.empty()) return ToSegmentProto(*stored);
        CRM_ASSIGN_OR_RETURN(v1::Segment merged,
                             MergeSegmentUpdate(ToSegmentProto(*stored),
                                                request.segment(), paths));
        SegmentRecord record = *stored;
        record.display_name = merged.display_name();
        record.description = merged.description();
        record.rule = merged.rule();
        record.update_time = crm::common::TruncateToMicros(clock_.Now());
        record.version = stored->version + 1;
        if (absl::Status updated = segments_.Update(tx, record);
            !updated.ok()) {
          // The row is locked, so a duplicate is the display name.
          if (absl::IsAlreadyExists(updated)) return DisplayNameTakenError();
          return updated;
        }
        if (record.rule != stored->rule && hooks_.rule_changed) {
          CRM_RETURN_IF_ERROR(hooks_.rule_changed(tx, record));
        }
        return ToSegmentProto(record);
      });
}

absl::StatusOr<google::protobuf::Empty> SegmentManager::DeleteSegment(
    const RequestContext& context, const v1::DeleteSegmentRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(request.request_id()));
  CRM_ASSIGN_OR_RETURN(std::string id, ParseSegmentName(request.name()));
  CRM_ASSIGN_OR_RETURN(std::optional<int64_t> expected_version,
                       ParseSegmentEtag(request.etag(), "etag"));
  const std::string name = SegmentName(id);
  return crm::common::RunIdempotent<google::protobuf::Empty>(
      unit_of_work_, idempotency_, clock_, context, kDeleteSegmentMethod,
      request.request_id(), request,
      [&](Transaction& tx) -> absl::StatusOr<google::protobuf::Empty> {
        CRM_ASSIGN_OR_RETURN(std::optional<SegmentRecord> stored,
                             segments_.FindForUpdate(tx, id));
        if (!stored.has_value()) return crm::common::NotFoundError(name);
        if (expected_version.has_value() &&
            *expected_version != stored->version) {
          return crm::common::EtagMismatchError(name);
        }
        if (hooks_.deleted) CRM_RETURN_IF_ERROR(hooks_.deleted(tx, id));
        CRM_RETURN_IF_ERROR(segments_.Delete(tx, id));
        return google::protobuf::Empty();
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

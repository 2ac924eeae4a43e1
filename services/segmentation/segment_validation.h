// The rules a segment definition must satisfy, as pure functions (no
// database), following crm/segmentation/v1/segment.proto.
//
//   CRM_ASSIGN_OR_RETURN(v1::Segment segment,
//                        NormalizeNewSegment(request.segment()));
//   CRM_ASSIGN_OR_RETURN(std::string id, ParseSegmentName(request.name()));
//   CRM_ASSIGN_OR_RETURN(std::vector<std::string> paths,
//       SegmentUpdatePaths(request.update_mask(), request.segment()));
//   CRM_ASSIGN_OR_RETURN(v1::Segment merged,
//       MergeSegmentUpdate(stored, request.segment(), paths));
//
// Errors are INVALID_ARGUMENT naming the field path (e.g.
// "segment.display_name") in their ErrorInfo and field violation, with reason
// FIELD_REQUIRED or FIELD_INVALID; messages never echo the value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/segmentation/v1/segment.pb.h"
#include "google/protobuf/field_mask.pb.h"

namespace crm::segmentation {

namespace v1 = ::crm::segmentation::v1;

inline constexpr char kSegmentsCollection[] = "segments";

inline constexpr size_t kMaxDisplayNameLength = 200;
inline constexpr size_t kMaxDescriptionLength = 2000;
inline constexpr size_t kMaxRuleLength = 4000;

// The segment as it is to be stored on create: display_name with whitespace
// collapsed, description and rule trimmed; output-only fields (name, times,
// etag) cleared. Unset REQUIRED fields are the caller's check
// (CheckRequiredFields of services/common/field_behavior.h, from the
// annotations); here a display_name or rule of only whitespace counts as
// unset (FIELD_REQUIRED). INVALID_ARGUMENT naming the field: FIELD_INVALID
// when display_name is over 200 characters, rule over 4000, description over
// 2000, or any of them is not valid UTF-8. The rule is kept as text; its
// grammar is not checked here.
absl::StatusOr<v1::Segment> NormalizeNewSegment(const v1::Segment& input);

// The Segment fields an update replaces (AIP-134) for `update_mask`: "*"
// means every updatable field (display_name, description, rule); an empty
// mask means those set (non-empty) in `segment`; OUTPUT_ONLY and IDENTIFIER
// paths (name, create_time, update_time, etag) are ignored. Any other path
// is INVALID_ARGUMENT (FIELD_INVALID) naming `update_mask`. Each field once,
// in declaration order.
absl::StatusOr<std::vector<std::string>> SegmentUpdatePaths(
    const google::protobuf::FieldMask& update_mask, const v1::Segment& segment);

// `stored` with the fields of `paths` (from SegmentUpdatePaths) replaced by
// those of `incoming`, normalised and checked as NormalizeNewSegment() does,
// with the same errors naming `segment.<field>`: a new rule must parse and
// type-check (FILTER_INVALID naming `segment.rule`, with its `position`).
// A stored rule that is kept is not parsed again (rules stored before they
// were checked stay as they are until replaced).
absl::StatusOr<v1::Segment> MergeSegmentUpdate(
    const v1::Segment& stored, const v1::Segment& incoming,
    const std::vector<std::string>& paths);

// The version in an etag sent by a client: nullopt when `etag` is empty (no
// concurrency check); INVALID_ARGUMENT (FIELD_INVALID) naming `field` when it
// is not an etag this service makes.
absl::StatusOr<std::optional<int64_t>> ParseSegmentEtag(
    absl::string_view etag, absl::string_view field);

// The id in a `segments/{segment}` name; INVALID_ARGUMENT naming `field`
// with FIELD_INVALID otherwise (an empty name included: that it is set is
// checked from the annotations, CheckRequiredFields).
absl::StatusOr<std::string> ParseSegmentName(absl::string_view name,
                                             absl::string_view field = "name");

// `segments/{id}`.
std::string SegmentName(absl::string_view id);

}  // namespace crm::segmentation

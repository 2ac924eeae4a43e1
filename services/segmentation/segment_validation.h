// The rules a segment definition must satisfy, as pure functions (no
// database), following crm/segmentation/v1/segment.proto.
//
//   CRM_ASSIGN_OR_RETURN(v1::Segment segment,
//                        NormalizeNewSegment(request.segment()));
//   CRM_ASSIGN_OR_RETURN(std::string id, ParseSegmentName(request.name()));
//
// Errors are INVALID_ARGUMENT naming the field path (e.g.
// "segment.display_name") in their ErrorInfo and field violation, with reason
// FIELD_REQUIRED or FIELD_INVALID; messages never echo the value.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/segmentation/v1/segment.pb.h"

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

// The id in a `segments/{segment}` name; INVALID_ARGUMENT naming `name`
// with FIELD_INVALID otherwise (an empty name included: that it is set is
// checked from the annotations, CheckRequiredFields).
absl::StatusOr<std::string> ParseSegmentName(absl::string_view name);

// `segments/{id}`.
std::string SegmentName(absl::string_view id);

}  // namespace crm::segmentation

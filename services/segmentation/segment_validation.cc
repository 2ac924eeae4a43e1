#include "services/segmentation/segment_validation.h"

#include "absl/strings/ascii.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/text_validation.h"

namespace crm::segmentation {

using ::crm::common::Presence;
using ::crm::common::ValidateText;

absl::StatusOr<v1::Segment> NormalizeNewSegment(const v1::Segment& input) {
  v1::Segment segment;
  segment.set_display_name(
      crm::common::CollapseWhitespace(input.display_name()));
  segment.set_description(
      std::string(absl::StripAsciiWhitespace(input.description())));
  segment.set_rule(std::string(absl::StripAsciiWhitespace(input.rule())));
  CRM_RETURN_IF_ERROR(ValidateText(segment.display_name(),
                                   "segment.display_name",
                                   kMaxDisplayNameLength, Presence::kRequired));
  CRM_RETURN_IF_ERROR(ValidateText(segment.description(), "segment.description",
                                   kMaxDescriptionLength, Presence::kOptional));
  CRM_RETURN_IF_ERROR(ValidateText(segment.rule(), "segment.rule",
                                   kMaxRuleLength, Presence::kRequired));
  return segment;
}

absl::StatusOr<std::string> ParseSegmentName(absl::string_view name) {
  return crm::common::ParseResourceName(name, kSegmentsCollection, "name");
}

std::string SegmentName(absl::string_view id) {
  return crm::common::FormatResourceName(kSegmentsCollection, id);
}

}  // namespace crm::segmentation

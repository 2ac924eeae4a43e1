#include "services/segmentation/segment_validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/text_validation.h"
#include "services/segmentation/segment_rule.h"

namespace crm::segmentation {

using ::crm::common::InvalidFieldError;
using ::crm::common::Presence;
using ::crm::common::RequiredFieldError;
using ::crm::common::ValidateText;

namespace {

// `text` (normalised) checked as ValidateText() does, with the error naming
// `field` and carrying its reason. A REQUIRED field the client sent as only
// whitespace is empty here and counts as unset.
absl::Status CheckText(absl::string_view text, absl::string_view field,
                       size_t max_chars, Presence presence) {
  if (presence == Presence::kRequired && text.empty()) {
    return RequiredFieldError(field);
  }
  if (!ValidateText(text, field, max_chars, presence).ok()) {
    return InvalidFieldError(
        field, absl::StrCat("must be valid UTF-8 of at most ", max_chars,
                            " characters"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Segment> NormalizeNewSegment(const v1::Segment& input) {
  v1::Segment segment;
  segment.set_display_name(
      crm::common::CollapseWhitespace(input.display_name()));
  segment.set_description(
      std::string(absl::StripAsciiWhitespace(input.description())));
  segment.set_rule(std::string(absl::StripAsciiWhitespace(input.rule())));
  CRM_RETURN_IF_ERROR(CheckText(segment.display_name(), "segment.display_name",
                                kMaxDisplayNameLength, Presence::kRequired));
  CRM_RETURN_IF_ERROR(CheckText(segment.description(), "segment.description",
                                kMaxDescriptionLength, Presence::kOptional));
  CRM_RETURN_IF_ERROR(CheckText(segment.rule(), "segment.rule", kMaxRuleLength,
                                Presence::kRequired));
  // A rule that does not parse or type-check is refused when it is written,
  // with the parser's FILTER_INVALID error naming segment.rule.
  CRM_RETURN_IF_ERROR(
      ParseSegmentRule(segment.rule(), "segment.rule").status());
  return segment;
}

absl::StatusOr<std::string> ParseSegmentName(absl::string_view name) {
  absl::StatusOr<std::string> id =
      crm::common::ParseResourceName(name, kSegmentsCollection, "name");
  if (!id.ok()) {
    return InvalidFieldError("name", "must be of the form segments/{segment}");
  }
  return id;
}

std::string SegmentName(absl::string_view id) {
  return crm::common::FormatResourceName(kSegmentsCollection, id);
}

}  // namespace crm::segmentation

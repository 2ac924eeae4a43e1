#include "services/segmentation/segment_validation.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/etag.h"
#include "services/common/field_behavior.h"
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

// `input`'s fields normalised and checked; the rule's grammar only when
// `parse_rule`.
absl::StatusOr<v1::Segment> NormalizeSegment(const v1::Segment& input,
                                             bool parse_rule) {
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
  if (parse_rule) {
    CRM_RETURN_IF_ERROR(
        ParseSegmentRule(segment.rule(), "segment.rule").status());
  }
  return segment;
}

}  // namespace

absl::StatusOr<v1::Segment> NormalizeNewSegment(const v1::Segment& input) {
  return NormalizeSegment(input, /*parse_rule=*/true);
}

absl::StatusOr<std::vector<std::string>> SegmentUpdatePaths(
    const google::protobuf::FieldMask& update_mask,
    const v1::Segment& segment) {
  const google::protobuf::FieldMask mask = crm::common::WithoutOutputOnlyPaths(
      *v1::Segment::descriptor(), update_mask);
  bool all = false;
  std::set<std::string> named;
  for (const std::string& path : mask.paths()) {
    if (path == "*") {
      all = true;
    } else if (path == "display_name" || path == "description" ||
               path == "rule") {
      named.insert(path);
    } else {
      return InvalidFieldError(
          "update_mask",
          "may name only display_name, description, rule or \"*\"");
    }
  }
  const bool set_fields = update_mask.paths_size() == 0;
  std::vector<std::string> paths;
  auto add = [&](const char* field, const std::string& value) {
    if (all || named.count(field) > 0 || (set_fields && !value.empty())) {
      paths.push_back(field);
    }
  };
  add("display_name", segment.display_name());
  add("description", segment.description());
  add("rule", segment.rule());
  return paths;
}

absl::StatusOr<v1::Segment> MergeSegmentUpdate(
    const v1::Segment& stored, const v1::Segment& incoming,
    const std::vector<std::string>& paths) {
  v1::Segment merged = stored;
  bool rule_replaced = false;
  for (const std::string& path : paths) {
    if (path == "display_name") {
      merged.set_display_name(incoming.display_name());
    } else if (path == "description") {
      merged.set_description(incoming.description());
    } else if (path == "rule") {
      merged.set_rule(incoming.rule());
      rule_replaced = true;
    }
  }
  return NormalizeSegment(merged, rule_replaced);
}

absl::StatusOr<std::optional<int64_t>> ParseSegmentEtag(
    absl::string_view etag, absl::string_view field) {
  if (etag.empty()) return std::nullopt;
  absl::StatusOr<int64_t> version = crm::common::DecodeEtag(etag);
  if (!version.ok()) {
    return InvalidFieldError(field, "is not an etag of this resource");
  }
  return *version;
}

absl::StatusOr<std::string> ParseSegmentName(absl::string_view name,
                                             absl::string_view field) {
  absl::StatusOr<std::string> id =
      crm::common::ParseResourceName(name, kSegmentsCollection, field);
  if (!id.ok()) {
    return InvalidFieldError(field, "must be of the form segments/{segment}");
  }
  return id;
}

std::string SegmentName(absl::string_view id) {
  return crm::common::FormatResourceName(kSegmentsCollection, id);
}

}  // namespace crm::segmentation

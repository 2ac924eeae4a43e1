// The segment rules without a database.
#include "services/segmentation/segment_validation.h"

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "services/common/etag.h"
#include "tests/testing/status_matchers.h"

namespace crm::segmentation {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::testing::StatusIs;
namespace reason = ::crm::type::v1;

// Expects `result` to be INVALID_ARGUMENT with `expected_reason` naming
// `field`.
template <typename T>
void ExpectFieldError(const absl::StatusOr<T>& result, const char* field,
                      reason::ErrorReason expected_reason) {
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument)) << field;
  EXPECT_EQ(ReasonOf(result.status()), expected_reason) << field;
  EXPECT_EQ(ErrorMetadataOf(result.status())["field"], field);
}

TEST(NormalizeNewSegment, CollapsesDisplayNameAndTrimsRule) {
  v1::Segment input;
  input.set_name("segments/forged");
  input.set_display_name("  At   risk\t VIPs ");
  input.set_rule("\n lifecycle = \"AT_RISK\"  \n");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment segment, NormalizeNewSegment(input));
  EXPECT_EQ(segment.name(), "");
  EXPECT_EQ(segment.display_name(), "At risk VIPs");
  EXPECT_EQ(segment.rule(), "lifecycle = \"AT_RISK\"");
}

TEST(NormalizeNewSegment, NamesTheOffendingField) {
  v1::Segment valid;
  valid.set_display_name("ok");
  valid.set_rule("country = \"CN\"");
  ASSERT_TRUE(NormalizeNewSegment(valid).ok());
  v1::Segment no_rule = valid;
  no_rule.set_rule(" ");
  ExpectFieldError(NormalizeNewSegment(no_rule), "segment.rule",
                   reason::FIELD_REQUIRED);
  v1::Segment long_rule = valid;
  long_rule.set_rule(std::string(4001, 'r'));
  ExpectFieldError(NormalizeNewSegment(long_rule), "segment.rule",
                   reason::FIELD_INVALID);
  v1::Segment unknown_field = valid;
  unknown_field.set_rule("x = 1");
  ExpectFieldError(NormalizeNewSegment(unknown_field), "segment.rule",
                   reason::FILTER_INVALID);
  v1::Segment not_a_rule = valid;
  not_a_rule.set_rule("'; DROP TABLE customers; --");
  ExpectFieldError(NormalizeNewSegment(not_a_rule), "segment.rule",
                   reason::FILTER_INVALID);
  v1::Segment ideographic_space_only = valid;
  ideographic_space_only.set_display_name("\xE3\x80\x80");
  ExpectFieldError(NormalizeNewSegment(ideographic_space_only),
                   "segment.display_name", reason::FIELD_REQUIRED);
  v1::Segment long_name = valid;
  long_name.set_display_name(std::string(201, 'n'));
  ExpectFieldError(NormalizeNewSegment(long_name), "segment.display_name",
                   reason::FIELD_INVALID);
  v1::Segment bad_description = valid;
  bad_description.set_description("\xFF");
  ExpectFieldError(NormalizeNewSegment(bad_description), "segment.description",
                   reason::FIELD_INVALID);
}

TEST(ParseSegmentName, AcceptsOnlySegmentsSlashId) {
  EXPECT_EQ(ParseSegmentName("segments/s1").value(), "s1");
  ExpectFieldError(ParseSegmentName("segments/s1/x"), "name",
                   reason::FIELD_INVALID);
  ExpectFieldError(ParseSegmentName(""), "name", reason::FIELD_INVALID);
}

google::protobuf::FieldMask Mask(std::initializer_list<const char*> paths) {
  google::protobuf::FieldMask mask;
  for (const char* path : paths) mask.add_paths(path);
  return mask;
}

TEST(SegmentUpdatePaths, MaskStarOrTheFieldsSet) {
  v1::Segment body;
  body.set_display_name("New name");
  using Paths = std::vector<std::string>;
  EXPECT_EQ(SegmentUpdatePaths(Mask({}), body).value(), Paths{"display_name"});
  EXPECT_EQ(SegmentUpdatePaths(Mask({"*"}), body).value(),
            (Paths{"display_name", "description", "rule"}));
  // Declaration order, each once; output-only and identifier paths ignored.
  EXPECT_EQ(SegmentUpdatePaths(Mask({"rule", "etag", "description", "rule",
                                     "name", "update_time"}),
                               body)
                .value(),
            (Paths{"description", "rule"}));
  EXPECT_TRUE(SegmentUpdatePaths(Mask({"etag"}), body).value().empty());
  for (const char* path : {"id", "display_name.x", "version", ""}) {
    ExpectFieldError(SegmentUpdatePaths(Mask({path}), body), "update_mask",
                     reason::FIELD_INVALID);
  }
}

TEST(MergeSegmentUpdate, ReplacesOnlyTheMaskedFieldsAndChecksThem) {
  v1::Segment stored;
  stored.set_name("segments/s1");
  stored.set_display_name("Old");
  stored.set_description("kept");
  stored.set_rule("country = \"CN\"");
  v1::Segment incoming;
  incoming.set_display_name("  New   name ");
  incoming.set_rule(" country = \"DE\" ");
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Segment merged,
      MergeSegmentUpdate(stored, incoming, {"display_name"}));
  EXPECT_EQ(merged.display_name(), "New name");
  EXPECT_EQ(merged.description(), "kept");
  EXPECT_EQ(merged.rule(), "country = \"CN\"");
  CRM_ASSERT_OK_AND_ASSIGN(
      merged, MergeSegmentUpdate(stored, incoming, {"description", "rule"}));
  EXPECT_EQ(merged.display_name(), "Old");
  EXPECT_EQ(merged.description(), "");
  EXPECT_EQ(merged.rule(), "country = \"DE\"");

  // A new rule is checked as on create, with the same field and position.
  incoming.set_rule("country = \"CN\" AND nonsense > 3");
  absl::StatusOr<v1::Segment> bad =
      MergeSegmentUpdate(stored, incoming, {"rule"});
  ExpectFieldError(bad, "segment.rule", reason::FILTER_INVALID);
  v1::Segment created;
  created.set_display_name("x");
  created.set_rule(incoming.rule());
  const absl::Status on_create = NormalizeNewSegment(created).status();
  EXPECT_EQ(ErrorMetadataOf(bad.status())["position"],
            ErrorMetadataOf(on_create)["position"]);
  EXPECT_EQ(ErrorMetadataOf(bad.status())["position"], "20");
  EXPECT_EQ(bad.status().message(), on_create.message());
  incoming.set_display_name(" ");
  ExpectFieldError(MergeSegmentUpdate(stored, incoming, {"display_name"}),
                   "segment.display_name", reason::FIELD_REQUIRED);
  incoming.set_rule("");
  ExpectFieldError(MergeSegmentUpdate(stored, incoming, {"rule"}),
                   "segment.rule", reason::FIELD_REQUIRED);

  // A stored rule from before rules were checked does not block other
  // changes.
  stored.set_rule("legacy nonsense");
  CRM_ASSERT_OK_AND_ASSIGN(
      merged, MergeSegmentUpdate(stored, incoming, {"description"}));
  EXPECT_EQ(merged.rule(), "legacy nonsense");
}

TEST(ParseSegmentEtag, EmptyMeansNoCheck) {
  EXPECT_EQ(ParseSegmentEtag("", "segment.etag").value(), std::nullopt);
  EXPECT_EQ(ParseSegmentEtag(crm::common::EncodeEtag(7), "etag").value(), 7);
  ExpectFieldError(ParseSegmentEtag("garbage", "segment.etag"), "segment.etag",
                   reason::FIELD_INVALID);
}

TEST(ParseSegmentName, NamesTheGivenField) {
  ExpectFieldError(ParseSegmentName("segment/x", "segment.name"),
                   "segment.name", reason::FIELD_INVALID);
}

}  // namespace
}  // namespace crm::segmentation

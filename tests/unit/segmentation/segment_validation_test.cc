// The segment rules without a database.
#include "services/segmentation/segment_validation.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace crm::segmentation {
namespace {

using ::crm::testing::StatusIs;
using ::testing::HasSubstr;

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
  valid.set_rule("x = 1");
  v1::Segment no_rule = valid;
  no_rule.set_rule(" ");
  EXPECT_THAT(
      NormalizeNewSegment(no_rule),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("segment.rule")));
  v1::Segment ideographic_space_only = valid;
  ideographic_space_only.set_display_name("\xE3\x80\x80");
  EXPECT_THAT(NormalizeNewSegment(ideographic_space_only),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("segment.display_name")));
  v1::Segment bad_description = valid;
  bad_description.set_description("\xFF");
  EXPECT_THAT(NormalizeNewSegment(bad_description),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("segment.description")));
}

TEST(ParseSegmentName, AcceptsOnlySegmentsSlashId) {
  EXPECT_EQ(ParseSegmentName("segments/s1").value(), "s1");
  EXPECT_THAT(ParseSegmentName("segments/s1/x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")));
}

}  // namespace
}  // namespace crm::segmentation

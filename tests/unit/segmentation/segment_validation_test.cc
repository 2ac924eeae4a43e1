// The segment rules without a database.
#include "services/segmentation/segment_validation.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
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

}  // namespace
}  // namespace crm::segmentation

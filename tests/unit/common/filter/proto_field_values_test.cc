#include "services/common/filter/proto_field_values.h"

#include <string>
#include <variant>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "services/common/filter/filter_parser.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/common/filter/test_schema.h"

namespace crm::common::filter {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using testing::TestFilterSchema;

// `people/{id}` -> `{id}`; anything else is rejected.
absl::StatusOr<std::string> PersonId(const std::string& name) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, "people/") || id.empty()) {
    return absl::InvalidArgumentError("not a person");
  }
  return std::string(id);
}

std::vector<std::string> StringValues(const Filter& filter) {
  std::vector<std::string> values;
  Filter copy = filter;
  RewriteValues(copy, [&](Restriction& restriction) {
    if (const auto* text = std::get_if<std::string>(&restriction.value)) {
      values.push_back(*text);
    }
    return absl::OkStatus();
  }).IgnoreError();
  return values;
}

TEST(EnumValueNamesTest, ListsValuesInOrderWithoutUnspecified) {
  std::vector<std::string> names =
      EnumValueNames(*::crm::type::v1::ErrorReason_descriptor());
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "FIELD_INVALID");
  EXPECT_THAT(names, Not(Contains("ERROR_REASON_UNSPECIFIED")));
  EXPECT_THAT(names, Contains("FILTER_INVALID"));
}

TEST(EnumValueNamesTest, KeepsUnspecifiedWhenAsked) {
  std::vector<std::string> names = EnumValueNames(
      *::crm::type::v1::ErrorReason_descriptor(), /*with_unspecified=*/true);
  EXPECT_EQ(names.front(), "ERROR_REASON_UNSPECIFIED");
}

TEST(RewriteResourceNameValuesTest, RewritesOnlyTheNamedField) {
  absl::StatusOr<Filter> filter = ParseFilter(
      "name = \"people/7\" OR (email = \"people/8\" AND name != \"people/9\")",
      TestFilterSchema());
  ASSERT_THAT(filter, IsOk());
  ASSERT_THAT(RewriteResourceNameValues(*filter, "name", PersonId,
                                        "name must be people/{id}"),
              IsOk());
  EXPECT_THAT(StringValues(*filter), ElementsAre("7", "people/8", "9"));
}

TEST(RewriteResourceNameValuesTest, RejectedValueIsFilterInvalidAtItsColumn) {
  absl::StatusOr<Filter> filter =
      ParseFilter("email = x AND name = \"robots/1\"", TestFilterSchema());
  ASSERT_THAT(filter, IsOk());
  absl::Status status = RewriteResourceNameValues(*filter, "name", PersonId,
                                                  "name must be people/{id}");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("name must be people/{id}")));
  EXPECT_FALSE(absl::StrContains(status.message(), "robots"));
  EXPECT_EQ(ReasonOf(status), ::crm::type::v1::FILTER_INVALID);
  EXPECT_THAT(ErrorMetadataOf(status), Contains(Pair("position", "22")));
}

}  // namespace
}  // namespace crm::common::filter

#include "services/customer_profile/customer_filter_values.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "services/common/error_details.h"
#include "services/common/filter/filter_parser.h"
#include "services/customer_profile/customer_filter.h"
#include "tests/testing/status_matchers.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::filter::Filter;
using ::crm::common::filter::FilterNode;
using ::crm::common::filter::ParseFilter;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::Contains;
using ::testing::Pair;

class CustomerFilterValuesTest : public ::testing::Test {
 protected:
  static CustomerPiiCodec MakeCodec() {
    absl::StatusOr<KeyRing> ring =
        KeyRing::Parse("k1:" + absl::BytesToHexString(std::string(32, '\x22')));
    EXPECT_TRUE(ring.ok());
    absl::StatusOr<CustomerPiiCodec> codec =
        CustomerPiiCodec::Create(*std::move(ring));
    EXPECT_TRUE(codec.ok());
    return *std::move(codec);
  }

  // The stored form of the one restriction in `text`.
  absl::StatusOr<std::string> Prepared(absl::string_view text) {
    absl::StatusOr<Filter> filter = ParseFilter(text, CustomerFilterSchema());
    if (!filter.ok()) return filter.status();
    absl::Status status = PrepareCustomerFilterValues(*filter, codec_, "CN");
    if (!status.ok()) return status;
    EXPECT_EQ(filter->root->kind, FilterNode::Kind::kRestriction);
    return std::get<std::string>(filter->root->restriction.value);
  }

  CustomerPiiCodec codec_ = MakeCodec();
};

TEST_F(CustomerFilterValuesTest, IdentifiersBecomeTheirBlindIndexes) {
  EXPECT_EQ(*Prepared("email = \"  Ann@Example.ORG \""),
            *codec_.EmailIndex("ann@example.org"));
  EXPECT_EQ(*Prepared("phone = \"+86 138 0013 8000\""),
            *codec_.PhoneIndex("+8613800138000"));
  EXPECT_EQ(*Prepared("external_identity = \"WEB:42\""),
            *codec_.ExternalKeyIndex("web:42"));
  EXPECT_EQ(*Prepared("external_identities:\"store_card:S-9\""),
            *codec_.ExternalKeyIndex("store_card:S-9"));
}

TEST_F(CustomerFilterValuesTest, TextIsStandardisedAsOnWrite) {
  EXPECT_EQ(*Prepared("country_code = \"de\""), "DE");
  EXPECT_EQ(*Prepared("country_code = \"\""), "");
  EXPECT_EQ(*Prepared("tags:\"  vip   gold \""), "vip gold");
  EXPECT_EQ(*Prepared("external_identities.channel:WEB"), "web");
  EXPECT_EQ(*Prepared("state = ACTIVE"), "ACTIVE");
}

TEST_F(CustomerFilterValuesTest, ValuesAWriteRejectsAreFilterInvalid) {
  for (const auto& [text, column] :
       std::vector<std::pair<std::string, std::string>>{
           {"email = \"not-an-email\"", "9"},
           {"email = \"\"", "9"},
           {"external_identity = \"no-colon\"", "21"},
           {"external_identities:\"web:\"", "21"},
           {"country_code = \"XX\"", "16"},
           {"tags:\"\"", "6"}}) {
    absl::StatusOr<std::string> value = Prepared(text);
    ASSERT_THAT(value, StatusIs(absl::StatusCode::kInvalidArgument)) << text;
    EXPECT_EQ(crm::common::ReasonOf(value.status()),
              ::crm::type::v1::FILTER_INVALID);
    EXPECT_THAT(crm::common::ErrorMetadataOf(value.status()),
                Contains(Pair("position", column)))
        << text;
    EXPECT_THAT(std::string(value.status().message()),
                ::testing::Not(::testing::HasSubstr("not-an-email")));
  }
}

}  // namespace
}  // namespace crm::customer_profile

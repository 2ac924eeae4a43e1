#include "services/customer_profile/customer_filter.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/error_details.h"
#include "services/common/filter/filter_parser.h"
#include "services/common/filter/sql_filter.h"
#include "services/customer_profile/mysql_customer_filter.h"
#include "tests/testing/status_matchers.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::filter::CompileToSql;
using ::crm::common::filter::DebugString;
using ::crm::common::filter::Filter;
using ::crm::common::filter::ParseFilter;
using ::crm::common::filter::SqlCondition;
using ::crm::common::filter::SqlParam;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Pair;

std::string Canonical(absl::string_view text) {
  absl::StatusOr<Filter> filter = ParseFilter(text, CustomerFilterSchema());
  return filter.ok() ? DebugString(*filter) : "error";
}

TEST(CustomerFilterTest, UsesTheResourceFieldPaths) {
  EXPECT_EQ(Canonical("tags:\"vip\" AND address.country_code = \"DE\""),
            "(tags : \"vip\" AND address.country_code = \"DE\")");
  EXPECT_EQ(Canonical("external_identities:\"web:42\""),
            "external_identities : \"web:42\"");
  EXPECT_EQ(Canonical("external_identities.channel:web"),
            "external_identities.channel : \"web\"");
  EXPECT_EQ(Canonical("state = MERGED OR gender = FEMALE"),
            "(state = MERGED OR gender = FEMALE)");
  EXPECT_EQ(Canonical("locale = \"de-DE\" source_channel != pos"),
            "(locale = \"de-DE\" AND source_channel != \"pos\")");
  EXPECT_EQ(Canonical("update_time < \"2026-01-01T00:00:00Z\""),
            "update_time < \"2026-01-01T00:00:00Z\"");
}

TEST(CustomerFilterTest, OldNamesKeepTheirMeaning) {
  EXPECT_EQ(Canonical("tag = \"odd\""), "tags : \"odd\"");
  EXPECT_EQ(Canonical("country_code = \"CN\""),
            "address.country_code = \"CN\"");
  EXPECT_EQ(Canonical("external_identity = \"store_card:S-9\""),
            "external_identities : \"store_card:S-9\"");
  EXPECT_EQ(Canonical("create_time >= \"2000-01-01T00:00:00Z\" AND state = "
                      "ACTIVE"),
            "(create_time >= \"2000-01-01T00:00:00Z\" AND state = ACTIVE)");
}

TEST(CustomerFilterTest, RejectsWhatStorageCannotAnswer) {
  for (absl::string_view text :
       {"email != \"a@b.co\"", "email > \"a@b.co\"", "phone < \"+1\"",
        "tags = \"x\"", "state = STATE_UNSPECIFIED", "state = GONE",
        "given_name = \"Ann\"", "colour = \"red\""}) {
    absl::StatusOr<Filter> filter = ParseFilter(text, CustomerFilterSchema());
    EXPECT_THAT(filter, StatusIs(absl::StatusCode::kInvalidArgument)) << text;
    EXPECT_EQ(crm::common::ReasonOf(filter.status()),
              ::crm::type::v1::FILTER_INVALID)
        << text;
  }
  EXPECT_EQ(Canonical("gender = GENDER_UNSPECIFIED"),
            "gender = GENDER_UNSPECIFIED");
}

TEST(CustomerFilterTest, CompilesOntoTheCustomerTables) {
  absl::StatusOr<Filter> filter = ParseFilter(
      "state = ACTIVE AND (tag = \"vip\" OR external_identity = \"h1\") AND "
      "NOT email = \"h2\" AND country_code = \"DE\"",
      CustomerFilterSchema());
  ASSERT_THAT(filter, IsOk());
  absl::StatusOr<SqlCondition> where =
      CompileToSql(*filter, CustomerSqlFieldMap());
  ASSERT_THAT(where, IsOk());
  EXPECT_EQ(where->clause,
            "(customers.state = ? AND (EXISTS (SELECT 1 FROM customer_tags ct "
            "WHERE ct.customer_id = customers.id AND ct.tag = ?) OR EXISTS "
            "(SELECT 1 FROM customer_identifiers ci WHERE ci.customer_id = "
            "customers.id AND ci.kind = 'external' AND ci.value_hash = ?)) AND "
            "NOT ((customers.email_bidx IS NOT NULL AND customers.email_bidx = "
            "?)) AND customers.country_code = ?)");
  EXPECT_THAT(
      where->params,
      ElementsAre(SqlParam(std::string("ACTIVE")), SqlParam(std::string("vip")),
                  SqlParam(std::string("h1")), SqlParam(std::string("h2")),
                  SqlParam(std::string("DE"))));
}

TEST(CustomerFilterTest, FieldsWithoutColumnsAreFilterInvalid) {
  for (absl::string_view text :
       {"locale = \"de\"", "gender = MALE", "source_channel = pos",
        "external_identities.channel:web"}) {
    absl::StatusOr<Filter> filter = ParseFilter(text, CustomerFilterSchema());
    ASSERT_THAT(filter, IsOk()) << text;
    absl::StatusOr<SqlCondition> where =
        CompileToSql(*filter, CustomerSqlFieldMap());
    EXPECT_THAT(where, StatusIs(absl::StatusCode::kInvalidArgument)) << text;
    EXPECT_EQ(crm::common::ReasonOf(where.status()),
              ::crm::type::v1::FILTER_INVALID);
    EXPECT_THAT(crm::common::ErrorMetadataOf(where.status()),
                ::testing::Contains(Pair("position", "1")));
  }
}

}  // namespace
}  // namespace crm::customer_profile

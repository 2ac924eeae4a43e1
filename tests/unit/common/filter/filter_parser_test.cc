#include "services/common/filter/filter_parser.h"

#include <string>
#include <utility>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/error_details.h"
#include "services/common/filter/filter_error.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/common/filter/test_schema.h"

namespace crm::common::filter {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using testing::TestFilterSchema;

std::string Canonical(absl::string_view text) {
  absl::StatusOr<Filter> filter = ParseFilter(text, TestFilterSchema());
  if (!filter.ok()) return absl::StrCat("error: ", filter.status().ToString());
  return DebugString(*filter);
}

TEST(FilterParserTest, EmptyFilterHasNoRoot) {
  for (absl::string_view text : {"", "   ", "\t\n"}) {
    absl::StatusOr<Filter> filter = ParseFilter(text, TestFilterSchema());
    ASSERT_THAT(filter, IsOk());
    EXPECT_FALSE(filter->root.has_value());
  }
}

TEST(FilterParserTest, ParsesEveryType) {
  EXPECT_EQ(Canonical("name = \"Ann\""), "name = \"Ann\"");
  EXPECT_EQ(Canonical("name=Ann"), "name = \"Ann\"");
  EXPECT_EQ(Canonical("name != 'single quoted'"), "name != \"single quoted\"");
  EXPECT_EQ(Canonical("age >= 18"), "age >= 18");
  EXPECT_EQ(Canonical("age < -5"), "age < -5");
  EXPECT_EQ(Canonical("score > 2.5"), "score > 2.5");
  EXPECT_EQ(Canonical("vip = true"), "vip = true");
  EXPECT_EQ(Canonical("vip != false"), "vip != false");
  EXPECT_EQ(Canonical("state = MERGED"), "state = MERGED");
  EXPECT_EQ(Canonical("state = \"ERASED\""), "state = ERASED");
  EXPECT_EQ(Canonical("tags:vip"), "tags : \"vip\"");
  EXPECT_EQ(Canonical("address.country_code = \"DE\""),
            "address.country_code = \"DE\"");
}

TEST(FilterParserTest, ConvertsValuesToTheFieldType) {
  absl::StatusOr<Filter> filter = ParseFilter(
      "create_time > \"2026-01-02T05:04:05.1234567+02:00\" AND ttl <= 1.5s "
      "AND age = 42 AND score = 0.25 AND vip = true",
      TestFilterSchema());
  ASSERT_THAT(filter, IsOk());
  const FilterNode& root = *filter->root;
  ASSERT_EQ(root.kind, FilterNode::Kind::kAnd);
  ASSERT_EQ(root.operands.size(), 5u);
  // Converted to UTC and truncated to microseconds.
  EXPECT_EQ(std::get<absl::Time>(root.operands[0].restriction.value),
            absl::FromCivil(absl::CivilSecond(2026, 1, 2, 3, 4, 5),
                            absl::UTCTimeZone()) +
                absl::Microseconds(123456));
  EXPECT_EQ(std::get<absl::Duration>(root.operands[1].restriction.value),
            absl::Milliseconds(1500));
  EXPECT_EQ(std::get<int64_t>(root.operands[2].restriction.value), 42);
  EXPECT_EQ(std::get<double>(root.operands[3].restriction.value), 0.25);
  EXPECT_EQ(std::get<bool>(root.operands[4].restriction.value), true);
  EXPECT_EQ(root.operands[0].restriction.field->path, "create_time");
  EXPECT_EQ(root.operands[0].restriction.field_column, 1);
  EXPECT_EQ(root.operands[0].restriction.value_column, 15);
}

TEST(FilterParserTest, ParsesDurations) {
  EXPECT_EQ(Canonical("ttl = 3600s"), "ttl = \"3600s\"");
  EXPECT_EQ(Canonical("ttl = \"-3.50s\""), "ttl = \"-3.5s\"");
  EXPECT_EQ(Canonical("ttl = 0.0000019s"), "ttl = \"0.000001s\"");
}

TEST(FilterParserTest, UnescapesQuotedStrings) {
  absl::StatusOr<Filter> filter = ParseFilter(
      R"(name = "a\"b\\c\nd'e" AND name = 'it\'s')", TestFilterSchema());
  ASSERT_THAT(filter, IsOk());
  EXPECT_EQ(std::get<std::string>(filter->root->operands[0].restriction.value),
            "a\"b\\c\nd'e");
  EXPECT_EQ(std::get<std::string>(filter->root->operands[1].restriction.value),
            "it's");
}

TEST(FilterParserTest, OrBindsTighterThanAnd) {
  // AIP-160: expression = sequence {AND sequence}; factor = term {OR term}.
  EXPECT_EQ(Canonical("age = 1 AND age = 2 OR age = 3"),
            "(age = 1 AND (age = 2 OR age = 3))");
  EXPECT_EQ(Canonical("age = 1 OR age = 2 AND age = 3"),
            "((age = 1 OR age = 2) AND age = 3)");
  EXPECT_EQ(Canonical("(age = 1 AND age = 2) OR age = 3"),
            "((age = 1 AND age = 2) OR age = 3)");
}

TEST(FilterParserTest, WhitespaceSequenceIsAnd) {
  EXPECT_EQ(Canonical("age = 1 age = 2 OR age = 3"),
            "(age = 1 AND (age = 2 OR age = 3))");
  EXPECT_EQ(Canonical("age=1 vip=true AND state=ACTIVE"),
            "((age = 1 AND vip = true) AND state = ACTIVE)");
}

TEST(FilterParserTest, NegationAppliesToTheNextTerm) {
  EXPECT_EQ(Canonical("NOT age = 1 OR age = 2"), "(NOT age = 1 OR age = 2)");
  EXPECT_EQ(Canonical("NOT (age = 1 OR age = 2)"), "NOT (age = 1 OR age = 2)");
  EXPECT_EQ(Canonical("-tags:\"vip\" AND age = 1"),
            "(NOT tags : \"vip\" AND age = 1)");
  EXPECT_EQ(Canonical("NOT(vip = true)"), "NOT vip = true");
}

TEST(FilterParserTest, AliasesResolveToCanonicalPaths) {
  EXPECT_EQ(Canonical("tag = \"vip\""), "tags : \"vip\"");
  EXPECT_EQ(Canonical("tag:\"vip\""), "tags : \"vip\"");
  EXPECT_EQ(Canonical("country_code = \"DE\""),
            "address.country_code = \"DE\"");
}

TEST(FilterParserTest, NestsUpToTheLimit) {
  const std::string nested =
      absl::StrCat(std::string(32, '('), "age = 1", std::string(32, ')'));
  EXPECT_EQ(Canonical(nested), "age = 1");
  const std::string text(4096, ' ');
  EXPECT_THAT(ParseFilter(text, TestFilterSchema()), IsOk());
}

TEST(FilterParserTest, DebugStringParsesBackToTheSameFilter) {
  for (absl::string_view text :
       {"name = \"a\\\"b\\\\c\\nd\" OR tag = x",
        "NOT (age = 1 OR score >= -0.5) vip = false",
        "-(-((age = 3) age = 2 (age = 3)))",
        "create_time > \"0001-01-01T00:00:00Z\" ttl = 0s",
        "create_time < \"2026-01-02T05:04:05.25+02:00\" AND ttl > -1.5s",
        "state = ACTIVE AND (country_code != \"\xc3\xa9\" OR -tags:\"a b\")"}) {
    const std::string first = Canonical(text);
    EXPECT_THAT(first, Not(::testing::StartsWith("error:")));
    EXPECT_EQ(Canonical(first), first) << text;
  }
}

TEST(FilterParserTest, RewriteValuesVisitsEveryRestrictionInOrder) {
  absl::StatusOr<Filter> filter = ParseFilter(
      "email = \"A@x.org\" OR (name = b AND NOT email = \"c@x.org\")",
      TestFilterSchema());
  ASSERT_THAT(filter, IsOk());
  std::vector<std::string> seen;
  ASSERT_THAT(RewriteValues(*filter,
                            [&](Restriction& restriction) {
                              seen.push_back(restriction.field->path);
                              if (restriction.field->path == "email") {
                                restriction.value = std::string("hash");
                              }
                              return absl::OkStatus();
                            }),
              IsOk());
  EXPECT_THAT(seen, ::testing::ElementsAre("email", "name", "email"));
  EXPECT_EQ(DebugString(*filter),
            "(email = \"hash\" OR (name = \"b\" AND NOT email = \"hash\"))");
  EXPECT_TRUE(MentionsField(*filter, "email"));
  EXPECT_FALSE(MentionsField(*filter, "state"));
}

TEST(FilterParserTest, RewriteErrorStopsAndIsReturned) {
  absl::StatusOr<Filter> filter =
      ParseFilter("name = a AND email = b", TestFilterSchema());
  ASSERT_THAT(filter, IsOk());
  absl::Status status = RewriteValues(*filter, [](Restriction& restriction) {
    if (restriction.field->path != "email") return absl::OkStatus();
    return FilterError(restriction.value_column, "not a valid email address");
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(status), ::crm::type::v1::FILTER_INVALID);
  EXPECT_THAT(ErrorMetadataOf(status), Contains(Pair("position", "22")));
}

struct ErrorCase {
  std::string filter;
  int column;
};

class FilterParserErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(FilterParserErrorTest, IsFilterInvalidAtTheColumn) {
  absl::StatusOr<Filter> filter =
      ParseFilter(GetParam().filter, TestFilterSchema());
  ASSERT_THAT(filter, StatusIs(absl::StatusCode::kInvalidArgument));
  const absl::Status& status = filter.status();
  EXPECT_EQ(ReasonOf(status), ::crm::type::v1::FILTER_INVALID);
  const std::string column = absl::StrCat(GetParam().column);
  EXPECT_THAT(ErrorMetadataOf(status),
              ::testing::UnorderedElementsAre(Pair("field", "filter"),
                                              Pair("position", column)));
  const auto violations = FieldViolationsOf(status);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].first, "filter");
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FilterParserErrorTest,
    ::testing::Values(
        ErrorCase{"age =", 6},                       // missing value
        ErrorCase{"unknown = 1", 1},                 // unknown field
        ErrorCase{"age 5", 5},                       // missing comparator
        ErrorCase{"age = \"x\"", 7},                 // not an integer
        ErrorCase{"age = 99999999999999999999", 7},  // out of range
        ErrorCase{"state = PENDING", 9},             // not an enum name
        ErrorCase{"create_time > \"yesterday\"", 15},
        ErrorCase{"create_time > \"2026-01-01\"", 15},  // no time part
        ErrorCase{"tags = \"x\"", 6},                   // repeated takes ':'
        ErrorCase{"age : 1", 5},                        // scalar has no ':'
        ErrorCase{"state < ACTIVE", 7},                 // enum not ordered
        ErrorCase{"email != \"a\"", 7},  // schema allows '=' only
        ErrorCase{"(age = 1", 9},        // unclosed '('
        ErrorCase{"age = 1)", 8},        // stray ')'
        ErrorCase{"age = 1 AND", 12},    // AND without operand
        ErrorCase{"age = 1 OR OR age = 2", 12}, ErrorCase{"AND age = 1", 1},
        ErrorCase{"name = \"abc", 8},         // unclosed string
        ErrorCase{"name = \"a\\qb\"", 10},    // unknown escape
        ErrorCase{"age ! 1", 5},              // '!' without '='
        ErrorCase{"age = 1 and age = 2", 9},  // lower-case keyword
        ErrorCase{"NOT NOT age = 1", 5}, ErrorCase{"NOT", 4},
        ErrorCase{"name = \"\xff\"", 9},    // invalid UTF-8
        ErrorCase{"name = \"a\x01\"", 10},  // control character
        ErrorCase{"vip = yes", 7}, ErrorCase{"ttl > 5m", 7},
        ErrorCase{"ttl > 1.1234567891s", 7}, ErrorCase{"score = nan", 9},
        ErrorCase{"score = inf", 9}, ErrorCase{"()", 2}, ErrorCase{"= 1", 1},
        ErrorCase{"\"x\"", 1},  // global restriction
        ErrorCase{"age = 1 \"x\"", 9},
        ErrorCase{"name = \"\xc3\xa9\xc3\xa9\" OR", 15},  // columns count
                                                          // characters
        ErrorCase{std::string(33, '(') + "age = 1" + std::string(33, ')'),
                  33},                              // too deep
        ErrorCase{std::string(4097, ' '), 4097}));  // too long

TEST(FilterParserTest, MessageGivesColumnAndExpectedToken) {
  absl::StatusOr<Filter> filter =
      ParseFilter("age = 1 AND age =", TestFilterSchema());
  EXPECT_THAT(filter,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("filter: at column 18: expected a value "
                                 "after '=', found end of input")));
}

TEST(FilterParserTest, ErrorsNeverEchoValues) {
  for (absl::string_view text :
       {"name = \"secret-value\" age = \"secret-value\"", "secret-value = 1",
        "state = secret_value", "create_time > \"secret-value\"",
        "age = 1 \"secret-value\""}) {
    absl::StatusOr<Filter> filter = ParseFilter(text, TestFilterSchema());
    ASSERT_FALSE(filter.ok()) << text;
    EXPECT_THAT(std::string(filter.status().message()),
                Not(HasSubstr("secret-value")))
        << text;
    for (const auto& violation : FieldViolationsOf(filter.status())) {
      EXPECT_THAT(violation.second, Not(HasSubstr("secret-value")));
    }
  }
  // A long unknown name is not repeated either.
  absl::StatusOr<Filter> filter =
      ParseFilter(std::string(100, 'q') + " = 1", TestFilterSchema());
  EXPECT_THAT(std::string(filter.status().message()),
              Not(HasSubstr(std::string(100, 'q'))));
}

TEST(FilterSchemaTest, RejectsInvalidDefinitions) {
  EXPECT_FALSE(FilterSchema::Create({FieldSpec::String("a b")}, {}).ok());
  EXPECT_FALSE(
      FilterSchema::Create({FieldSpec::String("a"), FieldSpec::Int64("a")}, {})
          .ok());
  EXPECT_FALSE(FilterSchema::Create({FieldSpec::Enum("e", {})}, {}).ok());
  EXPECT_FALSE(
      FilterSchema::Create({FieldSpec::String("a")}, {{"b", "missing", {}}})
          .ok());
  EXPECT_FALSE(FilterSchema::Create({FieldSpec::String("a")},
                                    {{"b", "a", {.equals_means_has = true}}})
                   .ok());
  EXPECT_FALSE(
      FilterSchema::Create({FieldSpec::String("a").Repeated().WithComparators(
                               {Comparator::kEq})},
                           {})
          .ok());
  EXPECT_THAT(FilterSchema::Create({FieldSpec::String("a")}, {{"b", "a", {}}}),
              IsOk());
}

}  // namespace
}  // namespace crm::common::filter

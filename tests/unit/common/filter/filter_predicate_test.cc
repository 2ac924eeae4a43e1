#include "services/common/filter/filter_predicate.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "services/common/filter/filter_parser.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/common/filter/test_schema.h"

namespace crm::common::filter {
namespace {

using ::crm::testing::IsOk;
using testing::TestFilterSchema;

absl::Time At(int year, int month, int day) {
  return absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone());
}

// Ann: active, 30, tagged vip and eu, no email.
MapFilterRecord Ann() {
  return MapFilterRecord({
      {"name", {std::string("Ann")}},
      {"tags", {std::string("vip"), std::string("eu")}},
      {"address.country_code", {std::string("DE")}},
      {"state", {std::string("ACTIVE")}},
      {"age", {int64_t{30}}},
      {"score", {2.5}},
      {"vip", {true}},
      {"create_time", {At(2026, 1, 15)}},
      {"ttl", {absl::Seconds(90)}},
  });
}

bool AnnMatches(absl::string_view text) {
  absl::StatusOr<Filter> filter = ParseFilter(text, TestFilterSchema());
  EXPECT_THAT(filter, IsOk()) << text;
  return filter.ok() && Matches(*filter, Ann());
}

TEST(FilterPredicateTest, EmptyFilterMatchesEverything) {
  EXPECT_TRUE(AnnMatches(""));
}

TEST(FilterPredicateTest, ComparesEachType) {
  EXPECT_TRUE(AnnMatches("name = Ann"));
  EXPECT_FALSE(AnnMatches("name = ann"));  // Bytes, case-sensitive.
  EXPECT_TRUE(AnnMatches("name != Bob"));
  EXPECT_TRUE(AnnMatches("age = 30 AND age >= 30 AND age <= 30"));
  EXPECT_FALSE(AnnMatches("age > 30"));
  EXPECT_FALSE(AnnMatches("age < 30"));
  EXPECT_TRUE(AnnMatches("score > 2.4 AND score < 2.6"));
  EXPECT_TRUE(AnnMatches("vip = true"));
  EXPECT_FALSE(AnnMatches("vip = false"));
  EXPECT_TRUE(AnnMatches("state = ACTIVE"));
  EXPECT_TRUE(AnnMatches("state != MERGED"));
  EXPECT_TRUE(AnnMatches("create_time > \"2026-01-14T23:59:59.999999Z\""));
  EXPECT_FALSE(AnnMatches("create_time > \"2026-01-15T00:00:00Z\""));
  EXPECT_TRUE(AnnMatches("create_time >= \"2026-01-15T01:00:00+01:00\""));
  EXPECT_TRUE(AnnMatches("ttl > 89.999999s AND ttl <= 90s"));
  EXPECT_TRUE(AnnMatches("country_code = DE"));
}

TEST(FilterPredicateTest, HasMatchesAnyElement) {
  EXPECT_TRUE(AnnMatches("tags:vip"));
  EXPECT_TRUE(AnnMatches("tags:eu"));
  EXPECT_TRUE(AnnMatches("tag = eu"));
  EXPECT_FALSE(AnnMatches("tags:us"));
  EXPECT_TRUE(AnnMatches("NOT tags:us"));
}

TEST(FilterPredicateTest, UnsetFieldSatisfiesNoComparison) {
  EXPECT_FALSE(AnnMatches("email = \"a@x.org\""));
  EXPECT_TRUE(AnnMatches("NOT email = \"a@x.org\""));
}

TEST(FilterPredicateTest, CombinesWithPrecedence) {
  // OR binds tighter: age = 1 AND (vip = true OR ...) is false.
  EXPECT_FALSE(AnnMatches("age = 1 AND vip = true OR age = 30"));
  EXPECT_TRUE(AnnMatches("(age = 1 AND vip = true) OR age = 30"));
  EXPECT_TRUE(AnnMatches("age = 30 tags:vip"));
  EXPECT_FALSE(AnnMatches("age = 30 -tags:vip"));
  EXPECT_TRUE(AnnMatches("NOT (age = 1 OR state = MERGED)"));
}

TEST(FilterPredicateTest, MismatchedAlternativesNeverMatch) {
  absl::StatusOr<Filter> filter =
      ParseFilter("name = \"30\"", TestFilterSchema());
  ASSERT_THAT(filter, IsOk());
  MapFilterRecord record({{"name", {int64_t{30}}}});
  EXPECT_FALSE(Matches(*filter, record));
}

}  // namespace
}  // namespace crm::common::filter

// Text validation, resource names, etags, time conversions and keyset page
// requests, without a database.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "services/common/error_details.h"
#include "services/common/etag.h"
#include "services/common/keyset_page.h"
#include "services/common/page_token.h"
#include "services/common/resource_name.h"
#include "services/common/text_validation.h"
#include "services/common/timestamps.h"
#include "tests/testing/status_matchers.h"

namespace crm::common {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::HasSubstr;

TEST(IsValidUtf8, AcceptsWellFormedText) {
  for (const char* text : {"", "plain", "王小明", "emoji \xF0\x9F\x98\x80",
                           "\xF4\x8F\xBF\xBF" /* U+10FFFF */}) {
    EXPECT_TRUE(IsValidUtf8(text)) << text;
  }
}

TEST(IsValidUtf8, RejectsMalformedText) {
  for (const char* text :
       {"\x80", "\xC3", "\xC3\x28", "\xC0\xAF" /* overlong '/' */,
        "\xE0\x80\xAF", "\xED\xA0\x80" /* surrogate */,
        "\xF4\x90\x80\x80" /* above U+10FFFF */, "\xF8\x88\x80\x80\x80",
        "ok\xFF"}) {
    EXPECT_FALSE(IsValidUtf8(text)) << text;
  }
}

TEST(ValidateText, CountsCharactersAndNamesTheField) {
  EXPECT_EQ(Utf8Length("王小明"), 3u);
  EXPECT_THAT(ValidateText("王小明", "f", 3, Presence::kRequired), IsOk());
  const absl::Status too_long =
      ValidateText("王小明x", "x.f", 3, Presence::kOptional);
  EXPECT_EQ(too_long.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(too_long), crm::type::v1::FIELD_INVALID);
  EXPECT_EQ(ErrorMetadataOf(too_long).at("field"), "x.f");
  const absl::Status blank = ValidateText(" \t", "x.f", 3, Presence::kRequired);
  EXPECT_EQ(blank.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(blank), crm::type::v1::FIELD_REQUIRED);
  EXPECT_EQ(ErrorMetadataOf(blank).at("field"), "x.f");
  EXPECT_THAT(ValidateText("", "x.f", 3, Presence::kOptional), IsOk());
  const absl::Status not_utf8 =
      ValidateText("\xC3", "x.f", 3, Presence::kOptional);
  EXPECT_EQ(ReasonOf(not_utf8), crm::type::v1::FIELD_INVALID);
  EXPECT_EQ(ErrorMetadataOf(not_utf8).at("field"), "x.f");
}

TEST(CollapseWhitespace, TrimsAndCollapses) {
  EXPECT_EQ(CollapseWhitespace("  a \t\n b  "), "a b");
  EXPECT_EQ(CollapseWhitespace("\xE3\x80\x80王\xE3\x80\x80 小明 "), "王 小明");
  EXPECT_EQ(CollapseWhitespace(""), "");
  EXPECT_EQ(CollapseWhitespace("   "), "");
}

TEST(ResourceName, ParsesAndFormats) {
  EXPECT_EQ(ParseResourceName("things/a-b_c.d~e", "things", "name").value(),
            "a-b_c.d~e");
  EXPECT_EQ(FormatResourceName("things", "x"), "things/x");
  for (const char* name : {"", "things", "things/", "things/a/b", "thing/a",
                           "things/a b", "things/\xE7\x8E\x8B"}) {
    EXPECT_THAT(
        ParseResourceName(name, "things", "thing_name"),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("thing_name")))
        << name;
  }
  EXPECT_THAT(ValidateResourceId(std::string(64, 'a'), "id"), IsOk());
  EXPECT_THAT(ValidateResourceId(std::string(65, 'a'), "id"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("id")));
}

TEST(Etag, RoundTripsAndRejectsForeignValues) {
  EXPECT_NE(EncodeEtag(1), EncodeEtag(2));
  EXPECT_EQ(DecodeEtag(EncodeEtag(42)).value(), 42);
  for (const char* etag : {"", "42", "not base64!", "Y3JtLXY="}) {
    EXPECT_THAT(DecodeEtag(etag),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("etag")))
        << etag;
  }
}

TEST(Timestamps, ConvertWithMicrosecondPrecision) {
  const absl::Time t =
      absl::FromUnixMicros(1767225600123456) + absl::Nanoseconds(789);
  EXPECT_EQ(FormatSqlDatetime(t), "2026-01-01 00:00:00.123456");
  EXPECT_EQ(ParseSqlDatetime("2026-01-01 00:00:00.123456").value(),
            TruncateToMicros(t));
  EXPECT_EQ(ParseSqlDatetime("2026-01-01 00:00:00").value(),
            absl::FromUnixSeconds(1767225600));
  EXPECT_THAT(ParseSqlDatetime("yesterday"),
              StatusIs(absl::StatusCode::kInternal));
  const google::protobuf::Timestamp proto = ToProtoTimestamp(t);
  EXPECT_EQ(proto.seconds(), 1767225600);
  EXPECT_EQ(proto.nanos(), 123456000);
  EXPECT_EQ(FromProtoTimestamp(proto), TruncateToMicros(t));
  const google::protobuf::Timestamp before_epoch =
      ToProtoTimestamp(absl::FromUnixMicros(-1));
  EXPECT_EQ(before_epoch.seconds(), -1);
  EXPECT_EQ(before_epoch.nanos(), 999999000);
}

TEST(KeysetPage, TokensRoundTripForTheSameQueryOnly) {
  CRM_ASSERT_OK_AND_ASSIGN(PageRequest first, ParsePageRequest(0, "", "q"));
  EXPECT_EQ(first.page_size, kDefaultPageSize);
  EXPECT_FALSE(first.after.has_value());
  CRM_ASSERT_OK_AND_ASSIGN(PageRequest capped, ParsePageRequest(5000, "", "q"));
  EXPECT_EQ(capped.page_size, kMaxPageSize);
  EXPECT_THAT(
      ParsePageRequest(-1, "", "q"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size")));

  const KeysetPosition position{absl::FromUnixMicros(1767225600000001), "id9"};
  const std::string token = NextPageToken(position, "q");
  ASSERT_FALSE(token.empty());
  CRM_ASSERT_OK_AND_ASSIGN(PageRequest next, ParsePageRequest(3, token, "q"));
  ASSERT_TRUE(next.after.has_value());
  EXPECT_EQ(next.after->create_time, position.create_time);
  EXPECT_EQ(next.after->id, "id9");
  EXPECT_THAT(
      ParsePageRequest(3, token, "other"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  EXPECT_EQ(NextPageToken(std::nullopt, "q"), "");
}

TEST(KeysetPage, MakePageCutsTheExtraRow) {
  const std::function<KeysetPosition(const int&)> position_of =
      [](const int& row) {
        return KeysetPosition{absl::FromUnixSeconds(row), std::to_string(row)};
      };
  Page<int> full = MakePage<int>({5, 4, 3}, 2, position_of);
  EXPECT_THAT(full.items, ::testing::ElementsAre(5, 4));
  ASSERT_TRUE(full.next.has_value());
  EXPECT_EQ(full.next->id, "4");
  Page<int> last = MakePage<int>({2, 1}, 2, position_of);
  EXPECT_THAT(last.items, ::testing::ElementsAre(2, 1));
  EXPECT_FALSE(last.next.has_value());
}

}  // namespace
}  // namespace crm::common

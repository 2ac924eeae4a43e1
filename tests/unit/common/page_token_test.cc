#include "services/common/page_token.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/error_details.h"

#include "tests/testing/status_matchers.h"

namespace crm::common {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kQuery[] =
    "parent=shops/1;filter=state=ACTIVE;order=create_time";

TEST(PageToken, RoundTrips) {
  const PageCursor cursor{"1700000000123456", "k3v9q0c2m7x1d8r4t6zb"};
  const std::string token = EncodePageToken(cursor, kQuery);
  EXPECT_THAT(token, ::testing::MatchesRegex("[A-Za-z0-9_-]+"));
  CRM_ASSERT_OK_AND_ASSIGN(PageCursor decoded, DecodePageToken(token, kQuery));
  EXPECT_EQ(decoded.sort_key, cursor.sort_key);
  EXPECT_EQ(decoded.id, cursor.id);
}

TEST(PageToken, RoundTripsEmptyAndBinaryFields) {
  const PageCursor cursor{"", std::string("a\0b\xff", 4)};
  CRM_ASSERT_OK_AND_ASSIGN(PageCursor decoded,
                           DecodePageToken(EncodePageToken(cursor, ""), ""));
  EXPECT_EQ(decoded.sort_key, "");
  EXPECT_EQ(decoded.id, cursor.id);
}

TEST(PageToken, IsDeterministic) {
  const PageCursor cursor{"42", "abc"};
  EXPECT_EQ(EncodePageToken(cursor, kQuery), EncodePageToken(cursor, kQuery));
}

TEST(PageToken, RejectsEveryOneCharacterTampering) {
  const std::string token =
      EncodePageToken({"1700000000123456", "abc"}, kQuery);
  for (size_t i = 0; i < token.size(); ++i) {
    std::string tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    EXPECT_THAT(
        DecodePageToken(tampered, kQuery),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")))
        << "position " << i;
  }
}

TEST(PageToken, RejectsTruncatedAndExtendedTokens) {
  const std::string token = EncodePageToken({"17", "abc"}, kQuery);
  for (size_t length = 1; length < token.size(); ++length) {
    EXPECT_THAT(DecodePageToken(token.substr(0, length), kQuery),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << "length " << length;
  }
  EXPECT_THAT(DecodePageToken(token + "A", kQuery),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodePageToken(token + "=", kQuery),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PageToken, RejectsTokenOfAnotherQuery) {
  const std::string token = EncodePageToken({"17", "abc"}, kQuery);
  EXPECT_THAT(DecodePageToken(token, "parent=shops/2"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(DecodePageToken(token, "other query").status()),
            crm::type::v1::PAGE_TOKEN_INVALID);
}

TEST(PageToken, RejectsGarbage) {
  for (const char* garbage :
       {"not a token", "!!!!", "%%%", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "eyJhbGciOiJIUzI1NiJ9", "////", "\xff\xfe"}) {
    EXPECT_THAT(
        DecodePageToken(garbage, kQuery),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")))
        << garbage;
  }
  EXPECT_THAT(DecodePageToken(std::string(100000, 'A'), kQuery),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PageToken, RejectsEmptyToken) {
  EXPECT_THAT(
      DecodePageToken("", kQuery),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
}

TEST(NormalizePageSize, AppliesDefaultAndMaximum) {
  EXPECT_EQ(*NormalizePageSize(0), kDefaultPageSize);
  EXPECT_EQ(*NormalizePageSize(1), 1);
  EXPECT_EQ(*NormalizePageSize(kMaxPageSize), kMaxPageSize);
  EXPECT_EQ(*NormalizePageSize(kMaxPageSize + 1), kMaxPageSize);
  EXPECT_EQ(*NormalizePageSize(0, 10, 100), 10);
  EXPECT_EQ(*NormalizePageSize(500, 10, 100), 100);
  EXPECT_EQ(*NormalizePageSize(0, 200, 100), 100);
}

TEST(NormalizePageSize, RejectsNegative) {
  EXPECT_THAT(NormalizePageSize(-1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(NormalizePageSize(-1).status()),
            crm::type::v1::FIELD_INVALID);
  EXPECT_EQ(ErrorMetadataOf(NormalizePageSize(-1).status()).at("field"),
            "page_size");
}

}  // namespace
}  // namespace crm::common

#include "gateway/auth/api_keys.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/testing/status_matchers.h"

namespace crm::gateway::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAdminKey[] = "admin-key-0123456789abcdef";
constexpr char kRecordOrder[] =
    "crm.customerprofile.v1.CustomerProfileService.RecordOrder";

TEST(ApiKeysTest, FindsKeysGivenAsTextOrDigest) {
  const std::string digest = HexOf(Sha256("agent-key-0123456789"));
  absl::StatusOr<ApiKeyStore> store = ApiKeyStore::Parse(absl::StrCat(
      "# comment\n", "ops admin ", kAdminKey, "\n",
      "  desk  agent  sha256:", digest, "  # the desk\n", "etl service sha256:",
      HexOf(Sha256("etl-key-0123456789ab")), " ", kRecordOrder, ";"));
  ASSERT_THAT(store, crm::testing::IsOk());
  EXPECT_EQ(store->size(), 3u);
  const ApiKey* admin = store->Find(kAdminKey);
  ASSERT_NE(admin, nullptr);
  EXPECT_EQ(admin->id, "ops");
  EXPECT_EQ(admin->role, Role::kAdmin);
  const ApiKey* agent = store->Find("agent-key-0123456789");
  ASSERT_NE(agent, nullptr);
  EXPECT_EQ(agent->role, Role::kAgent);
  const ApiKey* etl = store->Find("etl-key-0123456789ab");
  ASSERT_NE(etl, nullptr);
  EXPECT_EQ(etl->role, Role::kService);
  EXPECT_EQ(etl->methods.count(kRecordOrder), 1u);
  EXPECT_EQ(store->Find("agent-key-012345678"), nullptr);
  EXPECT_EQ(store->Find(""), nullptr);
  // The digest as text is not the key.
  EXPECT_EQ(store->Find(digest), nullptr);
  EXPECT_EQ(store->Find(absl::StrCat("sha256:", digest)), nullptr);
}

TEST(ApiKeysTest, UppercaseDigestsWork) {
  std::string digest = HexOf(Sha256("another-key-0123456789"));
  for (char& c : digest) c = static_cast<char>(toupper(c));
  auto store = ApiKeyStore::Parse(absl::StrCat("x analyst sha256:", digest));
  ASSERT_THAT(store, crm::testing::IsOk());
  EXPECT_NE(store->Find("another-key-0123456789"), nullptr);
}

TEST(ApiKeysTest, RefusesBadEntriesWithoutEchoingTheKey) {
  const char* secret = "a-secret-that-must-not-appear";
  struct Case {
    std::string text;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {absl::StrCat("ops root ", secret), "role"},
           {"ops admin short", "at least 16"},
           {"ops admin sha256:abc", "64 hex"},
           {absl::StrCat("ops admin sha256:", std::string(64, 'g')), "64 hex"},
           {absl::StrCat("ops admin ", secret, "\nops agent ", secret, "x"),
            "duplicate id"},
           {absl::StrCat("a admin ", secret, "\nb agent ", secret),
            "configured twice"},
           {absl::StrCat("ops admin ", secret, " ", kRecordOrder),
            "only service"},
           {absl::StrCat("etl service ", secret), "needs its methods"},
           {absl::StrCat("etl service ", secret, " crm.Nope.M"), "crm.Nope.M"},
           {absl::StrCat("o/ps admin ", secret), "id"},
           {"ops admin", "expected"},
       }) {
    auto store = ApiKeyStore::Parse(c.text);
    ASSERT_THAT(store, Not(crm::testing::IsOk())) << c.text;
    EXPECT_THAT(std::string(store.status().message()), HasSubstr(c.message))
        << c.text;
    EXPECT_THAT(std::string(store.status().message()),
                Not(HasSubstr("must-not-appear")));
  }
}

TEST(ApiKeysTest, EmptyConfigurationHasNoKeys) {
  auto store = ApiKeyStore::Parse("\n# nothing\n;;");
  ASSERT_THAT(store, crm::testing::IsOk());
  EXPECT_TRUE(store->empty());
  EXPECT_EQ(store->Find("anything-at-all-here"), nullptr);
}

TEST(ApiKeysTest, Sha256MatchesAKnownVector) {
  EXPECT_EQ(HexOf(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace crm::gateway::auth

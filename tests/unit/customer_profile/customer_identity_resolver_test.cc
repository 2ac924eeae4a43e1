// The resolution order of identity resolution (pure parts; the lookups run
// over the fakes in customer_manager_test.cc).
#include "services/customer_profile/customer_identity_resolver.h"

#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/error_details.h"
#include "tests/testing/status_matchers.h"

namespace crm::customer_profile {
namespace {

using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Pair;

TEST(ParseResolutionOrder, AcceptsEachKindOnceInAnyOrder) {
  CRM_ASSERT_OK_AND_ASSIGN(std::vector<IdentifierKind> order,
                           ParseResolutionOrder(" phone , external_identity"));
  EXPECT_THAT(order,
              ElementsAre(IdentifierKind::kPhone, IdentifierKind::kExternal));
  EXPECT_EQ(ParseResolutionOrder("external_identity,email,phone").value(),
            DefaultResolutionOrder());
  for (const char* bad : {"", "email,email", "email,fax", "EMAIL"}) {
    absl::StatusOr<std::vector<IdentifierKind>> parsed =
        ParseResolutionOrder(bad);
    EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_EQ(crm::common::ErrorMetadataOf(parsed.status())["field"],
              "resolution_order")
        << bad;
  }
}

TEST(ResolutionKeys, TriesKindsInTheConfiguredOrderIdentitiesInListOrder) {
  const std::vector<std::pair<IdentifierKind, std::string>> identifiers = {
      {IdentifierKind::kExternal, "card"},
      {IdentifierKind::kEmail, "mail"},
      {IdentifierKind::kExternal, "wechat"},
      {IdentifierKind::kPhone, "tel"}};
  EXPECT_THAT(ResolutionKeys(DefaultResolutionOrder(), identifiers),
              ElementsAre(Pair(IdentifierKind::kExternal, "card"),
                          Pair(IdentifierKind::kExternal, "wechat"),
                          Pair(IdentifierKind::kEmail, "mail"),
                          Pair(IdentifierKind::kPhone, "tel")));
  // Kinds left out of the order never resolve.
  EXPECT_THAT(ResolutionKeys({IdentifierKind::kPhone, IdentifierKind::kEmail},
                             identifiers),
              ElementsAre(Pair(IdentifierKind::kPhone, "tel"),
                          Pair(IdentifierKind::kEmail, "mail")));
}

}  // namespace
}  // namespace crm::customer_profile

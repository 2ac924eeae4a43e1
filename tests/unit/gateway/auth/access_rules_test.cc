// The access table covers every method the gateway serves.
#include "gateway/auth/access_rules.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "gateway/backend_clients.h"
#include "gateway/gateway_config.h"
#include "gateway/transcoding/transcoder.h"
#include "tests/testing/status_matchers.h"

namespace crm::gateway::auth {
namespace {

TEST(AccessRulesTest, EveryRoutedMethodHasARule) {
  BackendClients clients{GatewayConfig{}};
  auto transcoder = transcoding::Transcoder::Create(
      transcoding::CrmServiceBindings(clients), clients);
  ASSERT_THAT(transcoder, crm::testing::IsOk());
  ASSERT_FALSE((*transcoder)->routes().empty());
  for (const auto& route : (*transcoder)->routes()) {
    EXPECT_NE(FindAccessRule(route->rpc->full_name()), nullptr)
        << route->http_method << " " << route->path.text() << " ("
        << route->rpc->full_name()
        << ") has no access rule in gateway/auth/access_rules.cc";
  }
  // The hand-written /v1 routes.
  for (const char* own :
       {"crm.gateway.v1.CustomerView", "crm.gateway.v1.CustomerExport",
        "crm.gateway.v1.CustomerCoupons",
        "crm.gateway.v1.CustomerSurveyResponses", "crm.gateway.v1.WhoAmI"}) {
    EXPECT_NE(FindAccessRule(own), nullptr) << own;
  }
  EXPECT_NE(
      FindAccessRule(
          "crm.customerprofile.v1.CustomerProfileService.ImportCustomers"),
      nullptr);
}

TEST(AccessRulesTest, RolesFollowTheTable) {
  const AccessRule* erase = FindAccessRule(
      "crm.customerprofile.v1.CustomerProfileService.EraseCustomer");
  ASSERT_NE(erase, nullptr);
  EXPECT_TRUE(erase->Allows(Role::kAdmin));
  EXPECT_FALSE(erase->Allows(Role::kAgent));
  EXPECT_FALSE(erase->Allows(Role::kAnalyst));
  EXPECT_FALSE(erase->Allows(Role::kService));  // Scope decides.
  const AccessRule* adjust =
      FindAccessRule("crm.loyalty.v1.LoyaltyService.AdjustPoints");
  ASSERT_NE(adjust, nullptr);
  EXPECT_FALSE(adjust->Allows(Role::kAgent));
  const AccessRule* segments =
      FindAccessRule("crm.segmentation.v1.SegmentationService.ListSegments");
  ASSERT_NE(segments, nullptr);
  EXPECT_TRUE(segments->Allows(Role::kAnalyst));
  EXPECT_EQ(FindAccessRule("crm.nothing.v1.S.M"), nullptr);
}

TEST(AccessRulesTest, ClvCalibrationReportIsForAnalystsAndAdmins) {
  const AccessRule* report = FindAccessRule(
      "crm.segmentation.v1.SegmentationService.GetClvCalibrationReport");
  ASSERT_NE(report, nullptr);
  EXPECT_TRUE(report->Allows(Role::kAdmin));
  EXPECT_TRUE(report->Allows(Role::kAnalyst));
  EXPECT_FALSE(report->Allows(Role::kAgent));
  EXPECT_FALSE(report->customer_own);
}

TEST(AccessRulesTest, ReferralsAreForStaffAndTheCodeForItsMember) {
  const AccessRule* code =
      FindAccessRule("crm.loyalty.v1.LoyaltyService.GetReferralCode");
  ASSERT_NE(code, nullptr);
  EXPECT_TRUE(code->Allows(Role::kAgent));
  EXPECT_FALSE(code->Allows(Role::kAnalyst));
  EXPECT_TRUE(code->customer_own);
  const AccessRule* create =
      FindAccessRule("crm.loyalty.v1.LoyaltyService.CreateReferral");
  ASSERT_NE(create, nullptr);
  EXPECT_TRUE(create->Allows(Role::kAgent));
  EXPECT_FALSE(create->Allows(Role::kAnalyst));
  EXPECT_FALSE(create->customer_own);
  const AccessRule* list =
      FindAccessRule("crm.loyalty.v1.LoyaltyService.ListReferrals");
  ASSERT_NE(list, nullptr);
  EXPECT_TRUE(list->Allows(Role::kAnalyst));
  EXPECT_FALSE(list->customer_own);
}

TEST(AccessRulesTest, OnlyWhoAmIIsOpenToEveryCaller) {
  for (const AccessRule& rule : AllAccessRules()) {
    EXPECT_EQ(rule.any_caller,
              std::string(rule.method) == "crm.gateway.v1.WhoAmI")
        << rule.method;
  }
}

TEST(AccessRulesTest, RoleNamesRoundTrip) {
  for (Role role :
       {Role::kAdmin, Role::kAgent, Role::kAnalyst, Role::kService}) {
    Role parsed = Role::kAdmin;
    ASSERT_TRUE(ParseRole(RoleName(role), &parsed));
    EXPECT_EQ(parsed, role);
  }
  Role parsed = Role::kAdmin;
  EXPECT_FALSE(ParseRole("root", &parsed));
  EXPECT_FALSE(ParseRole("Admin", &parsed));
}

}  // namespace
}  // namespace crm::gateway::auth

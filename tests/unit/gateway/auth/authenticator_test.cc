#include "gateway/auth/authenticator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/testing/status_matchers.h"

namespace crm::gateway::auth {
namespace {

using ::testing::HasSubstr;

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef-secret";
constexpr char kGetCustomer[] =
    "crm.customerprofile.v1.CustomerProfileService.GetCustomer";
constexpr char kErase[] =
    "crm.customerprofile.v1.CustomerProfileService.EraseCustomer";
constexpr char kRecordOrder[] =
    "crm.customerprofile.v1.CustomerProfileService.RecordOrder";
constexpr char kListLedger[] =
    "crm.loyalty.v1.LoyaltyService.ListLedgerEntries";

common::HttpRequest WithHeader(const std::string& name,
                               const std::string& value) {
  common::HttpRequest request;
  request.method = "GET";
  request.path = "/v1/customers/c1";
  request.headers[name] = value;
  return request;
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  AuthenticatorTest() {
    ApiKeyStore keys = *ApiKeyStore::Parse(absl::StrCat(
        "ops admin admin-key-0123456789\n", "desk agent agent-key-0123456789\n",
        "bi analyst analyst-key-012345678\n",
        "etl service service-key-012345678 ", kRecordOrder));
    CustomerTokenOptions tokens;
    tokens.secret = kSecret;
    tokens.issuer = "crm-login";
    tokens.audience = "crm-gateway";
    auth_ = std::make_unique<Authenticator>(
        std::move(keys), std::make_unique<CustomerTokenVerifier>(
                             *CustomerTokenVerifier::Create(tokens)));
  }

  absl::StatusOr<Principal> WithKey(const std::string& key) {
    return auth_->Authenticate(WithHeader(kApiKeyHeader, key));
  }

  std::string Token(const std::string& subject) {
    return SignCustomerToken(
        absl::StrCat(R"({"iss":"crm-login","aud":"crm-gateway","sub":")",
                     subject, R"(","exp":)",
                     absl::ToUnixSeconds(absl::Now()) + 300, "}"),
        kSecret);
  }

  std::unique_ptr<Authenticator> auth_;
};

TEST_F(AuthenticatorTest, NoCredentialsIsUnauthenticated) {
  common::HttpRequest request;
  auto who = auth_->Authenticate(request);
  EXPECT_EQ(who.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(who.status().message()), HasSubstr("X-API-Key"));
}

TEST_F(AuthenticatorTest, KnowsKeysAndTheirRoles) {
  auto admin = WithKey("admin-key-0123456789");
  ASSERT_THAT(admin, crm::testing::IsOk());
  EXPECT_EQ(admin->role, Role::kAdmin);
  EXPECT_EQ(admin->LogLabel(), "key:ops");
  EXPECT_FALSE(admin->masks_personal_data());
  auto analyst = WithKey("analyst-key-012345678");
  ASSERT_THAT(analyst, crm::testing::IsOk());
  EXPECT_TRUE(analyst->masks_personal_data());
  EXPECT_EQ(WithKey("nope-key-0123456789").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(WithKey("").status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthenticatorTest, BothCredentialsAtOnceAreRefused) {
  common::HttpRequest request =
      WithHeader(kApiKeyHeader, "admin-key-0123456789");
  request.headers[kAuthorizationHeader] = "Bearer " + Token("customers/c1");
  EXPECT_EQ(auth_->Authenticate(request).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthenticatorTest, ReadsCustomerTokens) {
  auto customer = auth_->Authenticate(
      WithHeader(kAuthorizationHeader, "Bearer " + Token("customers/c7")));
  ASSERT_THAT(customer, crm::testing::IsOk());
  EXPECT_EQ(customer->kind, Principal::Kind::kCustomer);
  EXPECT_EQ(customer->customer_id, "c7");
  EXPECT_EQ(customer->LogLabel(), "customer");
  for (const std::string& header :
       {std::string("Basic abc"), std::string("Bearer"),
        std::string("Bearer not.a.token"), "Token " + Token("customers/c7")}) {
    EXPECT_EQ(auth_->Authenticate(WithHeader(kAuthorizationHeader, header))
                  .status()
                  .code(),
              absl::StatusCode::kUnauthenticated)
        << header;
  }
}

TEST_F(AuthenticatorTest, AuthorizesByRole) {
  Principal admin = *WithKey("admin-key-0123456789");
  Principal agent = *WithKey("agent-key-0123456789");
  Principal analyst = *WithKey("analyst-key-012345678");
  Principal service = *WithKey("service-key-012345678");
  EXPECT_THAT(Authorize(admin, kErase, "customers/c1"), crm::testing::IsOk());
  EXPECT_EQ(Authorize(agent, kErase, "customers/c1").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Authorize(analyst, kErase, "customers/c1").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Authorize(analyst, kGetCustomer, "customers/c1"),
              crm::testing::IsOk());
  EXPECT_THAT(Authorize(service, kRecordOrder, "customers/c1"),
              crm::testing::IsOk());
  EXPECT_EQ(Authorize(service, kGetCustomer, "customers/c1").code(),
            absl::StatusCode::kPermissionDenied);
  // A method without a rule: admin only.
  EXPECT_THAT(Authorize(admin, "crm.x.v1.S.New", ""), crm::testing::IsOk());
  EXPECT_EQ(Authorize(agent, "crm.x.v1.S.New", "").code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(AuthenticatorTest, CustomersReachOnlyTheirOwnResources) {
  Principal me = *auth_->Authenticate(
      WithHeader(kAuthorizationHeader, "Bearer " + Token("customers/c1")));
  EXPECT_THAT(Authorize(me, kGetCustomer, "customers/c1"),
              crm::testing::IsOk());
  EXPECT_THAT(Authorize(me, kListLedger, "accounts/c1"), crm::testing::IsOk());
  EXPECT_EQ(Authorize(me, kGetCustomer, "customers/c2").code(),
            absl::StatusCode::kNotFound);
  // A prefix of another id is another id.
  EXPECT_EQ(Authorize(me, kGetCustomer, "customers/c10").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Authorize(me, kListLedger, "accounts/c12").code(),
            absl::StatusCode::kNotFound);
  // Staff methods are refused whatever the resource.
  EXPECT_EQ(Authorize(me, kErase, "customers/c1").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Authorize(me, kRecordOrder, "customers/c1").code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace crm::gateway::auth

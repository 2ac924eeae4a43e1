#include "gateway/auth/customer_token.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "tests/testing/status_matchers.h"

namespace crm::gateway::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef-secret";
constexpr int64_t kNow = 1800000000;

std::string Claims(int64_t exp, absl::string_view extra = "",
                   absl::string_view aud = "\"crm-gateway\"",
                   absl::string_view iss = "crm-login",
                   absl::string_view sub = "customers/c1") {
  return absl::StrCat(R"({"iss":")", iss, R"(","aud":)", aud, R"(,"sub":")",
                      sub, R"(","exp":)", exp, extra, "}");
}

class CustomerTokenTest : public ::testing::Test {
 protected:
  CustomerTokenTest() {
    CustomerTokenOptions options;
    options.secret = kSecret;
    options.issuer = "crm-login";
    options.audience = "crm-gateway";
    options.clock_skew = absl::Seconds(60);
    options.now = [] { return absl::FromUnixSeconds(kNow); };
    verifier_ = *CustomerTokenVerifier::Create(options);
  }

  absl::StatusOr<std::string> Verify(const std::string& token) {
    return verifier_->Verify(token);
  }

  std::optional<CustomerTokenVerifier> verifier_;
};

TEST_F(CustomerTokenTest, AcceptsAValidToken) {
  auto customer = Verify(
      SignCustomerToken(Claims(kNow + 300, R"(,"iat":1800000000)"), kSecret));
  ASSERT_THAT(customer, crm::testing::IsOk());
  EXPECT_EQ(*customer, "c1");
  // aud as an array.
  customer = Verify(SignCustomerToken(
      Claims(kNow + 300, "", R"(["other","crm-gateway"])"), kSecret));
  ASSERT_THAT(customer, crm::testing::IsOk());
}

TEST_F(CustomerTokenTest, RefusesAlgNoneAndOtherAlgorithms) {
  const std::string payload = Claims(kNow + 300);
  // alg none, no signature.
  std::string none =
      absl::StrCat(absl::WebSafeBase64Escape(R"({"alg":"none","typ":"JWT"})"),
                   ".", absl::WebSafeBase64Escape(payload), ".");
  EXPECT_EQ(Verify(none).status().code(), absl::StatusCode::kUnauthenticated);
  // alg none with a (valid HS256) signature still refused.
  EXPECT_EQ(Verify(SignCustomerToken(payload, kSecret, R"({"alg":"none"})"))
                .status()
                .code(),
            absl::StatusCode::kUnauthenticated);
  for (const char* header :
       {R"({"alg":"HS512"})", R"({"alg":"RS256"})", R"({"alg":"hs256"})",
        R"({"typ":"JWT"})", R"({"alg":"HS256","crit":["x"]})",
        R"({"alg":"HS256","typ":"JWE"})", R"(not json)"}) {
    auto result = Verify(SignCustomerToken(payload, kSecret, header));
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated)
        << header;
  }
}

TEST_F(CustomerTokenTest, RefusesATamperedOrForeignSignature) {
  std::string token = SignCustomerToken(Claims(kNow + 300), kSecret);
  // Another customer in the payload, the signature of the first.
  std::string other_payload = absl::WebSafeBase64Escape(
      Claims(kNow + 300, "", "\"crm-gateway\"", "crm-login", "customers/c2"));
  size_t first_dot = token.find('.');
  size_t second_dot = token.find('.', first_dot + 1);
  std::string swapped = absl::StrCat(token.substr(0, first_dot + 1),
                                     other_payload, token.substr(second_dot));
  auto result = Verify(swapped);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("signature"));
  // One flipped character of the signature.
  std::string flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(Verify(flipped).status().code(),
            absl::StatusCode::kUnauthenticated);
  // Another secret.
  EXPECT_EQ(Verify(SignCustomerToken(Claims(kNow + 300),
                                     "another-secret-of-32-bytes-or-more!!"))
                .status()
                .code(),
            absl::StatusCode::kUnauthenticated);
  // Padding, extra parts, junk.
  for (const std::string& bad : {token + "=", token + ".x", std::string("a.b"),
                                 std::string(""), std::string(5000, 'a')}) {
    EXPECT_EQ(Verify(bad).status().code(), absl::StatusCode::kUnauthenticated)
        << bad.substr(0, 40);
  }
}

TEST_F(CustomerTokenTest, ChecksExpiryWithBoundedSkew) {
  // Expired 59 s ago: inside the 60 s skew.
  EXPECT_THAT(Verify(SignCustomerToken(Claims(kNow - 59), kSecret)),
              crm::testing::IsOk());
  auto expired = Verify(SignCustomerToken(Claims(kNow - 61), kSecret));
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(expired.status().message()), HasSubstr("expired"));
  // Not valid before 2 minutes from now.
  EXPECT_EQ(Verify(SignCustomerToken(Claims(kNow + 600, R"(,"nbf":1800000120)"),
                                     kSecret))
                .status()
                .code(),
            absl::StatusCode::kUnauthenticated);
  // Issued in the future beyond the skew.
  EXPECT_EQ(Verify(SignCustomerToken(Claims(kNow + 600, R"(,"iat":1800000100)"),
                                     kSecret))
                .status()
                .code(),
            absl::StatusCode::kUnauthenticated);
  // No exp at all, or not a number.
  EXPECT_EQ(
      Verify(
          SignCustomerToken(
              R"({"iss":"crm-login","aud":"crm-gateway","sub":"customers/c1"})",
              kSecret))
          .status()
          .code(),
      absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(
      Verify(
          SignCustomerToken(
              R"({"iss":"crm-login","aud":"crm-gateway","sub":"customers/c1","exp":"1900000000"})",
              kSecret))
          .status()
          .code(),
      absl::StatusCode::kUnauthenticated);
}

TEST_F(CustomerTokenTest, ChecksIssuerAudienceAndSubject) {
  auto wrong_aud = Verify(
      SignCustomerToken(Claims(kNow + 300, "", "\"other-api\""), kSecret));
  EXPECT_EQ(wrong_aud.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(wrong_aud.status().message()), HasSubstr("audience"));
  EXPECT_EQ(
      Verify(SignCustomerToken(
                 Claims(kNow + 300, "", "\"crm-gateway\"", "evil"), kSecret))
          .status()
          .code(),
      absl::StatusCode::kUnauthenticated);
  for (const char* subject : {"c1", "customers/", "customers/c1/orders/o1",
                              "customers/c 1", "accounts/c1"}) {
    EXPECT_EQ(Verify(SignCustomerToken(Claims(kNow + 300, "", "\"crm-gateway\"",
                                              "crm-login", subject),
                                       kSecret))
                  .status()
                  .code(),
              absl::StatusCode::kUnauthenticated)
        << subject;
  }
}

TEST(CustomerTokenOptionsTest, RefusesWeakSettings) {
  CustomerTokenOptions options;
  options.secret = "short";
  options.issuer = "i";
  options.audience = "a";
  EXPECT_THAT(CustomerTokenVerifier::Create(options),
              Not(crm::testing::IsOk()));
  options.secret = kSecret;
  options.clock_skew = absl::Minutes(6);
  EXPECT_THAT(CustomerTokenVerifier::Create(options),
              Not(crm::testing::IsOk()));
  options.clock_skew = absl::Seconds(30);
  options.audience = "";
  EXPECT_THAT(CustomerTokenVerifier::Create(options),
              Not(crm::testing::IsOk()));
}

}  // namespace
}  // namespace crm::gateway::auth

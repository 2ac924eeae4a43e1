// Outbound webhook rules as pure functions: the signature against a vector
// computed with `openssl dgst -sha256 -hmac`, verification (tampering,
// tolerance, malformed headers), retry delays, and what valid endpoints,
// messages and delivery names are.
#include "services/loyalty/webhook_signature.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "services/loyalty/webhook_rules.h"
#include "tests/testing/status_matchers.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kSecret[] = "whsec_test";
constexpr char kBody[] = R"({"event":"x"})";
constexpr int64_t kTimestamp = 1767225600;
// printf '%s' '1767225600.{"event":"x"}' | openssl dgst -sha256 -hmac
// whsec_test
constexpr char kKnownSignature[] =
    "d6f641b454be93b94bfa5a20011468d443004fd8a7c73a17563ebe9c0d65e686";
const absl::Time kNow = absl::FromUnixSeconds(kTimestamp);

TEST(WebhookSignatureTest, MatchesTheOpensslVector) {
  EXPECT_EQ(SignWebhook(kSecret, kTimestamp, kBody), kKnownSignature);
}

TEST(WebhookSignatureTest, DependsOnSecretTimestampAndBody) {
  const std::string base = SignWebhook(kSecret, kTimestamp, kBody);
  EXPECT_NE(SignWebhook("whsec_other", kTimestamp, kBody), base);
  EXPECT_NE(SignWebhook(kSecret, kTimestamp + 1, kBody), base);
  EXPECT_NE(SignWebhook(kSecret, kTimestamp, R"({"event":"y"})"), base);
}

TEST(WebhookSignatureTest, VerifiesAGoodSignatureWithinTolerance) {
  EXPECT_THAT(VerifyWebhookSignature(kSecret, "1767225600", kBody,
                                     kKnownSignature, kNow),
              IsOk());
  EXPECT_THAT(VerifyWebhookSignature(kSecret, "1767225600", kBody,
                                     kKnownSignature, kNow + absl::Minutes(5)),
              IsOk());
}

TEST(WebhookSignatureTest, RejectsTamperedBodySecretOrSignature) {
  EXPECT_THAT(VerifyWebhookSignature(kSecret, "1767225600", R"({"event":"y"})",
                                     kKnownSignature, kNow),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(VerifyWebhookSignature("whsec_other", "1767225600", kBody,
                                     kKnownSignature, kNow),
              StatusIs(absl::StatusCode::kUnauthenticated));
  std::string flipped = kKnownSignature;
  flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
  EXPECT_THAT(
      VerifyWebhookSignature(kSecret, "1767225600", kBody, flipped, kNow),
      StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(
      VerifyWebhookSignature(kSecret, "1767225600", kBody,
                             std::string(kKnownSignature).substr(0, 63), kNow),
      StatusIs(absl::StatusCode::kUnauthenticated));
  // The same signature replayed with another timestamp.
  EXPECT_THAT(VerifyWebhookSignature(kSecret, "1767225601", kBody,
                                     kKnownSignature, kNow),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(WebhookSignatureTest, RejectsTimestampsOutOfTolerance) {
  EXPECT_THAT(
      VerifyWebhookSignature(kSecret, "1767225600", kBody, kKnownSignature,
                             kNow + absl::Minutes(5) + absl::Seconds(1)),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("tolerance")));
  EXPECT_THAT(
      VerifyWebhookSignature(kSecret, "1767225600", kBody, kKnownSignature,
                             kNow - absl::Minutes(6)),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("tolerance")));
}

TEST(WebhookSignatureTest, RejectsMalformedTimestamps) {
  for (const char* bad :
       {"", "-1", "17672256OO", "1.5", " 1767225600", "99999999999999999999"}) {
    EXPECT_THAT(
        VerifyWebhookSignature(kSecret, bad, kBody, kKnownSignature, kNow),
        StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
}

TEST(WebhookRetryDelayTest, DoublesFromTheInitialBackoffUpToTheCap) {
  const WebhookRetryPolicy policy{.max_attempts = 10,
                                  .initial_backoff = absl::Seconds(10),
                                  .max_backoff = absl::Seconds(60)};
  // jitter 1 (almost): the full delay; jitter 0: its fixed half.
  EXPECT_EQ(RetryDelay(policy, 1, 1.0), absl::Seconds(10));
  EXPECT_EQ(RetryDelay(policy, 1, 0.0), absl::Seconds(5));
  EXPECT_EQ(RetryDelay(policy, 2, 1.0), absl::Seconds(20));
  EXPECT_EQ(RetryDelay(policy, 3, 1.0), absl::Seconds(40));
  EXPECT_EQ(RetryDelay(policy, 4, 1.0), absl::Seconds(60));
  EXPECT_EQ(RetryDelay(policy, 9, 0.5), absl::Seconds(45));
  EXPECT_EQ(RetryDelay(policy, 10, 0.5), std::nullopt);
}

TEST(WebhookRetryDelayTest, JitterStaysWithinTheUpperHalf) {
  const WebhookRetryPolicy policy{.max_attempts = 3,
                                  .initial_backoff = absl::Seconds(8),
                                  .max_backoff = absl::Hours(1)};
  for (double jitter : {0.0, 0.1, 0.5, 0.99}) {
    const std::optional<absl::Duration> delay = RetryDelay(policy, 2, jitter);
    ASSERT_TRUE(delay.has_value());
    EXPECT_GE(*delay, absl::Seconds(8));
    EXPECT_LE(*delay, absl::Seconds(16));
  }
  EXPECT_EQ(RetryDelay(policy, 3, 0.5), std::nullopt);
  EXPECT_EQ(RetryDelay({.max_attempts = 1}, 1, 0.5), std::nullopt);
}

v1::WebhookEndpoint Endpoint(const std::string& url) {
  v1::WebhookEndpoint endpoint;
  endpoint.set_url(url);
  endpoint.add_event_types("journey.message");
  endpoint.add_event_types("journey.message");
  endpoint.add_event_types("a-b_c.9");
  endpoint.set_enabled(true);
  return endpoint;
}

TEST(WebhookEndpointRulesTest, AcceptsHttpAndHttpsUrls) {
  CRM_ASSERT_OK_AND_ASSIGN(
      WebhookEndpointRecord record,
      ValidateNewWebhookEndpoint(Endpoint("https://hooks.example/in?x=1")));
  EXPECT_EQ(record.url, "https://hooks.example/in?x=1");
  EXPECT_THAT(record.event_types,
              ::testing::ElementsAre("a-b_c.9", "journey.message"));
  EXPECT_TRUE(record.enabled);
  EXPECT_THAT(ValidateNewWebhookEndpoint(Endpoint("http://127.0.0.1:8080/")),
              IsOk());
}

TEST(WebhookEndpointRulesTest, RejectsBadUrlsNamingTheField) {
  for (const char* bad :
       {"", "ftp://hooks.example/", "hooks.example/in", "https://",
        "https:///path", "https://user:pw@hooks.example/",
        "https://hooks.example/a b", "https://hooks.example/#frag",
        "https://:80/"}) {
    EXPECT_THAT(ValidateNewWebhookEndpoint(Endpoint(bad)),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("webhook_endpoint.url")))
        << bad;
  }
  EXPECT_THAT(ValidateNewWebhookEndpoint(
                  Endpoint("https://hooks.example/" + std::string(2100, 'a'))),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("webhook_endpoint.url")));
}

TEST(WebhookEndpointRulesTest, RejectsMissingOrBadEventTypes) {
  v1::WebhookEndpoint none = Endpoint("https://hooks.example/");
  none.clear_event_types();
  EXPECT_THAT(ValidateNewWebhookEndpoint(none),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("webhook_endpoint.event_types")));
  v1::WebhookEndpoint upper = Endpoint("https://hooks.example/");
  upper.add_event_types("Journey.Message");
  EXPECT_THAT(ValidateNewWebhookEndpoint(upper),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("webhook_endpoint.event_types")));
}

OutboundMessage Message() {
  return {.event_type = "journey.message",
          .idempotency_key = "journeys/j1/runs/r1/steps/2",
          .customer_id = "c1",
          .payload_json = R"( {"text":"hi"} )"};
}

TEST(OutboundMessageRulesTest, AcceptsAWellFormedMessage) {
  EXPECT_THAT(ValidateOutboundMessage(Message()), IsOk());
}

TEST(OutboundMessageRulesTest, RejectsEachBadFieldByName) {
  OutboundMessage message = Message();
  message.event_type = "";
  EXPECT_THAT(
      ValidateOutboundMessage(message),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("event_type")));
  message = Message();
  message.idempotency_key = "has space";
  EXPECT_THAT(ValidateOutboundMessage(message),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("idempotency_key")));
  message.idempotency_key = "line\r\nInjected: 1";
  EXPECT_THAT(ValidateOutboundMessage(message),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("idempotency_key")));
  message.idempotency_key = std::string(201, 'k');
  EXPECT_THAT(ValidateOutboundMessage(message),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("idempotency_key")));
  message = Message();
  message.payload_json = "[1,2]";
  EXPECT_THAT(
      ValidateOutboundMessage(message),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("payload_json")));
}

TEST(WebhookNamesTest, DeliveryNamesRoundTrip) {
  EXPECT_EQ(WebhookDeliveryName("e1", 42), "webhookEndpoints/e1/deliveries/42");
  CRM_ASSERT_OK_AND_ASSIGN(
      auto parsed,
      ParseWebhookDeliveryName("webhookEndpoints/e1/deliveries/42", "name"));
  EXPECT_EQ(parsed.first, "e1");
  EXPECT_EQ(parsed.second, 42);
  for (const char* bad :
       {"webhookEndpoints/e1/deliveries/", "webhookEndpoints/e1/deliveries/x",
        "webhookEndpoints/-/deliveries/1", "webhookEndpoints/e1/deliveries/0",
        "campaigns/e1/deliveries/1", "webhookEndpoints/e1"}) {
    EXPECT_THAT(ParseWebhookDeliveryName(bad, "name"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")))
        << bad;
  }
}

TEST(WebhookNamesTest, TheSecretIsShownOnlyWhenAsked) {
  WebhookEndpointRecord record;
  record.id = "e1";
  record.url = "https://hooks.example/";
  record.signing_secret = "whsec_abc";
  EXPECT_EQ(
      ToWebhookEndpointProto(record, /*with_secret=*/true).signing_secret(),
      "whsec_abc");
  EXPECT_EQ(
      ToWebhookEndpointProto(record, /*with_secret=*/false).signing_secret(),
      "");
}

}  // namespace
}  // namespace crm::loyalty

// WebhookDispatcher over an in-memory delivery repository, a scripted HTTP
// client and a fake clock: the exact backoff schedule and the dead letter
// after the last attempt, signed headers with a stable idempotency key, an
// unanswered call recorded as a failure, the POST's timeout, bounded
// concurrency, and metrics.
#include "services/loyalty/webhook_dispatcher.h"

#include <algorithm>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/metrics.h"
#include "services/loyalty/webhook_signature.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/loyalty/in_memory_webhook_delivery_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::loyalty {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

const absl::Time kStart = absl::FromUnixSeconds(1'780'000'000);
constexpr char kSecret[] = "whsec_unit";

// An answer with `status_code` (0: none came, for `error`).
WebhookHttpResponse Answer(int status_code, const std::string& error = "") {
  WebhookHttpResponse response;
  response.status_code = status_code;
  response.error = error;
  return response;
}

std::deque<WebhookHttpResponse> Answers(std::vector<WebhookHttpResponse> list) {
  return std::deque<WebhookHttpResponse>(list.begin(), list.end());
}

// Answers each call with the next scripted response (then 200), records
// every request, and counts the calls in flight at once. With `overlap`,
// calls wait (at most 5 s) until that many have been in flight together
// once, so a dispatcher that runs calls concurrently shows it.
class ScriptedHttpClient final : public WebhookHttpClient {
 public:
  explicit ScriptedHttpClient(std::deque<WebhookHttpResponse> script = {},
                              int overlap = 0)
      : script_(std::move(script)), overlap_(overlap) {}

  WebhookHttpResponse Post(const WebhookHttpRequest& request) override {
    absl::MutexLock lock(&mu_);
    requests_.push_back(request);
    max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
    if (overlap_ > 0) {
      mu_.AwaitWithTimeout(absl::Condition(
                               +[](ScriptedHttpClient* self) {
                                 return self->max_in_flight_ >= self->overlap_;
                               },
                               this),
                           absl::Seconds(5));
    }
    --in_flight_;
    if (script_.empty()) return Answer(200);
    WebhookHttpResponse response = script_.front();
    script_.pop_front();
    return response;
  }

  std::vector<WebhookHttpRequest> requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  int max_in_flight() const {
    absl::MutexLock lock(&mu_);
    return max_in_flight_;
  }

 private:
  mutable absl::Mutex mu_;
  std::deque<WebhookHttpResponse> script_ ABSL_GUARDED_BY(mu_);
  const int overlap_;
  std::vector<WebhookHttpRequest> requests_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int max_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

std::string Header(const WebhookHttpRequest& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "";
}

class WebhookDispatcherTest : public ::testing::Test {
 protected:
  DueDelivery Due(int64_t id) {
    DueDelivery due;
    due.id = id;
    due.endpoint_id = "e1";
    due.url = "https://hooks.example/in";
    due.signing_secret = kSecret;
    due.event_type = "journey.message";
    due.idempotency_key = absl::StrCat("key-", id);
    due.payload_json = absl::StrCat(R"({"id":)", id, "}");
    due.create_time = kStart;
    return due;
  }

  WebhookDispatcherOptions Options(int max_attempts) {
    WebhookDispatcherOptions options;
    options.retry = {.max_attempts = max_attempts,
                     .initial_backoff = absl::Seconds(10),
                     .max_backoff = absl::Seconds(25)};
    options.request_timeout = absl::Seconds(3);
    options.metrics = &metrics_;
    return options;
  }

  int Dispatch(WebhookDispatcher& dispatcher) {
    absl::StatusOr<int> attempted = dispatcher.DispatchDue();
    EXPECT_THAT(attempted.status(), crm::testing::IsOk());
    return attempted.value_or(-1);
  }

  crm::common::FakeClock clock_{kStart};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryWebhookDeliveryRepository deliveries_{&unit_of_work_};
  crm::common::Metrics metrics_;
};

TEST_F(WebhookDispatcherTest, BacksOffExponentiallyThenDeadLetters) {
  ScriptedHttpClient http(
      Answers({Answer(500), Answer(502), Answer(429), Answer(500)}));
  WebhookDispatcher dispatcher(unit_of_work_, deliveries_, http, clock_,
                               Options(/*max_attempts=*/4));
  deliveries_.Add(Due(1), kStart);

  // The delays after failures 1, 2, 3: 10 s, 20 s, 25 s (the cap), each
  // with equal jitter (between half and all of it).
  const std::vector<absl::Duration> delays = {
      absl::Seconds(10), absl::Seconds(20), absl::Seconds(25)};
  for (size_t failure = 0; failure < delays.size(); ++failure) {
    const absl::Time attempt_time = clock_.Now();
    ASSERT_EQ(Dispatch(dispatcher), 1) << "attempt " << failure + 1;
    const WebhookDeliveryRecord record = deliveries_.Get(1);
    EXPECT_EQ(record.state, DeliveryState::kPending);
    EXPECT_EQ(record.attempts, static_cast<int>(failure) + 1);
    EXPECT_GE(record.next_attempt_time, attempt_time + delays[failure] / 2);
    EXPECT_LE(record.next_attempt_time, attempt_time + delays[failure]);
    // Not due before its time.
    clock_.Set(record.next_attempt_time - absl::Milliseconds(1));
    EXPECT_EQ(Dispatch(dispatcher), 0);
    clock_.Set(record.next_attempt_time);
  }
  ASSERT_EQ(Dispatch(dispatcher), 1);
  const WebhookDeliveryRecord dead = deliveries_.Get(1);
  EXPECT_EQ(dead.state, DeliveryState::kDead);
  EXPECT_EQ(dead.attempts, 4);
  EXPECT_EQ(dead.last_response_code, 500);
  EXPECT_EQ(dead.last_error, "HTTP 500");
  // A dead letter is not attempted again.
  clock_.Advance(absl::Hours(24));
  EXPECT_EQ(Dispatch(dispatcher), 0);
  EXPECT_THAT(http.requests(), SizeIs(4));

  const std::string metrics = metrics_.Render();
  EXPECT_THAT(metrics,
              HasSubstr("crm_webhook_deliveries_total{outcome=\"retry\"} 3"));
  EXPECT_THAT(metrics,
              HasSubstr("crm_webhook_deliveries_total{outcome=\"dead\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("crm_webhook_attempts_total 4"));
  EXPECT_THAT(metrics, HasSubstr("crm_webhook_dead_letters 1"));
}

TEST_F(WebhookDispatcherTest, SignsEveryAttemptWithTheSameKey) {
  ScriptedHttpClient http(Answers({Answer(503)}));
  WebhookDispatcher dispatcher(unit_of_work_, deliveries_, http, clock_,
                               Options(/*max_attempts=*/3));
  deliveries_.Add(Due(7), kStart);
  ASSERT_EQ(Dispatch(dispatcher), 1);
  clock_.Set(deliveries_.Get(7).next_attempt_time);
  ASSERT_EQ(Dispatch(dispatcher), 1);

  const std::vector<WebhookHttpRequest> requests = http.requests();
  ASSERT_THAT(requests, SizeIs(2));
  std::vector<int64_t> timestamps;
  for (const WebhookHttpRequest& request : requests) {
    EXPECT_EQ(request.url, "https://hooks.example/in");
    EXPECT_EQ(request.body, R"({"id":7})");
    EXPECT_EQ(request.timeout, absl::Seconds(3));
    EXPECT_EQ(Header(request, kWebhookIdempotencyKeyHeader), "key-7");
    EXPECT_EQ(Header(request, kWebhookEventTypeHeader), "journey.message");
    const std::string timestamp = Header(request, kWebhookTimestampHeader);
    int64_t seconds = 0;
    ASSERT_TRUE(absl::SimpleAtoi(timestamp, &seconds));
    timestamps.push_back(seconds);
    EXPECT_EQ(Header(request, kWebhookSignatureHeader),
              SignWebhook(kSecret, seconds, request.body));
    EXPECT_THAT(VerifyWebhookSignature(
                    kSecret, timestamp, request.body,
                    Header(request, kWebhookSignatureHeader),
                    absl::FromUnixSeconds(seconds) + absl::Minutes(1)),
                crm::testing::IsOk());
  }
  // Each attempt is signed at its own time.
  EXPECT_EQ(timestamps[0], absl::ToUnixSeconds(kStart));
  EXPECT_GT(timestamps[1], timestamps[0]);
  EXPECT_EQ(deliveries_.Get(7).state, DeliveryState::kDelivered);
  EXPECT_EQ(deliveries_.Get(7).attempts, 2);
  EXPECT_THAT(
      metrics_.Render(),
      HasSubstr("crm_webhook_deliveries_total{outcome=\"delivered\"} 1"));
}

TEST_F(WebhookDispatcherTest, NoAnswerIsAFailureWithItsReason) {
  ScriptedHttpClient http(Answers({Answer(0, "Timeout was reached")}));
  WebhookDispatcher dispatcher(unit_of_work_, deliveries_, http, clock_,
                               Options(/*max_attempts=*/3));
  deliveries_.Add(Due(3), kStart);
  ASSERT_EQ(Dispatch(dispatcher), 1);
  const WebhookDeliveryRecord record = deliveries_.Get(3);
  EXPECT_EQ(record.state, DeliveryState::kPending);
  EXPECT_EQ(record.last_response_code, 0);
  EXPECT_EQ(record.last_error, "Timeout was reached");
}

TEST_F(WebhookDispatcherTest, KeepsAtMostMaxConcurrencyCallsInFlight) {
  ScriptedHttpClient http(Answers({}), /*overlap=*/3);
  WebhookDispatcherOptions options = Options(/*max_attempts=*/3);
  options.max_concurrency = 3;
  options.batch_size = 10;
  WebhookDispatcher dispatcher(unit_of_work_, deliveries_, http, clock_,
                               options);
  for (int64_t id = 1; id <= 10; ++id) deliveries_.Add(Due(id), kStart);
  ASSERT_EQ(Dispatch(dispatcher), 10);
  EXPECT_EQ(http.max_in_flight(), 3);
  for (int64_t id = 1; id <= 10; ++id) {
    EXPECT_EQ(deliveries_.Get(id).state, DeliveryState::kDelivered) << id;
  }
}

TEST_F(WebhookDispatcherTest, ClaimsAtMostABatch) {
  ScriptedHttpClient http;
  WebhookDispatcherOptions options = Options(/*max_attempts=*/3);
  options.batch_size = 4;
  WebhookDispatcher dispatcher(unit_of_work_, deliveries_, http, clock_,
                               options);
  for (int64_t id = 1; id <= 6; ++id) deliveries_.Add(Due(id), kStart);
  EXPECT_EQ(Dispatch(dispatcher), 4);
  EXPECT_EQ(Dispatch(dispatcher), 2);
  EXPECT_EQ(Dispatch(dispatcher), 0);
}

}  // namespace
}  // namespace crm::loyalty

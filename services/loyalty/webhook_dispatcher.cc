#include "services/loyalty/webhook_dispatcher.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/logging.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "services/loyalty/webhook_signature.h"

namespace crm::loyalty {
namespace {

using ::crm::common::RequestContext;
using ::crm::common::Transaction;

// How long a claim keeps other dispatchers off a delivery beyond its POST's
// timeout: room for recording the outcome.
constexpr absl::Duration kLeaseMargin = absl::Seconds(60);

constexpr char kDeliveriesMetric[] = "crm_webhook_deliveries_total";
constexpr char kDeliveriesHelp[] =
    "Webhook delivery attempts by outcome: delivered, retry (failed, tried "
    "again later) or dead (failed for the last time).";

}  // namespace

WebhookDispatcher::WebhookDispatcher(crm::common::UnitOfWork& unit_of_work,
                                     WebhookDeliveryRepository& deliveries,
                                     WebhookHttpClient& http,
                                     const crm::common::Clock& clock,
                                     WebhookDispatcherOptions options)
    : unit_of_work_(unit_of_work),
      deliveries_(deliveries),
      http_(http),
      clock_(clock),
      options_(std::move(options)) {}

double WebhookDispatcher::JitterFraction() {
  absl::MutexLock lock(&random_mu_);
  return absl::Uniform<double>(random_, 0.0, 1.0);
}

absl::StatusOr<int> WebhookDispatcher::DispatchDue() {
  const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
  const absl::Time lease_until = now + options_.request_timeout + kLeaseMargin;
  absl::StatusOr<std::vector<DueDelivery>> due =
      unit_of_work_.Run<std::vector<DueDelivery>>(
          RequestContext(),
          [&](Transaction& tx) -> absl::StatusOr<std::vector<DueDelivery>> {
            return deliveries_.ClaimDue(tx, now, lease_until,
                                        std::max(1, options_.batch_size));
          });
  if (!due.ok()) return due.status();
  // At most max_concurrency workers, each taking the next delivery until
  // none is left or Stop() is called (what is left keeps its lease and is
  // attempted after it).
  const int workers = std::min<int>(std::max(1, options_.max_concurrency),
                                    static_cast<int>(due->size()));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < due->size() && !stopping_; i = next++) {
      Attempt((*due)[i]);
    }
  };
  std::vector<std::thread> threads;
  for (int i = 1; i < workers; ++i) threads.emplace_back(work);
  if (workers > 0) work();
  for (std::thread& thread : threads) thread.join();
  if (options_.metrics != nullptr) {
    absl::StatusOr<int64_t> dead = unit_of_work_.Read<int64_t>(
        RequestContext(), [&](Transaction& tx) -> absl::StatusOr<int64_t> {
          return deliveries_.CountDead(tx);
        });
    if (dead.ok()) {
      options_.metrics->SetGauge(
          "crm_webhook_dead_letters",
          "Webhook deliveries dead (every attempt failed), waiting for a "
          "replay.",
          static_cast<double>(*dead));
    }
  }
  return static_cast<int>(due->size());
}

void WebhookDispatcher::Attempt(const DueDelivery& delivery) {
  const absl::Time start = clock_.Now();
  const int64_t timestamp = absl::ToUnixSeconds(start);
  WebhookHttpRequest request;
  request.url = delivery.url;
  request.body = delivery.payload_json;
  request.timeout = options_.request_timeout;
  request.headers = {
      {kWebhookIdempotencyKeyHeader, delivery.idempotency_key},
      {kWebhookEventTypeHeader, delivery.event_type},
      {kWebhookTimestampHeader, absl::StrCat(timestamp)},
      {kWebhookSignatureHeader,
       SignWebhook(delivery.signing_secret, timestamp, delivery.payload_json)},
  };
  const WebhookHttpResponse response = http_.Post(request);
  const absl::Time end = clock_.Now();

  DeliveryAttempt attempt;
  attempt.id = delivery.id;
  attempt.attempts = delivery.attempts + 1;
  attempt.response_code = response.status_code;
  attempt.attempt_time = crm::common::TruncateToMicros(end);
  std::string outcome;
  if (IsDeliveredResponse(response.status_code)) {
    attempt.state = DeliveryState::kDelivered;
    outcome = "delivered";
  } else {
    attempt.error = response.status_code != 0
                        ? absl::StrCat("HTTP ", response.status_code)
                        : response.error;
    const std::optional<absl::Duration> delay =
        RetryDelay(options_.retry, attempt.attempts, JitterFraction());
    if (delay.has_value()) {
      attempt.state = DeliveryState::kPending;
      attempt.next_attempt_time = crm::common::TruncateToMicros(end + *delay);
      outcome = "retry";
    } else {
      attempt.state = DeliveryState::kDead;
      outcome = "dead";
    }
  }
  const absl::Status recorded =
      unit_of_work_.Run(RequestContext(), [&](Transaction& tx) -> absl::Status {
        return deliveries_.RecordAttempt(tx, attempt);
      });
  if (!recorded.ok()) {
    crm::common::LogWarning(
        "webhook attempt not recorded; it is retried after its lease",
        {{"delivery", absl::StrCat(delivery.id)},
         {"error", std::string(recorded.message())}});
  }
  if (attempt.state == DeliveryState::kDead) {
    crm::common::LogWarning("webhook delivery dead after its last attempt",
                            {{"delivery", absl::StrCat(delivery.id)},
                             {"endpoint", delivery.endpoint_id},
                             {"attempts", absl::StrCat(attempt.attempts)},
                             {"error", attempt.error}});
  }
  if (options_.metrics == nullptr) return;
  crm::common::Metrics& metrics = *options_.metrics;
  metrics.IncrementCounter(kDeliveriesMetric, kDeliveriesHelp,
                           {{"outcome", outcome}});
  metrics.IncrementCounter("crm_webhook_attempts_total",
                           "Webhook POSTs made (every attempt).");
  metrics.ObserveHistogram("crm_webhook_attempt_seconds",
                           "Duration of one webhook POST, answered or not.", {},
                           absl::ToDoubleSeconds(end - start));
  if (attempt.state == DeliveryState::kDelivered) {
    metrics.ObserveHistogram(
        "crm_webhook_delivery_seconds",
        "From a message's enqueue to its delivery to an endpoint (retries "
        "included).",
        {}, std::max(0.0, absl::ToDoubleSeconds(end - delivery.create_time)),
        {0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300, 1800, 3600, 21600, 86400});
  }
}

void WebhookDispatcher::Start() {
  thread_ = std::thread([this] {
    absl::MutexLock lock(&mu_);
    while (!stop_) {
      mu_.Unlock();
      absl::StatusOr<int> attempted = DispatchDue();
      if (!attempted.ok()) {
        crm::common::LogWarning(
            "webhook dispatch pass failed; the next pass retries",
            {{"error", std::string(attempted.status().message())}});
      }
      mu_.Lock();
      const bool full_batch =
          attempted.ok() && *attempted >= std::max(1, options_.batch_size);
      if (!full_batch) {
        mu_.AwaitWithTimeout(absl::Condition(&stop_), options_.poll_interval);
      }
    }
  });
}

void WebhookDispatcher::Stop() {
  stopping_ = true;
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace crm::loyalty

// Delivers outbound messages (outbound_message_repository.h) to webhook
// endpoints: a background thread that, every `poll_interval` (at once again
// while it finds a full batch), claims due deliveries
// (WebhookDeliveryRepository::ClaimDue, with a lease), POSTs each signed
// (webhook_signature.h) with at most `max_concurrency` calls in flight, and
// records each outcome in its own unit of work: 2xx delivers; anything else
// is retried after RetryDelay (webhook_rules.h) until `retry.max_attempts`,
// then the delivery is dead (a dead letter).
//
// Delivery is at least once: a receiver may see a message again (a lost
// answer, a crash after the POST, a replay) and deduplicates by the
// `Idempotency-Key` header, the same on every attempt.
//
//   WebhookDispatcher dispatcher(unit_of_work, deliveries, http, clock,
//                                {.metrics = &metrics});
//   dispatcher.Start();
//   ...
//   dispatcher.Stop();  // Waits for the pass in progress, then joins.
//
// Metrics: crm_webhook_deliveries_total{outcome=delivered|retry|dead},
// crm_webhook_attempts_total, crm_webhook_attempt_seconds (one POST),
// crm_webhook_delivery_seconds (enqueue to delivered) and
// crm_webhook_dead_letters (dead letters waiting, after each pass).
#pragma once

#include <atomic>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/metrics.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/webhook_delivery_repository.h"
#include "services/loyalty/webhook_http_client.h"
#include "services/loyalty/webhook_rules.h"

namespace crm::loyalty {

struct WebhookDispatcherOptions {
  WebhookRetryPolicy retry;
  // Each POST's timeout (connect included).
  absl::Duration request_timeout = absl::Seconds(10);
  // POSTs in flight at once; >= 1.
  int max_concurrency = 4;
  // Deliveries claimed per pass; >= 1.
  int batch_size = 32;
  // The wait between passes that found less than a full batch.
  absl::Duration poll_interval = absl::Seconds(1);
  // Null: no metrics.
  crm::common::Metrics* metrics = nullptr;
};

class WebhookDispatcher {
 public:
  // Every argument must outlive the dispatcher.
  WebhookDispatcher(crm::common::UnitOfWork& unit_of_work,
                    WebhookDeliveryRepository& deliveries,
                    WebhookHttpClient& http, const crm::common::Clock& clock,
                    WebhookDispatcherOptions options = {});
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;
  ~WebhookDispatcher() { Stop(); }

  // One pass: claims up to `batch_size` due deliveries, attempts them and
  // records the outcomes. Returns how many were attempted; the claim's
  // error if it failed (an outcome that cannot be recorded is retried after
  // the lease). Thread-safe; also the tests' way to drive the dispatcher
  // without the thread.
  absl::StatusOr<int> DispatchDue();

  // Starts the thread. Call at most once.
  void Start();
  // Ends the thread: the pass in progress finishes the POSTs in flight
  // (each bounded by `request_timeout`) and starts no more; deliveries it
  // claimed but did not attempt are attempted after their lease (a minute
  // beyond `request_timeout`). Idempotent.
  void Stop();

 private:
  // Attempts one claimed delivery and records its outcome.
  void Attempt(const DueDelivery& delivery);
  double JitterFraction();

  crm::common::UnitOfWork& unit_of_work_;
  WebhookDeliveryRepository& deliveries_;
  WebhookHttpClient& http_;
  const crm::common::Clock& clock_;
  const WebhookDispatcherOptions options_;

  absl::Mutex random_mu_;
  absl::BitGen random_ ABSL_GUARDED_BY(random_mu_);

  std::atomic<bool> stopping_{false};
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace crm::loyalty

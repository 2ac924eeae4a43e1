// Storage of webhook deliveries, one per outbound message and endpoint
// (outbound_message_repository.h plans them): what the dispatcher claims and
// records (webhook_dispatcher.h), and the dead letters the webhook manager
// lists and replays. The MySQL implementation is
// MySqlWebhookDeliveryRepository.
//
//   CRM_ASSIGN_OR_RETURN(std::vector<DueDelivery> due,
//                        deliveries.ClaimDue(tx, now, now + lease, 32));
//   ... POST each, outside the transaction ...
//   CRM_RETURN_IF_ERROR(deliveries.RecordAttempt(tx, attempt));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/unit_of_work.h"

namespace crm::loyalty {

enum class DeliveryState { kPending, kDelivered, kDead };

// A delivery as listed (no payload, no secret).
struct WebhookDeliveryRecord {
  int64_t id = 0;
  std::string endpoint_id;
  std::string event_type;
  std::string idempotency_key;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  int last_response_code = 0;
  std::string last_error;
  std::optional<absl::Time> last_attempt_time;
  absl::Time next_attempt_time;
  absl::Time create_time;
};

// A claimed delivery with everything an attempt needs.
struct DueDelivery {
  int64_t id = 0;
  int attempts = 0;  // Made before this one.
  std::string endpoint_id;
  std::string url;
  std::string signing_secret;
  std::string event_type;
  std::string idempotency_key;
  std::string payload_json;
  absl::Time create_time;  // When the message was enqueued.
};

// The result of one attempt of delivery `id`.
struct DeliveryAttempt {
  int64_t id = 0;
  DeliveryState state = DeliveryState::kPending;  // After the attempt.
  int attempts = 0;                               // Including this one.
  int response_code = 0;                          // 0: no answer.
  std::string error;                              // Empty when delivered.
  absl::Time attempt_time;
  absl::Time next_attempt_time;  // For kPending.
};

class WebhookDeliveryRepository {
 public:
  WebhookDeliveryRepository(const WebhookDeliveryRepository&) = delete;
  WebhookDeliveryRepository& operator=(const WebhookDeliveryRepository&) =
      delete;
  virtual ~WebhookDeliveryRepository() = default;

  // Up to `limit` PENDING deliveries due at `now` (next_attempt_time <=
  // now) to enabled endpoints, earliest due first, skipping rows another
  // transaction holds; each gets next_attempt_time = `lease_until`, so no
  // other dispatcher claims it until then (a dispatcher that dies mid-attempt
  // leaves it to be retried after the lease).
  virtual absl::StatusOr<std::vector<DueDelivery>> ClaimDue(
      crm::common::Transaction& tx, absl::Time now, absl::Time lease_until,
      int limit) = 0;
  // Stores `attempt` on its delivery if that is still PENDING; a delivery
  // deleted meanwhile is left alone (OK).
  virtual absl::Status RecordAttempt(crm::common::Transaction& tx,
                                     const DeliveryAttempt& attempt) = 0;
  // Delivery `id` of endpoint `endpoint_id`, or nullopt.
  virtual absl::StatusOr<std::optional<WebhookDeliveryRecord>> Find(
      crm::common::Transaction& tx, absl::string_view endpoint_id,
      int64_t id) = 0;
  // Up to `limit` DEAD deliveries with an id greater than `after_id`, of
  // endpoint `endpoint_id` (empty: every endpoint), by id.
  virtual absl::StatusOr<std::vector<WebhookDeliveryRecord>> ListDead(
      crm::common::Transaction& tx, absl::string_view endpoint_id,
      int64_t after_id, int limit) = 0;
  // Makes DEAD delivery `id` PENDING with no attempts, due at `now`. False
  // if it is not DEAD (or does not exist).
  virtual absl::StatusOr<bool> Replay(crm::common::Transaction& tx, int64_t id,
                                      absl::Time now) = 0;
  // How many deliveries are DEAD.
  virtual absl::StatusOr<int64_t> CountDead(crm::common::Transaction& tx) = 0;

 protected:
  WebhookDeliveryRepository() = default;
};

}  // namespace crm::loyalty

// WebhookDeliveryRepository on the service's MySQL/MariaDB database (table
// `webhook_deliveries` with `outbound_messages` and `webhook_endpoints`,
// migrations/0012_outbound_webhooks.sql): all SQL and row mapping, on the
// caller's unit of work. ClaimDue locks the due rows with
// FOR UPDATE SKIP LOCKED, so dispatchers in several replicas claim disjoint
// deliveries.
//
//   MySqlWebhookDeliveryRepository deliveries;
//   WebhookDispatcher dispatcher(unit_of_work, deliveries, http, clock, {});
#pragma once

#include "services/loyalty/webhook_delivery_repository.h"

namespace crm::loyalty {

class MySqlWebhookDeliveryRepository final : public WebhookDeliveryRepository {
 public:
  MySqlWebhookDeliveryRepository() = default;

  absl::StatusOr<std::vector<DueDelivery>> ClaimDue(
      crm::common::Transaction& tx, absl::Time now, absl::Time lease_until,
      int limit) override;
  absl::Status RecordAttempt(crm::common::Transaction& tx,
                             const DeliveryAttempt& attempt) override;
  absl::StatusOr<std::optional<WebhookDeliveryRecord>> Find(
      crm::common::Transaction& tx, absl::string_view endpoint_id,
      int64_t id) override;
  absl::StatusOr<std::vector<WebhookDeliveryRecord>> ListDead(
      crm::common::Transaction& tx, absl::string_view endpoint_id,
      int64_t after_id, int limit) override;
  absl::StatusOr<bool> Replay(crm::common::Transaction& tx, int64_t id,
                              absl::Time now) override;
  absl::StatusOr<int64_t> CountDead(crm::common::Transaction& tx) override;
};

}  // namespace crm::loyalty

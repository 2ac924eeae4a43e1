// WebhookEndpointRepository on the service's MySQL/MariaDB database (tables
// `webhook_endpoints` and `webhook_endpoint_event_types`,
// migrations/0012_outbound_webhooks.sql): all SQL and row mapping, on the
// caller's unit of work.
//
//   MySqlWebhookEndpointRepository endpoints;
//   WebhookManager manager(unit_of_work, endpoints, deliveries, ...);
#pragma once

#include "services/loyalty/webhook_endpoint_repository.h"

namespace crm::loyalty {

class MySqlWebhookEndpointRepository final : public WebhookEndpointRepository {
 public:
  MySqlWebhookEndpointRepository() = default;

  absl::Status Insert(crm::common::Transaction& tx,
                      const WebhookEndpointRecord& endpoint) override;
  absl::StatusOr<std::optional<WebhookEndpointRecord>> Find(
      crm::common::Transaction& tx, absl::string_view id) override;
  absl::StatusOr<std::vector<WebhookEndpointRecord>> List(
      crm::common::Transaction& tx, absl::string_view after,
      int limit) override;
  absl::StatusOr<bool> Delete(crm::common::Transaction& tx,
                              absl::string_view id) override;
};

}  // namespace crm::loyalty

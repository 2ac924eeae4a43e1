// Storage of webhook endpoints (webhook.proto): the record as stored and the
// interface the webhook manager uses inside a unit of work. The MySQL
// implementation is MySqlWebhookEndpointRepository.
//
//   CRM_RETURN_IF_ERROR(endpoints.Insert(tx, record));
//   CRM_ASSIGN_OR_RETURN(std::optional<WebhookEndpointRecord> endpoint,
//                        endpoints.Find(tx, id));
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/unit_of_work.h"

namespace crm::loyalty {

struct WebhookEndpointRecord {
  std::string id;
  std::string url;
  std::vector<std::string> event_types;  // Distinct, sorted.
  bool enabled = false;
  // The HMAC key of its deliveries; a secret: never logged, never shown
  // after create.
  std::string signing_secret;
  absl::Time create_time;
};

class WebhookEndpointRepository {
 public:
  WebhookEndpointRepository(const WebhookEndpointRepository&) = delete;
  WebhookEndpointRepository& operator=(const WebhookEndpointRepository&) =
      delete;
  virtual ~WebhookEndpointRepository() = default;

  // Stores a new endpoint with its event types. ALREADY_EXISTS if its id is
  // taken.
  virtual absl::Status Insert(crm::common::Transaction& tx,
                              const WebhookEndpointRecord& endpoint) = 0;
  // The endpoint `id` (secret included), or nullopt.
  virtual absl::StatusOr<std::optional<WebhookEndpointRecord>> Find(
      crm::common::Transaction& tx, absl::string_view id) = 0;
  // Up to `limit` endpoints with an id greater than `after`, by id.
  virtual absl::StatusOr<std::vector<WebhookEndpointRecord>> List(
      crm::common::Transaction& tx, absl::string_view after, int limit) = 0;
  // Deletes endpoint `id`, its event types and every delivery to it that is
  // not DELIVERED. False if there was no such endpoint.
  virtual absl::StatusOr<bool> Delete(crm::common::Transaction& tx,
                                      absl::string_view id) = 0;

 protected:
  WebhookEndpointRepository() = default;
};

}  // namespace crm::loyalty

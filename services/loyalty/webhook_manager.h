// The webhook endpoint resource (webhook.proto) and its dead letters:
// create (idempotent on `request_id`; the only answer with the signing
// secret), get, list and delete endpoints; list dead letters and replay
// one. Deliveries themselves are made by the dispatcher
// (webhook_dispatcher.h).
//
//   WebhookManager manager(unit_of_work, endpoints, deliveries, idempotency,
//                          clock, ids);
//   absl::StatusOr<v1::WebhookEndpoint> endpoint =
//       manager.CreateWebhookEndpoint(context, request);
#pragma once

#include "absl/status/statusor.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "google/protobuf/empty.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/webhook_delivery_repository.h"
#include "services/loyalty/webhook_endpoint_repository.h"

namespace crm::loyalty {

class WebhookManager {
 public:
  // Every argument must outlive the manager.
  WebhookManager(crm::common::UnitOfWork& unit_of_work,
                 WebhookEndpointRepository& endpoints,
                 WebhookDeliveryRepository& deliveries,
                 crm::common::IdempotencyRepository& idempotency,
                 const crm::common::Clock& clock,
                 const crm::common::IdGenerator& ids)
      : unit_of_work_(unit_of_work),
        endpoints_(endpoints),
        deliveries_(deliveries),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids) {}
  WebhookManager(const WebhookManager&) = delete;
  WebhookManager& operator=(const WebhookManager&) = delete;

  // Adds an endpoint (ValidateNewWebhookEndpoint, webhook_rules.h) with a
  // new signing secret, returned in this answer only (and in a retry's,
  // stored with the request id); INVALID_ARGUMENT naming the field
  // otherwise.
  absl::StatusOr<v1::WebhookEndpoint> CreateWebhookEndpoint(
      const crm::common::RequestContext& context,
      const v1::CreateWebhookEndpointRequest& request);
  // Without the secret. NOT_FOUND (the name) for an unknown endpoint.
  absl::StatusOr<v1::WebhookEndpoint> GetWebhookEndpoint(
      const crm::common::RequestContext& context,
      const v1::GetWebhookEndpointRequest& request);
  // Without secrets; lowest id first, keyset pages.
  absl::StatusOr<v1::ListWebhookEndpointsResponse> ListWebhookEndpoints(
      const crm::common::RequestContext& context,
      const v1::ListWebhookEndpointsRequest& request);
  // NOT_FOUND (the name) for an unknown endpoint.
  absl::StatusOr<google::protobuf::Empty> DeleteWebhookEndpoint(
      const crm::common::RequestContext& context,
      const v1::DeleteWebhookEndpointRequest& request);
  // Dead deliveries of one endpoint or of all (`webhookEndpoints/-`), lowest
  // id first, keyset pages. NOT_FOUND for an unknown endpoint.
  absl::StatusOr<v1::ListDeadLettersResponse> ListDeadLetters(
      const crm::common::RequestContext& context,
      const v1::ListDeadLettersRequest& request);
  // Makes a dead delivery PENDING, due now, attempts reset. NOT_FOUND for
  // an unknown delivery; FAILED_PRECONDITION (RESOURCE_STATE_CONFLICT) for
  // one that is not DEAD.
  absl::StatusOr<v1::WebhookDelivery> ReplayDeadLetter(
      const crm::common::RequestContext& context,
      const v1::ReplayDeadLetterRequest& request);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  WebhookEndpointRepository& endpoints_;
  WebhookDeliveryRepository& deliveries_;
  crm::common::IdempotencyRepository& idempotency_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
};

}  // namespace crm::loyalty

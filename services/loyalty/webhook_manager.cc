#include "services/loyalty/webhook_manager.h"

#include <openssl/rand.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/field_behavior.h"
#include "services/common/page_token.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/loyalty/id_order_page.h"
#include "services/loyalty/webhook_rules.h"

namespace crm::loyalty {

using ::crm::common::RequestContext;
using ::crm::common::Transaction;

namespace {

constexpr char kCreateWebhookEndpointMethod[] = "CreateWebhookEndpoint";
constexpr char kDeleteWebhookEndpointMethod[] = "DeleteWebhookEndpoint";
constexpr char kReplayDeadLetterMethod[] = "ReplayDeadLetter";

// `whsec_` and 64 hex digits: 256 bits from the CSPRNG.
absl::StatusOr<std::string> NewSigningSecret() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return absl::InternalError("the random source failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string secret = "whsec_";
  for (unsigned char byte : bytes) {
    secret.push_back(kHex[byte >> 4]);
    secret.push_back(kHex[byte & 0xf]);
  }
  return secret;
}

absl::StatusOr<std::string> ParseEndpointName(absl::string_view name,
                                              absl::string_view field) {
  absl::StatusOr<std::string> id =
      crm::common::ParseResourceName(name, kWebhookEndpointsCollection, field);
  if (!id.ok() || *id == "-") {
    return crm::common::InvalidFieldError(
        field, "must be of the form webhookEndpoints/{webhook_endpoint}");
  }
  return id;
}

}  // namespace

absl::StatusOr<v1::WebhookEndpoint> WebhookManager::CreateWebhookEndpoint(
    const RequestContext& context,
    const v1::CreateWebhookEndpointRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(WebhookEndpointRecord record,
                       ValidateNewWebhookEndpoint(request.webhook_endpoint()));
  return crm::common::RunIdempotent<v1::WebhookEndpoint>(
      unit_of_work_, idempotency_, clock_, context,
      kCreateWebhookEndpointMethod, request.request_id(), request,
      [&](Transaction& tx) -> absl::StatusOr<v1::WebhookEndpoint> {
        WebhookEndpointRecord endpoint = record;
        endpoint.id = ids_.NewId();
        CRM_ASSIGN_OR_RETURN(endpoint.signing_secret, NewSigningSecret());
        endpoint.create_time = crm::common::TruncateToMicros(clock_.Now());
        CRM_RETURN_IF_ERROR(endpoints_.Insert(tx, endpoint));
        return ToWebhookEndpointProto(endpoint, /*with_secret=*/true);
      });
}

absl::StatusOr<v1::WebhookEndpoint> WebhookManager::GetWebhookEndpoint(
    const RequestContext& context,
    const v1::GetWebhookEndpointRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string id,
                       ParseEndpointName(request.name(), "name"));
  return unit_of_work_.Read<v1::WebhookEndpoint>(
      context, [&](Transaction& tx) -> absl::StatusOr<v1::WebhookEndpoint> {
        CRM_ASSIGN_OR_RETURN(std::optional<WebhookEndpointRecord> endpoint,
                             endpoints_.Find(tx, id));
        if (!endpoint.has_value()) {
          return crm::common::NotFoundError(request.name());
        }
        return ToWebhookEndpointProto(*endpoint, /*with_secret=*/false);
      });
}

absl::StatusOr<v1::ListWebhookEndpointsResponse>
WebhookManager::ListWebhookEndpoints(
    const RequestContext& context,
    const v1::ListWebhookEndpointsRequest& request) {
  CRM_ASSIGN_OR_RETURN(IdOrderPage page, ParseIdOrderPage(request.page_size(),
                                                          request.page_token(),
                                                          "webhookEndpoints"));
  return unit_of_work_.Read<v1::ListWebhookEndpointsResponse>(
      context,
      [&](Transaction& tx) -> absl::StatusOr<v1::ListWebhookEndpointsResponse> {
        CRM_ASSIGN_OR_RETURN(
            std::vector<WebhookEndpointRecord> endpoints,
            endpoints_.List(tx, page.after, page.page_size + 1));
        v1::ListWebhookEndpointsResponse response;
        response.set_next_page_token(TrimToPage(endpoints, page));
        for (const WebhookEndpointRecord& endpoint : endpoints) {
          *response.add_webhook_endpoints() =
              ToWebhookEndpointProto(endpoint, /*with_secret=*/false);
        }
        return response;
      });
}

absl::StatusOr<google::protobuf::Empty> WebhookManager::DeleteWebhookEndpoint(
    const RequestContext& context,
    const v1::DeleteWebhookEndpointRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string id,
                       ParseEndpointName(request.name(), "name"));
  return crm::common::RunIdempotent<google::protobuf::Empty>(
      unit_of_work_, idempotency_, clock_, context,
      kDeleteWebhookEndpointMethod, request.request_id(), request,
      [&](Transaction& tx) -> absl::StatusOr<google::protobuf::Empty> {
        CRM_ASSIGN_OR_RETURN(bool deleted, endpoints_.Delete(tx, id));
        if (!deleted) return crm::common::NotFoundError(request.name());
        return google::protobuf::Empty();
      });
}

absl::StatusOr<v1::ListDeadLettersResponse> WebhookManager::ListDeadLetters(
    const RequestContext& context, const v1::ListDeadLettersRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  absl::StatusOr<std::string> parent = crm::common::ParseResourceName(
      request.parent(), kWebhookEndpointsCollection, "parent");
  if (!parent.ok()) {
    return crm::common::InvalidFieldError(
        "parent",
        "must be of the form webhookEndpoints/{webhook_endpoint} or "
        "webhookEndpoints/-");
  }
  const std::string endpoint_id = *parent == "-" ? "" : *parent;
  CRM_ASSIGN_OR_RETURN(int page_size,
                       crm::common::NormalizePageSize(request.page_size()));
  const std::string fingerprint = absl::StrCat("deadLetters:", *parent);
  int64_t after = 0;
  if (!request.page_token().empty()) {
    CRM_ASSIGN_OR_RETURN(
        crm::common::PageCursor cursor,
        crm::common::DecodePageToken(request.page_token(), fingerprint));
    if (!absl::SimpleAtoi(cursor.id, &after)) {
      return crm::common::InvalidFieldError("page_token", "is not valid");
    }
  }
  return unit_of_work_.Read<v1::ListDeadLettersResponse>(
      context,
      [&](Transaction& tx) -> absl::StatusOr<v1::ListDeadLettersResponse> {
        if (!endpoint_id.empty()) {
          CRM_ASSIGN_OR_RETURN(std::optional<WebhookEndpointRecord> endpoint,
                               endpoints_.Find(tx, endpoint_id));
          if (!endpoint.has_value()) {
            return crm::common::NotFoundError(request.parent());
          }
        }
        CRM_ASSIGN_OR_RETURN(
            std::vector<WebhookDeliveryRecord> dead,
            deliveries_.ListDead(tx, endpoint_id, after, page_size + 1));
        v1::ListDeadLettersResponse response;
        const bool more = static_cast<int>(dead.size()) > page_size;
        if (more) dead.resize(page_size);
        for (const WebhookDeliveryRecord& delivery : dead) {
          *response.add_dead_letters() = ToWebhookDeliveryProto(delivery);
        }
        if (more) {
          response.set_next_page_token(crm::common::EncodePageToken(
              {"", absl::StrCat(dead.back().id)}, fingerprint));
        }
        return response;
      });
}

absl::StatusOr<v1::WebhookDelivery> WebhookManager::ReplayDeadLetter(
    const RequestContext& context, const v1::ReplayDeadLetterRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(auto name,
                       ParseWebhookDeliveryName(request.name(), "name"));
  const std::string endpoint_id = name.first;
  const int64_t delivery_id = name.second;
  return crm::common::RunIdempotent<v1::WebhookDelivery>(
      unit_of_work_, idempotency_, clock_, context, kReplayDeadLetterMethod,
      request.request_id(), request,
      [&](Transaction& tx) -> absl::StatusOr<v1::WebhookDelivery> {
        CRM_ASSIGN_OR_RETURN(std::optional<WebhookDeliveryRecord> delivery,
                             deliveries_.Find(tx, endpoint_id, delivery_id));
        if (!delivery.has_value()) {
          return crm::common::NotFoundError(request.name());
        }
        if (delivery->state != DeliveryState::kDead) {
          return crm::common::StateConflictError(
              request.name(), "only a DEAD delivery can be replayed");
        }
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        CRM_ASSIGN_OR_RETURN(bool replayed,
                             deliveries_.Replay(tx, delivery_id, now));
        if (!replayed) {
          return crm::common::StateConflictError(
              request.name(), "only a DEAD delivery can be replayed");
        }
        delivery->state = DeliveryState::kPending;
        delivery->attempts = 0;
        delivery->next_attempt_time = now;
        return ToWebhookDeliveryProto(*delivery);
      });
}

}  // namespace crm::loyalty

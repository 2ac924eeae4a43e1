#include "gateway/openapi/gateway_routes.h"

#include <string>
#include <utility>

namespace crm::gateway::openapi {
namespace {

constexpr char kCustomerId[] =
    "The customer's id (`customers/{customer}`): 1-128 of [A-Za-z0-9_-].";

GatewayRouteProperty Message(std::string name, std::string message,
                             std::string description, bool repeated = false,
                             bool nullable = false) {
  GatewayRouteProperty property;
  property.name = std::move(name);
  property.message = std::move(message);
  property.repeated = repeated;
  property.nullable = nullable;
  property.description = std::move(description);
  return property;
}

GatewayRouteProperty Plain(std::string name, std::string type,
                           std::string description, bool repeated = false) {
  GatewayRouteProperty property;
  property.name = std::move(name);
  property.type = std::move(type);
  property.repeated = repeated;
  property.description = std::move(description);
  return property;
}

GatewayRoute CustomerView() {
  GatewayRoute route;
  route.verb = "get";
  route.path = "/v1/customers/{customer}:view";
  route.operation_id = "Gateway_GetCustomerView";
  route.access_method = "crm.gateway.v1.CustomerView";
  route.summary = "The customer 360 view: one customer from every service.";
  route.description =
      "Every backend call starts at once with the request's deadline (open "
      "alerts follow the open tickets). A part whose call failed is `null` "
      "(`[]` for a list) and named in `missing`; the answer is still 200. A "
      "part the caller's role may not read on its own route is not fetched "
      "and is named in `missing` with `PERMISSION_DENIED` (analysts: "
      "`coupons`). Analysts see personal data masked. An unknown customer "
      "is 404. Admin, agent, analyst; not customer tokens.";
  route.path_parameters = {{"customer", kCustomerId}};
  route.response_properties = {
      Message("customer", "crm.customerprofile.v1.Customer",
              "The profile (GetCustomer).", false, true),
      Message("score", "crm.segmentation.v1.CustomerScore",
              "RFM, value tier, lifecycle stage, CLV, P(alive); null before "
              "the first order.",
              false, true),
      Message("segments", "crm.segmentation.v1.SegmentMember",
              "Segment memberships (at most 100).", true),
      Message("lifecycleHistory", "crm.segmentation.v1.LifecycleTransition",
              "The 10 newest lifecycle-stage changes, newest first.", true),
      Message("account", "crm.loyalty.v1.Account", "Balance and tier.", false,
              true),
      Plain("tierProgress", "object",
            "`currentTier`, `currentTierDisplayName`, `qualifyingPoints`, "
            "`nextTier`, `nextTierDisplayName`, "
            "`nextTierMinQualifyingPoints`, `pointsToNextTier`; null when "
            "missing."),
      Message("recentLedgerEntries", "crm.loyalty.v1.LedgerEntry",
              "The 10 latest ledger entries.", true),
      Message("coupons", "crm.loyalty.v1.Coupon",
              "ISSUED coupons, newest issue first (at most 20).", true),
      Message("recentFeedback", "crm.feedback.v1.Feedback",
              "The 10 latest feedback items.", true),
      Message("openTickets", "crm.feedback.v1.Ticket",
              "Tickets NEW, ACKNOWLEDGED or IN_PROGRESS (at most 10).", true),
      Message("openAlerts", "crm.feedback.v1.Alert",
              "OPEN alerts of those tickets (SLA breaches).", true),
      Plain("latestNps", "object",
            "The newest NPS answer: `score`, `time` (RFC 3339), `survey` "
            "(`surveys/{survey}`), `response`; null when none."),
      Plain("latestCsat", "object", "The newest CSAT answer, as latestNps."),
      Plain("nextBestOffers", "object",
            "At most 3 offers: `type` (WIN_BACK, TIER_UPGRADE, CAMPAIGN, "
            "VIP_PERK, FIRST_PURCHASE), `campaign`, `reason`.",
            true),
      Plain("missing", "object",
            "One entry per part not shown: `part`, `backend`, `status` (a "
            "google.rpc.Code name), `reason` (an ErrorReason name).",
            true),
  };
  route.response_description = "The view.";
  return route;
}

GatewayRoute CustomerExport() {
  GatewayRoute route;
  route.verb = "get";
  route.path = "/v1/customers/{customer}:export";
  route.operation_id = "Gateway_ExportCustomer";
  route.access_method = "crm.gateway.v1.CustomerExport";
  route.summary =
      "The data-subject export: every service's data on one customer.";
  route.description =
      "The four services' export RPCs at once. 200 only when every service "
      "answered; otherwise 503 `BACKEND_UNAVAILABLE` whose ErrorInfo "
      "metadata `backends` names those that did not (retry). An unknown or "
      "erased customer is 404. Admin, agent, and a customer token for its "
      "own customer (`/v1/me:export`).";
  route.path_parameters = {{"customer", kCustomerId}};
  route.response_properties = {
      Plain("customer", "string", "`customers/{customer}`."),
      Message("profile", "crm.customerprofile.v1.ExportCustomerDataResponse",
              "customer-profile's export."),
      Message("segmentation", "crm.segmentation.v1.CustomerSegmentationData",
              "segmentation's export."),
      Message("loyalty", "crm.loyalty.v1.AccountDataExport",
              "loyalty's export."),
      Message("feedback", "crm.feedback.v1.CustomerFeedbackExport",
              "feedback's export."),
      Plain("missing", "object", "Always empty on 200.", true),
  };
  route.response_description = "The export.";
  return route;
}

GatewayRoute CustomerList(const char* path, const char* operation_id,
                          const char* access_method, const char* summary,
                          const char* description, const char* message) {
  GatewayRoute route;
  route.verb = "get";
  route.path = path;
  route.operation_id = operation_id;
  route.access_method = access_method;
  route.summary = summary;
  route.description = description;
  route.path_parameters = {{"customer", kCustomerId}};
  route.query_parameters = {
      {"pageSize", "Maximum items; 0 means the backend's default."},
      {"pageToken", "`nextPageToken` of the previous page."}};
  route.integer_query_parameters = {"pageSize"};
  route.response_message = message;
  route.response_description = "A page.";
  return route;
}

GatewayRoute WhoAmI() {
  GatewayRoute route;
  route.verb = "get";
  route.path = "/v1/whoami";
  route.operation_id = "Gateway_WhoAmI";
  route.access_method = "crm.gateway.v1.WhoAmI";
  route.summary = "Who the gateway takes the caller for.";
  route.description =
      "Every authenticated caller may ask (401 without credentials). Never "
      "returns a key, its digest or a token.";
  route.response_properties = {
      Plain("role", "string",
            "`admin`, `agent`, `analyst`, `service` or `customer`."),
      Plain("keyId", "string",
            "The API key's configured id; empty for customer tokens."),
      Plain("customer", "string", "`customers/{id}`: customer tokens only."),
      Plain("scopes", "string",
            "The methods a service key may call: service keys only.", true),
  };
  route.optional_properties = {"customer", "scopes"};
  route.response_description = "The caller.";
  return route;
}

}  // namespace

std::vector<GatewayRoute> CrmGatewayRoutes() {
  return {
      CustomerView(),
      CustomerExport(),
      CustomerList("/v1/customers/{customer}/coupons",
                   "Gateway_ListCustomerCoupons",
                   "crm.gateway.v1.CustomerCoupons",
                   "One customer's coupons, newest issue first.",
                   "loyalty ListCoupons with the filter `customer = "
                   "\"customers/{customer}\"` set by the gateway; a `filter` "
                   "parameter is 400. Admin, agent, and a customer token for "
                   "its own customer (`/v1/me/coupons`).",
                   "crm.loyalty.v1.ListCouponsResponse"),
      CustomerList("/v1/customers/{customer}/surveyResponses",
                   "Gateway_ListCustomerSurveyResponses",
                   "crm.gateway.v1.CustomerSurveyResponses",
                   "One customer's survey responses, newest first.",
                   "feedback ListSurveyResponses over `surveys/-` with the "
                   "filter `customer = \"customers/{customer}\"` set by the "
                   "gateway; a `filter` parameter is 400. Admin, agent, "
                   "analyst (free text masked), and a customer token for its "
                   "own customer (`/v1/me/surveyResponses`).",
                   "crm.feedback.v1.ListSurveyResponsesResponse"),
      WhoAmI(),
  };
}

}  // namespace crm::gateway::openapi

#include "gateway/whoami_route.h"

#include <google/protobuf/struct.pb.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/auth/access_rules.h"
#include "gateway/auth/authenticator.h"
#include "gateway/http_errors.h"
#include "gateway/json_printer.h"
#include "gateway/route_support.h"

namespace crm::gateway {
namespace {

common::HttpResponse WhoAmI(const RouteRequest& request) {
  if (absl::Status params = CheckQueryParams(request.http, {}); !params.ok()) {
    return ErrorResponse(params);
  }
  const auth::Principal* principal = request.principal;
  // /v1 routes always have a caller; anything else is a wiring mistake.
  if (principal == nullptr) return ErrorResponse(GatewayInternalError());
  google::protobuf::Struct json;
  auto& fields = *json.mutable_fields();
  if (principal->kind == auth::Principal::Kind::kCustomer) {
    fields["role"].set_string_value("customer");
    fields["keyId"].set_string_value("");
    fields["customer"].set_string_value(
        absl::StrCat("customers/", principal->customer_id));
  } else {
    fields["role"].set_string_value(
        std::string(auth::RoleName(principal->role)));
    fields["keyId"].set_string_value(principal->key_id);
    if (principal->role == auth::Role::kService) {
      google::protobuf::ListValue& scopes =
          *fields["scopes"].mutable_list_value();
      if (principal->methods != nullptr) {
        for (const std::string& method : *principal->methods) {
          scopes.add_values()->set_string_value(method);
        }
      }
    }
  }
  common::HttpResponse response;
  if (absl::Status printed = AppendMessageJson(json, &response.body);
      !printed.ok()) {
    return ErrorResponse(GatewayInternalError());
  }
  return response;
}

}  // namespace

void AddWhoAmIRoute(Router& router) {
  router.Add("GET", kWhoAmIRoute, WhoAmI, kWhoAmIMethod);
}

}  // namespace crm::gateway

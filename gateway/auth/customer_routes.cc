#include "gateway/auth/customer_routes.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"

namespace crm::gateway::auth {
namespace {

// (alias, staff path with {me}).
const std::vector<std::pair<std::string, std::string>>& Aliases() {
  static const auto* aliases =
      new std::vector<std::pair<std::string, std::string>>{
          {"/v1/me", "/v1/customers/{me}"},
          {"/v1/me:export", "/v1/customers/{me}:export"},
          {"/v1/me/orders", "/v1/customers/{me}/orders"},
          {"/v1/me/account", "/v1/accounts/{me}"},
          {"/v1/me/ledgerEntries", "/v1/accounts/{me}/ledgerEntries"},
          {"/v1/me/coupons", "/v1/customers/{me}/coupons"},
          {"/v1/me/surveyResponses", "/v1/customers/{me}/surveyResponses"},
          {"/v1/me/referralCode", "/v1/customers/{me}/referralCode"},
      };
  return *aliases;
}

}  // namespace

bool IsCustomerRoutePath(absl::string_view path) {
  return path == "/v1/me" || absl::StartsWith(path, "/v1/me/") ||
         absl::StartsWith(path, "/v1/me:");
}

std::optional<std::string> CustomerRoutePath(absl::string_view path,
                                             absl::string_view customer_id) {
  for (const auto& [alias, staff] : Aliases()) {
    if (path == alias) {
      return absl::StrReplaceAll(staff, {{"{me}", customer_id}});
    }
  }
  return std::nullopt;
}

std::vector<std::string> CustomerRoutePaths() {
  std::vector<std::string> paths;
  for (const auto& alias : Aliases()) paths.push_back(alias.first);
  return paths;
}

}  // namespace crm::gateway::auth

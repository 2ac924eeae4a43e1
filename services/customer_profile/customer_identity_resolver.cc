#include "services/customer_profile/customer_identity_resolver.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/error_details.h"
#include "services/common/status_macros.h"
#include "services/customer_profile/customer_validation.h"

namespace crm::customer_profile {
namespace {

absl::Status LostClaimRace() {
  return crm::common::ErrorWithReason(
      absl::AbortedError("identity resolution raced with another write"),
      crm::type::v1::CONCURRENCY_CONFLICT);
}

}  // namespace

std::vector<IdentifierKind> DefaultResolutionOrder() {
  return {IdentifierKind::kExternal, IdentifierKind::kEmail,
          IdentifierKind::kPhone};
}

absl::StatusOr<std::vector<IdentifierKind>> ParseResolutionOrder(
    absl::string_view text) {
  std::vector<IdentifierKind> order;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    part = absl::StripAsciiWhitespace(part);
    IdentifierKind kind;
    if (part == "external_identity") {
      kind = IdentifierKind::kExternal;
    } else if (part == "email") {
      kind = IdentifierKind::kEmail;
    } else if (part == "phone") {
      kind = IdentifierKind::kPhone;
    } else {
      return crm::common::InvalidFieldError(
          "resolution_order",
          "entries must be external_identity, email or phone");
    }
    if (std::find(order.begin(), order.end(), kind) != order.end()) {
      return crm::common::InvalidFieldError("resolution_order",
                                            "an entry is repeated");
    }
    order.push_back(kind);
  }
  if (order.empty()) return crm::common::RequiredFieldError("resolution_order");
  return order;
}

std::vector<std::pair<IdentifierKind, std::string>> ResolutionKeys(
    const std::vector<IdentifierKind>& order,
    const std::vector<std::pair<IdentifierKind, std::string>>& identifiers) {
  std::vector<std::pair<IdentifierKind, std::string>> keys;
  for (IdentifierKind kind : order) {
    for (const auto& identifier : identifiers) {
      if (identifier.first == kind) keys.push_back(identifier);
    }
  }
  return keys;
}

absl::StatusOr<std::vector<std::pair<IdentifierKind, std::string>>>
IdentityResolver::Identifiers(const v1::Customer& customer) const {
  std::vector<std::pair<IdentifierKind, std::string>> identifiers;
  for (IdentifierKind kind : {IdentifierKind::kExternal, IdentifierKind::kEmail,
                              IdentifierKind::kPhone}) {
    CRM_ASSIGN_OR_RETURN(std::vector<std::string> indexes,
                         codec_.IdentifierIndexes(kind, customer));
    for (std::string& index : indexes) {
      identifiers.emplace_back(kind, std::move(index));
    }
  }
  return identifiers;
}

absl::StatusOr<std::optional<IdentityMatch>> IdentityResolver::Resolve(
    crm::common::Transaction& tx, const v1::Customer& customer) const {
  CRM_ASSIGN_OR_RETURN(auto identifiers, Identifiers(customer));
  for (const auto& [kind, index] : ResolutionKeys(order_, identifiers)) {
    CRM_ASSIGN_OR_RETURN(std::optional<std::string> owner,
                         customers_.FindIdentifierOwner(tx, kind, index,
                                                        /*lock=*/false));
    if (owner.has_value()) {
      return std::optional<IdentityMatch>(IdentityMatch{*owner, kind});
    }
  }
  return std::optional<IdentityMatch>();
}

absl::Status IdentityResolver::Claim(crm::common::Transaction& tx,
                                     absl::string_view customer_id,
                                     const v1::Customer& customer,
                                     ClaimMode mode) const {
  for (int i = 0; i < customer.external_identities_size(); ++i) {
    CRM_ASSIGN_OR_RETURN(
        std::string index,
        codec_.ExternalIdentityIndex(customer.external_identities(i)));
    CRM_ASSIGN_OR_RETURN(std::string owner, customers_.ClaimIdentifier(
                                                tx, IdentifierKind::kExternal,
                                                index, customer_id));
    if (owner == customer_id) continue;
    if (mode.new_customer) return LostClaimRace();
    const std::string owner_name = CustomerName(owner);
    return crm::common::AlreadyExistsError(
        owner_name, absl::StrCat("customer.external_identities[", i,
                                 "]: belongs to another customer, ", owner_name,
                                 "; merge the two customers instead"));
  }
  for (IdentifierKind kind : {IdentifierKind::kEmail, IdentifierKind::kPhone}) {
    if (kind == IdentifierKind::kEmail ? !mode.email : !mode.phone) continue;
    CRM_ASSIGN_OR_RETURN(std::vector<std::string> indexes,
                         codec_.IdentifierIndexes(kind, customer));
    for (const std::string& index : indexes) {
      CRM_ASSIGN_OR_RETURN(
          std::string owner,
          customers_.ClaimIdentifier(tx, kind, index, customer_id));
      if (owner != customer_id && mode.new_customer) return LostClaimRace();
    }
  }
  return absl::OkStatus();
}

absl::Status IdentityResolver::ReleaseReplaced(crm::common::Transaction& tx,
                                               absl::string_view customer_id,
                                               const v1::Customer& updated,
                                               bool email_changed,
                                               bool phone_changed) const {
  CRM_ASSIGN_OR_RETURN(
      std::vector<std::string> keep,
      codec_.IdentifierIndexes(IdentifierKind::kExternal, updated));
  CRM_RETURN_IF_ERROR(customers_.ReleaseIdentifiers(
      tx, customer_id, IdentifierKind::kExternal, keep));
  for (IdentifierKind kind : {IdentifierKind::kEmail, IdentifierKind::kPhone}) {
    if (kind == IdentifierKind::kEmail ? !email_changed : !phone_changed) {
      continue;
    }
    CRM_ASSIGN_OR_RETURN(std::vector<std::string> keep_value,
                         codec_.IdentifierIndexes(kind, updated));
    CRM_RETURN_IF_ERROR(
        customers_.ReleaseIdentifiers(tx, customer_id, kind, keep_value));
  }
  return absl::OkStatus();
}

}  // namespace crm::customer_profile

// Identity resolution: which existing customer an incoming record belongs
// to, and the claims that keep every identifier owned by one customer.
//
//   IdentityResolver resolver(customers, codec, {IdentifierKind::kExternal,
//                                                IdentifierKind::kEmail,
//                                                IdentifierKind::kPhone});
//   CRM_ASSIGN_OR_RETURN(std::optional<IdentityMatch> match,
//                        resolver.Resolve(tx, incoming));
//   if (!match) { ...create..., resolver.Claim(tx, id, incoming,
//                                              ClaimMode::kNewCustomer); }
//
// The identifier index (CustomerRepository's identifiers) maps (kind, blind
// index) to the one customer owning it. Resolution looks the incoming
// identifiers up kind by kind in the configured order (every external
// identity in list order, then email, then phone by default); the first
// owner found is the match. A new customer claims its identifiers; a claim
// lost to a concurrent writer is ABORTED (CONCURRENCY_CONFLICT) so the
// caller re-runs the transaction, which then finds the winner: concurrent
// creates with one email give one customer. An external identity owned by
// another customer is ALREADY_EXISTS (identities are never dropped or
// stolen); an email or phone owned by another customer stays unclaimed, so
// the two customers become duplicate candidates.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/customerprofile/v1/customer.pb.h"
#include "services/common/unit_of_work.h"
#include "services/customer_profile/customer_pii_codec.h"
#include "services/customer_profile/customer_repository.h"

namespace crm::customer_profile {

// The default resolution order.
std::vector<IdentifierKind> DefaultResolutionOrder();

// Parses "external_identity,email,phone" (any order, each at most once, at
// least one); INVALID_ARGUMENT naming `resolution_order` otherwise.
absl::StatusOr<std::vector<IdentifierKind>> ParseResolutionOrder(
    absl::string_view text);

// The identifiers of `customer` in the order resolution tries them: for each
// kind of `order`, the customer's values of that kind (identities in list
// order). Pure.
std::vector<std::pair<IdentifierKind, std::string>> ResolutionKeys(
    const std::vector<IdentifierKind>& order,
    const std::vector<std::pair<IdentifierKind, std::string>>& identifiers);

// An existing customer an incoming record resolved to.
struct IdentityMatch {
  std::string customer_id;
  IdentifierKind matched_by = IdentifierKind::kEmail;
};

// Which identifiers Claim() takes, and how it treats one owned by another
// customer.
struct ClaimMode {
  // A customer being created: any identifier owned by another customer is a
  // lost race (ABORTED, CONCURRENCY_CONFLICT).
  bool new_customer = false;
  bool email = true;
  bool phone = true;
};

class IdentityResolver {
 public:
  // `customers` and `codec` must outlive the resolver; `order` must not be
  // empty.
  IdentityResolver(CustomerRepository& customers, const CustomerPiiCodec& codec,
                   std::vector<IdentifierKind> order)
      : customers_(customers), codec_(codec), order_(std::move(order)) {}

  // The owner of the first known identifier of standardised `customer`, in
  // the configured order; nullopt when none is known. Reads without locks
  // (the caller locks the match's record).
  absl::StatusOr<std::optional<IdentityMatch>> Resolve(
      crm::common::Transaction& tx, const v1::Customer& customer) const;

  // Claims for `customer_id` the external identities of `customer` and, as
  // `mode` says, its email and phone. ALREADY_EXISTS (metadata: the owner's
  // resource name) for an external identity owned by another customer
  // (ABORTED when `mode.new_customer`).
  absl::Status Claim(crm::common::Transaction& tx,
                     absl::string_view customer_id,
                     const v1::Customer& customer, ClaimMode mode) const;

  // After an update of `customer_id` to `updated`: releases the external
  // identities no longer listed, and the old email / phone when
  // `email_changed` / `phone_changed`.
  absl::Status ReleaseReplaced(crm::common::Transaction& tx,
                               absl::string_view customer_id,
                               const v1::Customer& updated, bool email_changed,
                               bool phone_changed) const;

  // The blind indexes of `customer`'s identifiers, by kind.
  absl::StatusOr<std::vector<std::pair<IdentifierKind, std::string>>>
  Identifiers(const v1::Customer& customer) const;

 private:
  CustomerRepository& customers_;
  const CustomerPiiCodec& codec_;
  const std::vector<IdentifierKind> order_;
};

}  // namespace crm::customer_profile

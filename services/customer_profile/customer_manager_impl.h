// CustomerManager on MySQL: standardisation (customer_validation.h over
// core/standardizer.h), envelope encryption of personal data with blind
// indexes (core/pii_cipher.h), identity resolution, merge, erasure, export
// and the change-feed events of every customer change.
//
//   CRM_ASSIGN_OR_RETURN(KeyRing ring, KeyRing::Parse(config_text));
//   CRM_ASSIGN_OR_RETURN(auto customers, CustomerManagerImpl::Create(
//       pool, clock, ids, notifier, std::move(ring), options));
//
// Storage. Each customer has its own AES-256 data key, stored only wrapped
// by the master key ring. Names, email, phone, birth date, street address
// (region, city, postal code, line) and external identities are one
// ciphertext under that key; everything else is plaintext (profile).
// Equality lookups use HMAC-SHA256 blind indexes: email, phone, external
// identity ("<channel>:<id>") and display name + birth date.
//
// Identity resolution. customer_identifiers maps (kind, blind index) to the
// one customer that owns the identifier. A resolving write (Create, Ingest)
// looks the incoming identifiers up in the configured order (default
// external identity, email, phone); the first owner found is updated
// (non-empty incoming values win, tags, attributes and identities are
// added, consents kept per purpose by the newer answer); otherwise a new
// customer is created and claims its identifiers. A claim lost to a
// concurrent writer restarts the transaction, which then finds the winner,
// so concurrent creates with one email give one customer. An external
// identity owned by another customer than the one the write resolves to is
// rejected (ALREADY_EXISTS): identities are never silently dropped or
// stolen. An email or phone already owned by another customer is stored on
// the record but not claimed, so the two become SAME_EMAIL / SAME_PHONE
// duplicate candidates.
//
// Duplicate candidates. Pairs of ACTIVE customers with equal email, phone or
// display name + birth date blind indexes (the older first). Because
// resolution merges writes with a known email or phone into one record,
// most candidates come from name + birth date, and from records whose email
// or phone was added later by an update or a write resolved by another
// identifier.
//
// Merge. Field precedence: for every scalar field (ScalarPaths()) the value
// of the more recently updated record wins when non-empty, an empty value
// never overwrites a non-empty one, and pinned fields keep the survivor's
// value. Tags and identities are united, attributes united (the newer record
// wins per key), consents kept per purpose by the newer answer. Identities
// (claims), orders and events move to the survivor in the same transaction;
// the duplicate becomes a MERGED tombstone (its personal data is destroyed:
// everything kept lives on the survivor); customers merged into the
// duplicate are re-pointed at the survivor; an audit row records the fields
// taken. Repeating a merge returns the survivor; a MERGED survivor is
// followed to its own survivor; merging a customer with itself (also via a
// chain) or with an ERASED customer is rejected.
//
// Erasure destroys the wrapped data key and every personal column, blind
// index, identifier and tag, and the customer's interaction events; the row
// stays as an ERASED tombstone (orders are kept as financial records).
// Erasing a MERGED customer erases its survivor (the same person).
//
// Every change appends a ChangeEvent (without personal data) to the
// customer_profile feed in the same transaction, as its last statement
// (the writer contract of change_feed_outbox.h), and calls
// FeedNotifier::Notify() after commit; `notifier` is the one the feed's
// ChangeFeedSequencer waits on.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/mysql_pool.h"
#include "services/customer_profile/core/pii_cipher.h"
#include "services/customer_profile/customer_manager.h"
#include "services/customer_profile/customer_repository.h"

namespace crm::customer_profile {

struct CustomerManagerOptions {
  // Region for phone numbers written without a country calling code.
  std::string phone_default_region = "CN";
  // Identifier kinds tried by resolution, first match wins.
  std::vector<IdentifierKind> resolution_order = {IdentifierKind::kExternal,
                                                  IdentifierKind::kEmail,
                                                  IdentifierKind::kPhone};
};

// Parses "external_identity,email,phone" (any order, each at most once,
// at least one); INVALID_ARGUMENT naming `resolution_order` otherwise.
absl::StatusOr<std::vector<IdentifierKind>> ParseResolutionOrder(
    absl::string_view text);

class CustomerManagerImpl final : public CustomerManager {
 public:
  // INVALID_ARGUMENT for an unsupported phone region or empty resolution
  // order. `pool`, `clock`, `ids` and `notifier` must outlive the manager.
  static absl::StatusOr<std::unique_ptr<CustomerManagerImpl>> Create(
      crm::common::MySqlPool& pool, const crm::common::Clock& clock,
      const crm::common::IdGenerator& ids, crm::common::FeedNotifier& notifier,
      KeyRing key_ring, CustomerManagerOptions options);

  absl::StatusOr<v1::Customer> Create(
      const v1::CreateCustomerRequest& request) override;
  absl::StatusOr<IngestOutcome> Ingest(const v1::Customer& customer,
                                       bool strict_phone) override;
  absl::StatusOr<v1::Customer> Get(
      const v1::GetCustomerRequest& request) override;
  absl::StatusOr<v1::ListCustomersResponse> List(
      const v1::ListCustomersRequest& request) override;
  absl::StatusOr<v1::Customer> Update(
      const v1::UpdateCustomerRequest& request) override;
  absl::StatusOr<v1::FindDuplicateCandidatesResponse> FindDuplicateCandidates(
      const v1::FindDuplicateCandidatesRequest& request) override;
  absl::StatusOr<v1::Customer> Merge(
      const v1::MergeCustomersRequest& request) override;
  absl::StatusOr<v1::Customer> Erase(
      const v1::EraseCustomerRequest& request) override;
  absl::StatusOr<v1::ExportCustomerDataResponse> Export(
      const v1::ExportCustomerDataRequest& request) override;

  class Impl;

 private:
  explicit CustomerManagerImpl(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;

 public:
  ~CustomerManagerImpl() override;
};

}  // namespace crm::customer_profile

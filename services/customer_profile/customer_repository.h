// Storage of customer records, behind an interface: CustomerManager decides
// (encrypts, hashes, resolves, merges) and hands records to a
// CustomerRepository inside a unit of work (services/common/unit_of_work.h).
// Nothing here is plaintext personal data: `pii` is ciphertext and the
// *_bidx fields are HMAC blind indexes (customer_pii_codec.h).
//
//   CRM_RETURN_IF_ERROR(unit_of_work.Run(ctx, [&](Transaction& tx) {
//     CRM_ASSIGN_OR_RETURN(std::optional<CustomerRecord> record,
//                          customers.Load(tx, id, RowLock::kUpdate));
//     ...
//     return customers.Update(tx, *record);
//   }));
//
// Implementations: MySqlCustomerRepository (mysql_customer_repository.h) and
// the in-memory fake of the unit tests
// (tests/testing/fakes/customer_profile/).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/customer.pb.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/keyset_page.h"
#include "services/common/unit_of_work.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

// One stored customer.
struct CustomerRecord {
  std::string id;
  v1::Customer::State state = v1::Customer::ACTIVE;
  std::string merged_into;  // Survivor id when MERGED, else empty.
  // The data key wrapped by the master key ring; nullopt once erased or
  // merged away.
  std::optional<std::string> wrapped_key;
  // AES-256-GCM ciphertext of a serialized Customer holding only the personal
  // fields; empty once erased.
  std::string pii;
  // Serialized Customer holding the non-personal fields.
  std::string profile;
  // Blind indexes (64 hex digits); empty = none.
  std::string email_bidx;
  std::string phone_bidx;
  std::string name_birth_bidx;
  // Blind index of the birth date's month and day ("MM-DD",
  // CustomerPiiCodec::BirthdayIndex): "" = none (no birth date, or erased or
  // merged away); nullopt = not computed yet (a row stored before migration
  // 0005, until BirthdayIndexBackfill or its next write).
  std::optional<std::string> birthday_bidx;
  std::string country_code;    // Indexed copy of address.country_code.
  std::string source_channel;  // Indexed copy of the profile's.
  // Indexed copy of the profile's tags: written by Insert and Update, not
  // read back by Load (the profile holds them).
  std::vector<std::string> tags;
  absl::Time create_time;
  absl::Time update_time;
  int64_t version = 1;
};

// Kinds of identifiers that resolve a write to a customer.
enum class IdentifierKind { kEmail, kPhone, kExternal };

// "email", "phone", "external".
absl::string_view IdentifierKindName(IdentifierKind kind);

// One identifier (kind, blind index) and, when claimed, its customer.
struct IdentifierClaim {
  IdentifierKind kind = IdentifierKind::kEmail;
  std::string value_hash;
  std::string customer_id;  // Empty in look-ups.
};

enum class CustomerOrder {
  kCreateTimeDesc,
  kCreateTimeAsc,
  kUpdateTimeDesc,
  kUpdateTimeAsc,
};

// A likely duplicate pair found by blind-index equality.
struct DuplicatePair {
  std::string older_id;
  std::string newer_id;
  bool same_email = false;
  bool same_phone = false;
  bool same_name_and_birth_date = false;
};

// How many ACTIVE customers came from one source channel ('' for none).
struct ChannelCount {
  std::string channel;
  int64_t count = 0;
};

// How many ACTIVE customers were created in one UTC calendar month.
struct MonthCount {
  absl::CivilMonth month;
  int64_t count = 0;
};

// How Load locks the row it reads (within the caller's transaction).
enum class RowLock {
  kNone,    // A consistent read without locks.
  kShare,   // Concurrent writers of the row wait for the caller's commit.
  kUpdate,  // Exclusive: other lockers and writers wait.
};

class CustomerRepository {
 public:
  CustomerRepository(const CustomerRepository&) = delete;
  CustomerRepository& operator=(const CustomerRepository&) = delete;
  virtual ~CustomerRepository() = default;

  // --- Records ---

  // The record of `id` (`tags` left empty), or nullopt; locks it as `lock`
  // says.
  virtual absl::StatusOr<std::optional<CustomerRecord>> Load(
      crm::common::Transaction& tx, absl::string_view id, RowLock lock) = 0;
  // Only the `id`, `state` and `merged_into` of `id`'s record (the rest left
  // empty), or nullopt; locks it as Load does. For walking merge chains
  // without reading the personal data.
  virtual absl::StatusOr<std::optional<CustomerRecord>> LoadMergeLink(
      crm::common::Transaction& tx, absl::string_view id, RowLock lock) = 0;
  // Load of each of `ids` in one read: the records of those that exist, in
  // no particular order (repeated ids read once; `tags` left empty).
  virtual absl::StatusOr<std::vector<CustomerRecord>> LoadMany(
      crm::common::Transaction& tx, const std::vector<std::string>& ids) = 0;
  // LoadMergeLink of each of `ids` in one read: the links of those that
  // exist, in no particular order (repeated ids read once); each row locked
  // as `lock` says.
  virtual absl::StatusOr<std::vector<CustomerRecord>> LoadMergeLinks(
      crm::common::Transaction& tx, const std::vector<std::string>& ids,
      RowLock lock) = 0;
  // Stores a new record (every field of `record`, tags included).
  // ALREADY_EXISTS if the id is taken.
  virtual absl::Status Insert(crm::common::Transaction& tx,
                              const CustomerRecord& record) = 0;
  // Stores new records (every field, tags included) in as few statements as
  // the implementation can (bulk import). ALREADY_EXISTS if an id is taken;
  // then the caller must roll back (some records may have been stored).
  virtual absl::Status InsertMany(
      crm::common::Transaction& tx,
      const std::vector<CustomerRecord>& records) = 0;
  // Overwrites every field of record `record.id` except id and create_time
  // (the tag index is replaced by `record.tags`). NOT_FOUND if there is no
  // such record.
  virtual absl::Status Update(crm::common::Transaction& tx,
                              const CustomerRecord& record) = 0;

  // --- Identifiers (the resolution index: one owner per identifier) ---

  // The customer owning identifier (kind, hash), or nullopt. `lock`: the
  // latest committed owner, locked until the caller's commit; otherwise a
  // consistent read without locks.
  virtual absl::StatusOr<std::optional<std::string>> FindIdentifierOwner(
      crm::common::Transaction& tx, IdentifierKind kind,
      absl::string_view value_hash, bool lock) = 0;
  // The owners of many identifiers in one look-up: result[i] is the owner of
  // identifiers[i] (nullopt when unowned), read like FindIdentifierOwner
  // without a lock.
  virtual absl::StatusOr<std::vector<std::optional<std::string>>>
  FindIdentifierOwners(crm::common::Transaction& tx,
                       const std::vector<IdentifierClaim>& identifiers) = 0;
  // Claims every identifier of `claims` (kind, hash) for its customer_id
  // where nobody owns it yet, in as few statements as the implementation can;
  // returns how many were claimed (an identifier already owned, by anyone,
  // is skipped and not counted). Waits for concurrent uncommitted claims.
  virtual absl::StatusOr<int64_t> ClaimNewIdentifiers(
      crm::common::Transaction& tx,
      const std::vector<IdentifierClaim>& claims) = 0;
  // Makes `customer_id` the owner of (kind, hash) unless someone already
  // owns it; returns the owner afterwards (== customer_id when claimed or
  // already owned). Waits for a concurrent uncommitted claim; ABORTED if the
  // identifier was released while waiting.
  virtual absl::StatusOr<std::string> ClaimIdentifier(
      crm::common::Transaction& tx, IdentifierKind kind,
      absl::string_view value_hash, absl::string_view customer_id) = 0;
  // Removes the identifiers of `kind` owned by `customer_id` whose hash is
  // not in `keep`.
  virtual absl::Status ReleaseIdentifiers(
      crm::common::Transaction& tx, absl::string_view customer_id,
      IdentifierKind kind, const std::vector<std::string>& keep) = 0;
  // Removes every identifier owned by `customer_id`.
  virtual absl::Status ReleaseAllIdentifiers(crm::common::Transaction& tx,
                                             absl::string_view customer_id) = 0;
  // Gives every identifier of `from_id` to `to_id`.
  virtual absl::Status MoveIdentifiers(crm::common::Transaction& tx,
                                       absl::string_view from_id,
                                       absl::string_view to_id) = 0;

  // --- Queries ---

  // One page of records matching `filter` in `order`, starting strictly
  // after `page.after` (whose create_time holds the order's time column);
  // `next` set when more may follow. `filter` is parsed with
  // CustomerFilterSchema() (customer_filter.h) and holds values as stored
  // (PrepareCustomerFilterValues: blind indexes for email, phone, external
  // identities and birthday); when it does not mention `state`, only ACTIVE
  // records match. FILTER_INVALID for a field that cannot be filtered on.
  virtual absl::StatusOr<crm::common::Page<CustomerRecord>> List(
      crm::common::Transaction& tx, const crm::common::filter::Filter& filter,
      CustomerOrder order, const crm::common::PageRequest& page) = 0;
  // Pairs of ACTIVE customers sharing an email, phone or name + birth date
  // blind index, the older (create_time, then id) first, ordered by
  // (older id, newer id), strictly after `after`, at most `limit`.
  virtual absl::StatusOr<std::vector<DuplicatePair>> FindDuplicatePairs(
      crm::common::Transaction& tx,
      const std::optional<std::pair<std::string, std::string>>& after,
      int limit) = 0;

  // --- Statistics (aggregates, read from indexes alone) ---

  // ACTIVE records (neither merged nor erased) counted per source channel,
  // the largest count first, then by channel.
  virtual absl::StatusOr<std::vector<ChannelCount>> CountActiveByChannel(
      crm::common::Transaction& tx) = 0;
  // ACTIVE records created at or after `since` counted per UTC calendar
  // month of their create_time, by month; months without any are left out.
  virtual absl::StatusOr<std::vector<MonthCount>> CountActiveCreatedByMonth(
      crm::common::Transaction& tx, absl::Time since) = 0;

  // --- Merges ---

  // Points every record merged into `from_id` at `to_id` (flattens chains).
  virtual absl::Status RepointMerged(crm::common::Transaction& tx,
                                     absl::string_view from_id,
                                     absl::string_view to_id) = 0;
  // Ids of the records whose `merged_into` is `survivor_id`, oldest first.
  virtual absl::StatusOr<std::vector<std::string>> MergedInto(
      crm::common::Transaction& tx, absl::string_view survivor_id) = 0;
  // Appends the audit entry of a merge; `fields_taken` is the comma-joined
  // list of scalar paths taken from the duplicate.
  virtual absl::Status InsertMergeAudit(crm::common::Transaction& tx,
                                        absl::string_view survivor_id,
                                        absl::string_view duplicate_id,
                                        absl::Time merge_time,
                                        absl::string_view fields_taken) = 0;

 protected:
  CustomerRepository() = default;
};

}  // namespace crm::customer_profile

// The SQL of customer records on customer-profile's MySQL/MariaDB database
// (tables customers, customer_identifiers, customer_tags, customer_merges;
// migrations/0001_*.sql and 0002_*.sql). Every statement is a prepared
// statement. Every function runs on the caller's connection, inside the
// caller's transaction (transaction.h), and neither commits nor rolls back;
// they may throw sql::SQLException, which RunInTransaction() maps.
//
//   RunInTransaction(pool, [&](sql::Connection& c) -> absl::Status {
//     CRM_ASSIGN_OR_RETURN(std::string id, ResolveActiveCustomerId(c, raw));
//     ...
//   });
//
// Values in these rows are already encrypted or hashed (customer_manager_impl
// does the cryptography); nothing here sees plaintext personal data.
#pragma once

#include <cppconn/connection.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/keyset_page.h"
#include "services/customer_profile/customer_repository.h"

namespace crm::customer_profile {

// The id of the ACTIVE customer `customer_id` designates: itself when
// ACTIVE, the survivor when MERGED (following chains). FAILED_PRECONDITION
// "customers/{id} was erased" when it (or the survivor) is ERASED;
// NOT_FOUND "customers/{id} was not found" when absent. Takes a shared lock
// (LOCK IN SHARE MODE) on every row it reads, so a concurrent merge or
// erasure of that customer waits for the caller's transaction: a row written
// for the returned id in the same transaction is never stranded on a merged
// or erased customer.
absl::StatusOr<std::string> ResolveActiveCustomerId(
    sql::Connection& connection, absl::string_view customer_id);

// How LoadCustomer locks the row it reads.
enum class RowLock { kNone, kShare, kUpdate };

class MySqlCustomerRepository {
 public:
  // The row of `id`, or nullopt.
  static absl::StatusOr<std::optional<CustomerRecord>> Load(
      sql::Connection& connection, absl::string_view id, RowLock lock);
  // Inserts a new row (every column from `record`).
  static absl::Status Insert(sql::Connection& connection,
                             const CustomerRecord& record);
  // Overwrites every column of row `record.id` except id and create_time.
  static absl::Status Update(sql::Connection& connection,
                             const CustomerRecord& record);

  // The customer owning identifier (kind, hash); nullopt if nobody owns it.
  // `lock`: a locking read (FOR UPDATE: the latest committed owner, locked);
  // otherwise a consistent (snapshot) read without locks.
  static absl::StatusOr<std::optional<std::string>> FindIdentifierOwner(
      sql::Connection& connection, IdentifierKind kind,
      absl::string_view value_hash, bool lock);
  // Makes `customer_id` the owner of (kind, hash) unless someone already
  // owns it; returns the owner afterwards (== customer_id when claimed or
  // already owned). Waits for a concurrent uncommitted claim.
  static absl::StatusOr<std::string> ClaimIdentifier(
      sql::Connection& connection, IdentifierKind kind,
      absl::string_view value_hash, absl::string_view customer_id);
  // Removes the identifiers of `kind` owned by `customer_id` whose hash is
  // not in `keep`.
  static absl::Status ReleaseIdentifiers(sql::Connection& connection,
                                         absl::string_view customer_id,
                                         IdentifierKind kind,
                                         const std::vector<std::string>& keep);
  // Removes every identifier owned by `customer_id`.
  static absl::Status ReleaseAllIdentifiers(sql::Connection& connection,
                                            absl::string_view customer_id);
  // Gives every identifier of `from_id` to `to_id`.
  static absl::Status MoveIdentifiers(sql::Connection& connection,
                                      absl::string_view from_id,
                                      absl::string_view to_id);

  // Replaces the tag rows of `customer_id` by `tags`.
  static absl::Status ReplaceTags(sql::Connection& connection,
                                  absl::string_view customer_id,
                                  const std::vector<std::string>& tags);

  // One page of customers matching `filter` in `order`, starting strictly
  // after `page.after` (whose create_time holds the order's time column);
  // `next` set when more may follow.
  static absl::StatusOr<crm::common::Page<CustomerRecord>> List(
      sql::Connection& connection, const CustomerFilter& filter,
      CustomerOrder order, const crm::common::PageRequest& page);

  // Pairs of ACTIVE customers sharing an email, phone or name + birth date
  // blind index, the older first, ordered by (older id, newer id), strictly
  // after `after` (older id, newer id), at most `limit`.
  static absl::StatusOr<std::vector<DuplicatePair>> FindDuplicatePairs(
      sql::Connection& connection,
      const std::optional<std::pair<std::string, std::string>>& after,
      int limit);

  // Points customers merged into `from_id` at `to_id` (flattens chains).
  static absl::Status RepointMerged(sql::Connection& connection,
                                    absl::string_view from_id,
                                    absl::string_view to_id);
  // Ids of the customers whose `merged_into` is `survivor_id`, oldest first.
  static absl::StatusOr<std::vector<std::string>> MergedInto(
      sql::Connection& connection, absl::string_view survivor_id);
  // Appends the audit row of a merge.
  static absl::Status InsertMergeAudit(sql::Connection& connection,
                                       absl::string_view survivor_id,
                                       absl::string_view duplicate_id,
                                       absl::Time merge_time,
                                       absl::string_view fields_taken);
};

}  // namespace crm::customer_profile

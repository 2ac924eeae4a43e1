// Posts entries to an account's ledger inside the caller's unit of work,
// keeping the ledger's invariants: the balance equals the sum of the
// entries and of the lots' remaining points, entries are numbered 1, 2, 3,
// ... per account, every entry's source is unique in its account (so
// nothing is applied twice), and the balance never goes below zero.
//
//   CRM_ASSIGN_OR_RETURN(AccountRecord account,
//                        accounts.LockOrCreate(tx, customer_id, now));
//   CRM_ASSIGN_OR_RETURN(LedgerEntryRecord entry,
//       poster.Debit(tx, account, {.type = v1::LedgerEntry::REDEEM,
//                                  .points = 120, .reason = "...",
//                                  .source = "redeem:r-1", .time = now},
//                    "points"));
//
// Credits form a lot (expiring at `expire_time`); debits spend lots oldest
// first; an expiry empties one lot. Each call writes the entry, the lots and
// the account row (balance, version, update_time and whatever else the
// caller changed in `account`), and updates `account` to match. An account
// merged into another (`merged_into`) takes no more entries:
// FAILED_PRECONDITION (RESOURCE_STATE_CONFLICT) naming the survivor.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/id_generator.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/account_repository.h"

namespace crm::loyalty {

// One movement to post.
struct Posting {
  ::crm::loyalty::v1::LedgerEntry::Type type =
      ::crm::loyalty::v1::LedgerEntry::TYPE_UNSPECIFIED;
  int64_t points = 0;  // > 0: credited or debited.
  std::string reason;
  std::string source;  // The entry's idempotency key within the account.
  absl::Time time;     // The entry's create_time (microseconds).
  // Credits: when the lot expires (nullopt: never).
  std::optional<absl::Time> expire_time;
  // What the entry adds to tier qualification (signed).
  int64_t qualifying_delta = 0;
  // Credits: when the lot's points were earned, if not `time` (a lot moved
  // by a merge keeps its place in the oldest-first order).
  std::optional<absl::Time> lot_earn_time;
};

class LedgerPoster {
 public:
  // Both must outlive the poster.
  LedgerPoster(AccountRepository& accounts, const crm::common::IdGenerator& ids)
      : accounts_(accounts), ids_(ids) {}
  LedgerPoster(const LedgerPoster&) = delete;
  LedgerPoster& operator=(const LedgerPoster&) = delete;

  // Credits `posting.points` to `account` (locked by the caller) and forms
  // a lot of them. ALREADY_EXISTS (from the repository, nothing written) if
  // the account already has an entry with `posting.source`;
  // FAILED_PRECONDITION (RESOURCE_STATE_CONFLICT) if the balance would
  // overflow.
  absl::StatusOr<LedgerEntryRecord> Credit(crm::common::Transaction& tx,
                                           AccountRecord& account,
                                           const Posting& posting);

  // Debits `posting.points` from `account` (locked by the caller), spending
  // its lots oldest first. FAILED_PRECONDITION with reason
  // INSUFFICIENT_BALANCE (metadata `field` = `field`, `available_points`) if
  // the balance is smaller; ALREADY_EXISTS if the source was posted before.
  // Nothing is written on error.
  absl::StatusOr<LedgerEntryRecord> Debit(crm::common::Transaction& tx,
                                          AccountRecord& account,
                                          const Posting& posting,
                                          absl::string_view field);

  // Expires what is left of `lot` (of `account`, locked by the caller): an
  // EXPIRE entry with source `expire:{lot id}` and the lot emptied. Returns
  // nullopt, writing nothing, if the lot has nothing left.
  absl::StatusOr<std::optional<LedgerEntryRecord>> ExpireLot(
      crm::common::Transaction& tx, AccountRecord& account,
      const LotRecord& lot, absl::Time now);

  // Debits what is left of `lot` (of `account`, locked by the caller) with
  // an entry described by `posting` (whose `points` is ignored) and empties
  // the lot. Returns nullopt, writing nothing, if the lot has nothing left;
  // ALREADY_EXISTS if the source was posted before.
  absl::StatusOr<std::optional<LedgerEntryRecord>> EmptyLot(
      crm::common::Transaction& tx, AccountRecord& account,
      const LotRecord& lot, const Posting& posting);

 private:
  // Appends the entry of `posting` moving the balance by `delta` and stores
  // the account.
  absl::StatusOr<LedgerEntryRecord> Append(crm::common::Transaction& tx,
                                           AccountRecord& account,
                                           const Posting& posting,
                                           int64_t delta);

  AccountRepository& accounts_;
  const crm::common::IdGenerator& ids_;
};

}  // namespace crm::loyalty

// Storage of points accounts, their append-only ledger, the lots their
// credits form and the points each order earned: the records as stored, and
// the interface the ledger (ledger_poster.h) and the managers use inside a
// unit of work. The MySQL implementation is MySqlAccountRepository
// (mysql_account_repository.h); unit tests use the in-memory fake in
// tests/testing/fakes/loyalty/.
//
//   CRM_ASSIGN_OR_RETURN(AccountRecord account,
//                        accounts.LockOrCreate(tx, customer_id, now));
//   ... the ledger rules (account_rules.h) ...
//   CRM_RETURN_IF_ERROR(accounts.AppendEntry(tx, entry));
//   CRM_RETURN_IF_ERROR(accounts.Update(tx, account));
//
// The repository stores what it is given: it applies no ledger rule, makes
// no id and knows no resource name.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/account.pb.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/unit_of_work.h"

namespace crm::loyalty {

// One customer's points account. `points_balance` is the sum of the
// account's ledger entries and of its lots' remaining points; `version` is
// the account's etag and the sequence of its latest ledger entry.
struct AccountRecord {
  std::string customer_id;
  int64_t points_balance = 0;
  absl::Time create_time;
  absl::Time update_time;
  int64_t version = 0;
  std::string tier;  // Tier id; empty: none.
  std::optional<absl::Time> tier_grace_end_time;
  int64_t points_debt = 0;  // Clawback the balance could not cover (>= 0).
  // The survivor this account was merged into (member_lifecycle.h); empty:
  // not merged.
  std::string merged_into;
  std::optional<absl::Time> merge_time;
};

// One entry of an account's ledger. `idempotency_key` (for example
// "adjust:<request_id>") is unique within the account, so an entry keyed by
// the same request is never applied twice.
struct LedgerEntryRecord {
  std::string customer_id;
  std::string id;
  ::crm::loyalty::v1::LedgerEntry::Type type =
      ::crm::loyalty::v1::LedgerEntry::TYPE_UNSPECIFIED;
  int64_t points_delta = 0;
  int64_t balance_after = 0;
  std::string reason;
  std::string idempotency_key;
  absl::Time create_time;
  int64_t sequence = 0;          // The account's version right after the entry.
  int64_t qualifying_delta = 0;  // What it adds to tier qualification.
  std::optional<absl::Time> expire_time;  // Of the lot it formed, if any.
};

// The points of one credit, spent and expired oldest first (earn_time, id).
// `id` is the id of the ledger entry that formed it.
struct LotRecord {
  std::string customer_id;
  std::string id;
  int64_t points = 0;            // > 0.
  int64_t remaining_points = 0;  // 0..points.
  absl::Time earn_time;
  std::optional<absl::Time> expire_time;  // nullopt: never.
};

// What one order earned and how much of it refunds took back.
struct OrderEarningRecord {
  std::string customer_id;
  std::string order_name;  // customers/{customer}/orders/{order}
  int64_t amount_minor = 0;
  std::string currency_code;
  int64_t points_earned = 0;
  int64_t points_clawed = 0;
};

// A page of an account's ledger, newest first.
struct LedgerQuery {
  // Parsed against LedgerEntryFilterSchema() (ledger_entry_filter.h).
  crm::common::filter::Filter filter;
  std::optional<int64_t> before_sequence;  // Only entries below it.
  int limit = 50;
};

class AccountRepository {
 public:
  AccountRepository(const AccountRepository&) = delete;
  AccountRepository& operator=(const AccountRepository&) = delete;
  virtual ~AccountRepository() = default;

  // The account of `customer_id` as committed; nullopt if it has none.
  virtual absl::StatusOr<std::optional<AccountRecord>> Find(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // The account of `customer_id`, created with balance 0, version 0 and
  // create/update time `now` if it has none, and locked until `tx` ends:
  // a concurrent LockOrCreate() of the same account waits for `tx` to commit
  // or roll back, so read-modify-write of one account serialises. If `tx`
  // rolls back, an account it created does not exist. Times are stored with
  // microsecond precision.
  virtual absl::StatusOr<AccountRecord> LockOrCreate(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::Time now) = 0;

  // Appends `entry` to the ledger of `entry.customer_id`. ALREADY_EXISTS if
  // that ledger already holds an entry with the same idempotency_key (or the
  // same id); nothing is written then. Entries are never changed afterwards.
  virtual absl::Status AppendEntry(crm::common::Transaction& tx,
                                   const LedgerEntryRecord& entry) = 0;

  // Stores `account`'s points_balance, update_time, version, tier,
  // tier_grace_end_time, points_debt, merged_into and merge_time over the
  // existing account of `account.customer_id` (create_time is kept). NOT_FOUND
  // if there is none. The caller holds the account's lock.
  virtual absl::Status Update(crm::common::Transaction& tx,
                              const AccountRecord& account) = 0;

  // The entry `entry_id` of the ledger of `customer_id`; nullopt if none.
  virtual absl::StatusOr<std::optional<LedgerEntryRecord>> FindEntry(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::string_view entry_id) = 0;

  // The entry of the ledger of `customer_id` written for `source` (its
  // idempotency key, e.g. `compensation:{ticket}`); nullopt if none.
  virtual absl::StatusOr<std::optional<LedgerEntryRecord>> FindEntryBySource(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::string_view source) = 0;

  // Up to `query.limit` entries of the ledger of `customer_id` matching
  // `query.filter` with sequence below `query.before_sequence` (if set),
  // highest sequence first.
  virtual absl::StatusOr<std::vector<LedgerEntryRecord>> ListEntries(
      crm::common::Transaction& tx, absl::string_view customer_id,
      const LedgerQuery& query) = 0;

  // Every entry of the ledger of `customer_id`, lowest sequence first (for
  // VerifyLedger).
  virtual absl::StatusOr<std::vector<LedgerEntryRecord>> AllEntries(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // Sum of qualifying_delta of the entries of `customer_id` created at or
  // after `since`.
  virtual absl::StatusOr<int64_t> QualifyingPointsSince(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::Time since) = 0;

  // Sums of qualifying_delta since `since` per customer of `customer_ids`
  // (customers without such entries are absent), in one read.
  virtual absl::StatusOr<std::map<std::string, int64_t>>
  QualifyingPointsByCustomer(crm::common::Transaction& tx,
                             const std::vector<std::string>& customer_ids,
                             absl::Time since) = 0;

  // Up to `limit` accounts with customer id above `after` (all when empty),
  // in customer id order, read without locks.
  virtual absl::StatusOr<std::vector<AccountRecord>> ListAccounts(
      crm::common::Transaction& tx, absl::string_view after, int limit) = 0;

  // Stores a new lot. ALREADY_EXISTS if the account has a lot with its id.
  virtual absl::Status InsertLot(crm::common::Transaction& tx,
                                 const LotRecord& lot) = 0;

  // The lots of `customer_id` with remaining points, oldest first
  // (earn_time, then id). The caller holds the account's lock.
  virtual absl::StatusOr<std::vector<LotRecord>> OpenLots(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // Sets the remaining points of lot `lot_id` of `customer_id`. NOT_FOUND if
  // there is no such lot. The caller holds the account's lock.
  virtual absl::Status SetLotRemaining(crm::common::Transaction& tx,
                                       absl::string_view customer_id,
                                       absl::string_view lot_id,
                                       int64_t remaining_points) = 0;

  // Sum of the remaining points of every lot of `customer_id`.
  virtual absl::StatusOr<int64_t> LotsRemainingSum(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // Up to `limit` distinct customers having a lot with remaining points and
  // expire_time at or before `now`, in customer id order (read without
  // locks: the caller re-checks under the account's lock).
  virtual absl::StatusOr<std::vector<std::string>> CustomersWithExpiredLots(
      crm::common::Transaction& tx, absl::Time now, int limit) = 0;

  // What order `order_name` of `customer_id` earned; nullopt if nothing was
  // recorded for it.
  virtual absl::StatusOr<std::optional<OrderEarningRecord>> FindOrderEarning(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::string_view order_name) = 0;

  // Inserts `earning`, or replaces the stored one of the same customer and
  // order. The caller holds the account's lock.
  virtual absl::Status SaveOrderEarning(crm::common::Transaction& tx,
                                        const OrderEarningRecord& earning) = 0;

  // The customers whose accounts were merged directly into one of
  // `survivor_ids` (merged_into), per survivor; survivors without any are
  // absent.
  virtual absl::StatusOr<std::map<std::string, std::vector<std::string>>>
  DuplicatesOf(crm::common::Transaction& tx,
               const std::vector<std::string>& survivor_ids) = 0;

  // Every lot of `customer_id` (also the emptied ones), oldest first.
  virtual absl::StatusOr<std::vector<LotRecord>> AllLots(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // Moves the recorded order earnings of `from_customer_id` to
  // `to_customer_id` (order names are unchanged, so a refund of the order
  // finds its earning under the new owner). The caller holds both accounts'
  // locks.
  virtual absl::Status MoveOrderEarnings(crm::common::Transaction& tx,
                                         absl::string_view from_customer_id,
                                         absl::string_view to_customer_id) = 0;

  // Erasure: the account of `customer_id`, its ledger entries and its lots
  // are re-keyed to `tombstone_id` keeping amounts, balances, sequences,
  // types and times; every entry's reason is replaced by `erased_reason` and
  // its idempotency key by `erased:{entry id}`; the account's merged_into
  // becomes `merged_into` (empty: none); its order earnings (whose names
  // carry the customer id) are deleted. Afterwards no row of these tables
  // holds `customer_id`. The caller holds the account's lock.
  virtual absl::Status ReKeyErasedAccount(crm::common::Transaction& tx,
                                          absl::string_view customer_id,
                                          absl::string_view tombstone_id,
                                          absl::string_view merged_into,
                                          absl::string_view erased_reason) = 0;

  // Batches, for work over many accounts in one transaction (an earning
  // run, order_earning.h). Each means what the one-at-a-time method above
  // means for every element; the defaults call that method per element,
  // implementations answer in fewer statements.

  // LockOrCreate() of each of `customer_ids` (locked in ascending id order,
  // so two batches cannot deadlock on each other), keyed by customer id.
  virtual absl::StatusOr<std::map<std::string, AccountRecord>> LockOrCreateMany(
      crm::common::Transaction& tx,
      const std::vector<std::string>& customer_ids, absl::Time now);

  // FindOrderEarning() of each (customer id, order name) pair; pairs with
  // nothing recorded are absent.
  virtual absl::StatusOr<
      std::map<std::pair<std::string, std::string>, OrderEarningRecord>>
  FindOrderEarnings(
      crm::common::Transaction& tx,
      const std::vector<std::pair<std::string, std::string>>& orders);

  // AppendEntry() of each entry (ALREADY_EXISTS if any collides; then the
  // caller's transaction must roll back).
  virtual absl::Status AppendEntries(
      crm::common::Transaction& tx,
      const std::vector<LedgerEntryRecord>& entries);

  // InsertLot() of each lot (ALREADY_EXISTS as above).
  virtual absl::Status InsertLots(crm::common::Transaction& tx,
                                  const std::vector<LotRecord>& lots);

  // SaveOrderEarning() of each earning.
  virtual absl::Status SaveOrderEarnings(
      crm::common::Transaction& tx,
      const std::vector<OrderEarningRecord>& earnings);

  // Update() of each account; every one must exist and be locked by `tx`.
  virtual absl::Status UpdateMany(crm::common::Transaction& tx,
                                  const std::vector<AccountRecord>& accounts);

 protected:
  AccountRepository() = default;
};

}  // namespace crm::loyalty

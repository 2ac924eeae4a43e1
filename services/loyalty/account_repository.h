// Storage of points accounts and their append-only ledger: the records as
// stored, and the interface the account manager (account_manager.h) uses
// inside a unit of work. The MySQL implementation is MySqlAccountRepository
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
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/account.pb.h"
#include "services/common/unit_of_work.h"

namespace crm::loyalty {

// One customer's points account. `points_balance` is the sum of the
// account's ledger entries; `version` is the account's etag.
struct AccountRecord {
  std::string customer_id;
  int64_t points_balance = 0;
  absl::Time create_time;
  absl::Time update_time;
  int64_t version = 0;
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

  // Stores `account`'s points_balance, update_time and version over the
  // existing account of `account.customer_id` (create_time is kept).
  // NOT_FOUND if there is none. The caller holds the account's lock.
  virtual absl::Status Update(crm::common::Transaction& tx,
                              const AccountRecord& account) = 0;

 protected:
  AccountRepository() = default;
};

}  // namespace crm::loyalty

// AccountRepository on the service's MySQL/MariaDB database (tables
// `accounts` and `ledger_entries`,
// migrations/0001_create_accounts_and_ledger.sql): all of loyalty's SQL and
// row mapping, prepared statements only, on the connection of the caller's
// unit of work (mysql_unit_of_work.h).
//
//   MySqlUnitOfWork unit_of_work(pool);
//   MySqlAccountRepository accounts;
//   AccountManager manager(unit_of_work, accounts, idempotency, clock, ids);
#pragma once

#include "services/loyalty/account_repository.h"

namespace crm::loyalty {

class MySqlAccountRepository final : public AccountRepository {
 public:
  MySqlAccountRepository() = default;

  absl::StatusOr<std::optional<AccountRecord>> Find(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::StatusOr<AccountRecord> LockOrCreate(crm::common::Transaction& tx,
                                             absl::string_view customer_id,
                                             absl::Time now) override;
  absl::Status AppendEntry(crm::common::Transaction& tx,
                           const LedgerEntryRecord& entry) override;
  absl::Status Update(crm::common::Transaction& tx,
                      const AccountRecord& account) override;
};

}  // namespace crm::loyalty

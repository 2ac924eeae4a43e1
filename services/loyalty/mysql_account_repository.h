// AccountRepository on the service's MySQL/MariaDB database (tables
// `accounts`, `ledger_entries`, `point_lots` and `order_earnings`,
// migrations/): all of the ledger's SQL and row mapping, prepared statements
// only, on the connection of the caller's unit of work
// (mysql_unit_of_work.h).
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
  absl::StatusOr<std::optional<LedgerEntryRecord>> FindEntry(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::string_view entry_id) override;
  absl::StatusOr<std::optional<LedgerEntryRecord>> FindEntryBySource(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::string_view source) override;
  absl::StatusOr<std::vector<LedgerEntryRecord>> ListEntries(
      crm::common::Transaction& tx, absl::string_view customer_id,
      const LedgerQuery& query) override;
  absl::StatusOr<std::vector<LedgerEntryRecord>> AllEntries(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::StatusOr<int64_t> QualifyingPointsSince(crm::common::Transaction& tx,
                                                absl::string_view customer_id,
                                                absl::Time since) override;
  absl::StatusOr<std::map<std::string, int64_t>> QualifyingPointsByCustomer(
      crm::common::Transaction& tx,
      const std::vector<std::string>& customer_ids, absl::Time since) override;
  absl::StatusOr<std::vector<AccountRecord>> ListAccounts(
      crm::common::Transaction& tx, absl::string_view after,
      int limit) override;
  absl::Status InsertLot(crm::common::Transaction& tx,
                         const LotRecord& lot) override;
  absl::StatusOr<std::vector<LotRecord>> OpenLots(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::Status SetLotRemaining(crm::common::Transaction& tx,
                               absl::string_view customer_id,
                               absl::string_view lot_id,
                               int64_t remaining_points) override;
  absl::StatusOr<int64_t> LotsRemainingSum(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::StatusOr<std::vector<std::string>> CustomersWithExpiredLots(
      crm::common::Transaction& tx, absl::Time now, int limit) override;
  absl::StatusOr<std::optional<OrderEarningRecord>> FindOrderEarning(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::string_view order_name) override;
  absl::Status SaveOrderEarning(crm::common::Transaction& tx,
                                const OrderEarningRecord& earning) override;
  absl::StatusOr<std::map<std::string, std::vector<std::string>>> DuplicatesOf(
      crm::common::Transaction& tx,
      const std::vector<std::string>& survivor_ids) override;
  absl::StatusOr<std::vector<LotRecord>> AllLots(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::Status MoveOrderEarnings(crm::common::Transaction& tx,
                                 absl::string_view from_customer_id,
                                 absl::string_view to_customer_id) override;
  absl::Status ReKeyErasedAccount(crm::common::Transaction& tx,
                                  absl::string_view customer_id,
                                  absl::string_view tombstone_id,
                                  absl::string_view merged_into,
                                  absl::string_view erased_reason) override;

  // Batches: one statement per chunk of at most 64 rows (sql_batches.h).
  absl::StatusOr<std::map<std::string, AccountRecord>> LockOrCreateMany(
      crm::common::Transaction& tx,
      const std::vector<std::string>& customer_ids, absl::Time now) override;
  absl::StatusOr<
      std::map<std::pair<std::string, std::string>, OrderEarningRecord>>
  FindOrderEarnings(
      crm::common::Transaction& tx,
      const std::vector<std::pair<std::string, std::string>>& orders) override;
  absl::Status AppendEntries(
      crm::common::Transaction& tx,
      const std::vector<LedgerEntryRecord>& entries) override;
  absl::Status InsertLots(crm::common::Transaction& tx,
                          const std::vector<LotRecord>& lots) override;
  absl::Status SaveOrderEarnings(
      crm::common::Transaction& tx,
      const std::vector<OrderEarningRecord>& earnings) override;
  absl::Status UpdateMany(crm::common::Transaction& tx,
                          const std::vector<AccountRecord>& accounts) override;
};

}  // namespace crm::loyalty

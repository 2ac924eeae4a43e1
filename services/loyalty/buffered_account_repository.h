// An AccountRepository that holds the writes of many events applied in one
// transaction and sends them as a few multi-row statements (an earning run,
// order_earning.h), answering the reads those events repeat from what it
// read once up front and from its own unsent writes.
//
//   BufferedAccountRepository buffered(mysql_accounts);
//   CRM_RETURN_IF_ERROR(buffered.Prefetch(tx, customers, orders, since, now));
//   ... domain code (LedgerPoster, OrderEarning) on `buffered` ...
//   CRM_RETURN_IF_ERROR(buffered.Flush(tx));   // before `tx` commits
//
// Contract: every account it hands out is locked by `tx` (prefetched with
// LockOrCreateMany, or locked by the store on first use) and its copy here
// is the authoritative one until the transaction ends. Reads it answers
// itself: Find and LockOrCreate (held accounts), FindOrderEarning (prefetched
// orders and unsent earnings), QualifyingPointsSince (prefetched customers at
// the prefetched `since`, plus unsent entries), DuplicatesOf (prefetched
// customers). Any other read first sends the held writes (Flush), then asks
// the store, so it sees everything this transaction wrote; other writes are
// sent through after a Flush, in order. Used by one thread, for one
// transaction.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "services/loyalty/account_repository.h"

namespace crm::loyalty {

class BufferedAccountRepository final : public AccountRepository {
 public:
  // `store` must outlive this object.
  explicit BufferedAccountRepository(AccountRepository& store)
      : store_(store) {}

  // Locks (creating where missing, at `now`) the accounts of `customer_ids`
  // and reads, for them, their merged duplicates and their qualifying points
  // since `since`, and the recorded earnings of `orders` ((customer id, order
  // name) pairs).
  absl::Status Prefetch(
      crm::common::Transaction& tx,
      const std::vector<std::string>& customer_ids,
      const std::vector<std::pair<std::string, std::string>>& orders,
      absl::Time since, absl::Time now);

  // Sends every held write to the store: new entries, lots, order earnings,
  // then the changed accounts. Must run before `tx` commits.
  absl::Status Flush(crm::common::Transaction& tx);

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

 private:
  using OrderKey = std::pair<std::string, std::string>;

  AccountRepository& store_;
  // Accounts locked by the transaction; these copies are authoritative.
  std::map<std::string, AccountRecord, std::less<>> accounts_;
  std::set<std::string> dirty_;  // Held accounts changed since the last Flush.
  std::vector<LedgerEntryRecord> entries_;
  std::set<OrderKey> entry_keys_;  // (customer id, idempotency key) held.
  std::vector<LotRecord> lots_;
  std::map<OrderKey, OrderEarningRecord> earnings_;  // Unsent.
  // Prefetched earnings: nullopt = known to have none.
  std::map<OrderKey, std::optional<OrderEarningRecord>> known_earnings_;
  std::map<std::string, std::vector<std::string>, std::less<>> duplicates_;
  // Qualifying points since `since_` as stored (prefetched), and what the
  // entries sent or held since then add.
  std::optional<absl::Time> since_;
  std::map<std::string, int64_t, std::less<>> qualifying_;
};

}  // namespace crm::loyalty

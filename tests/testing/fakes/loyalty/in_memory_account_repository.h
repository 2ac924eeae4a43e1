// An in-memory AccountRepository (services/loyalty/account_repository.h) for
// unit tests of the loyalty managers; rolled back with the FakeUnitOfWork it
// enlists in, so a refused movement leaves no account, entry or lot.
//
//   crm::testing::FakeUnitOfWork unit_of_work;
//   crm::testing::InMemoryAccountRepository accounts(&unit_of_work);
//   AccountManager manager(unit_of_work, accounts, programs, keys, clock, ids);
//   ... manager.AdjustPoints(...) ...
//   EXPECT_EQ(accounts.Entries("c1").size(), 1);
//
// Follows the interface's contracts (ALREADY_EXISTS for a repeated
// idempotency key or lot, NOT_FOUND for updating a missing account or lot,
// filters through the in-memory predicate). Locks need no modelling:
// FakeUnitOfWork runs one unit of work at a time.
#pragma once

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/filter/filter_predicate.h"
#include "services/loyalty/account_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryAccountRepository final : public crm::loyalty::AccountRepository {
 public:
  using AccountRecord = crm::loyalty::AccountRecord;
  using LedgerEntryRecord = crm::loyalty::LedgerEntryRecord;
  using LotRecord = crm::loyalty::LotRecord;
  using OrderEarningRecord = crm::loyalty::OrderEarningRecord;

  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  explicit InMemoryAccountRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        State saved = state_;
        return [this, saved] { state_ = saved; };
      });
    }
  }

  absl::StatusOr<std::optional<AccountRecord>> Find(
      crm::common::Transaction& /*tx*/,
      absl::string_view customer_id) override {
    return Account(std::string(customer_id));
  }

  absl::StatusOr<AccountRecord> LockOrCreate(crm::common::Transaction& /*tx*/,
                                             absl::string_view customer_id,
                                             absl::Time now) override {
    auto [it, created] = state_.accounts.try_emplace(std::string(customer_id));
    if (created) {
      it->second.customer_id = std::string(customer_id);
      it->second.create_time = now;
      it->second.update_time = now;
    }
    return it->second;
  }

  absl::Status AppendEntry(crm::common::Transaction& /*tx*/,
                           const LedgerEntryRecord& entry) override {
    std::vector<LedgerEntryRecord>& ledger = state_.ledgers[entry.customer_id];
    for (const LedgerEntryRecord& existing : ledger) {
      if (existing.idempotency_key == entry.idempotency_key ||
          existing.id == entry.id) {
        return absl::AlreadyExistsError("ledger entry exists");
      }
    }
    ledger.push_back(entry);
    return absl::OkStatus();
  }

  absl::Status Update(crm::common::Transaction& /*tx*/,
                      const AccountRecord& account) override {
    auto it = state_.accounts.find(account.customer_id);
    if (it == state_.accounts.end()) {
      return absl::NotFoundError("no account to update");
    }
    const absl::Time create_time = it->second.create_time;
    it->second = account;
    it->second.create_time = create_time;
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<LedgerEntryRecord>> FindEntry(
      crm::common::Transaction& /*tx*/, absl::string_view customer_id,
      absl::string_view entry_id) override {
    for (const LedgerEntryRecord& entry : Entries(std::string(customer_id))) {
      if (entry.id == entry_id) return entry;
    }
    return std::nullopt;
  }

  absl::StatusOr<std::optional<LedgerEntryRecord>> FindEntryBySource(
      crm::common::Transaction& /*tx*/, absl::string_view customer_id,
      absl::string_view source) override {
    for (const LedgerEntryRecord& entry : Entries(std::string(customer_id))) {
      if (entry.idempotency_key == source) return entry;
    }
    return std::nullopt;
  }

  absl::StatusOr<std::vector<LedgerEntryRecord>> ListEntries(
      crm::common::Transaction& /*tx*/, absl::string_view customer_id,
      const crm::loyalty::LedgerQuery& query) override {
    std::vector<LedgerEntryRecord> entries = Entries(std::string(customer_id));
    std::sort(entries.begin(), entries.end(),
              [](const LedgerEntryRecord& a, const LedgerEntryRecord& b) {
                return a.sequence > b.sequence;
              });
    std::vector<LedgerEntryRecord> page;
    for (const LedgerEntryRecord& entry : entries) {
      if (query.before_sequence && entry.sequence >= *query.before_sequence) {
        continue;
      }
      crm::common::filter::MapFilterRecord view(
          {{"type", {crm::loyalty::v1::LedgerEntry::Type_Name(entry.type)}},
           {"create_time", {entry.create_time}},
           {"sequence", {entry.sequence}}});
      if (!crm::common::filter::Matches(query.filter, view)) continue;
      if (static_cast<int>(page.size()) >= query.limit) break;
      page.push_back(entry);
    }
    return page;
  }

  absl::StatusOr<std::vector<LedgerEntryRecord>> AllEntries(
      crm::common::Transaction& /*tx*/,
      absl::string_view customer_id) override {
    std::vector<LedgerEntryRecord> entries = Entries(std::string(customer_id));
    std::sort(entries.begin(), entries.end(),
              [](const LedgerEntryRecord& a, const LedgerEntryRecord& b) {
                return a.sequence < b.sequence;
              });
    return entries;
  }

  absl::StatusOr<int64_t> QualifyingPointsSince(
      crm::common::Transaction& /*tx*/, absl::string_view customer_id,
      absl::Time since) override {
    int64_t sum = 0;
    for (const LedgerEntryRecord& entry : Entries(std::string(customer_id))) {
      if (entry.create_time >= since) sum += entry.qualifying_delta;
    }
    return sum;
  }

  absl::StatusOr<std::map<std::string, int64_t>> QualifyingPointsByCustomer(
      crm::common::Transaction& tx,
      const std::vector<std::string>& customer_ids, absl::Time since) override {
    std::map<std::string, int64_t> sums;
    for (const std::string& customer_id : customer_ids) {
      bool any = false;
      for (const LedgerEntryRecord& entry : Entries(customer_id)) {
        if (entry.create_time >= since) any = true;
      }
      if (!any) continue;
      absl::StatusOr<int64_t> sum =
          QualifyingPointsSince(tx, customer_id, since);
      if (!sum.ok()) return sum.status();
      sums[customer_id] = *sum;
    }
    return sums;
  }

  absl::StatusOr<std::vector<AccountRecord>> ListAccounts(
      crm::common::Transaction& /*tx*/, absl::string_view after,
      int limit) override {
    std::vector<AccountRecord> page;
    for (auto it = state_.accounts.upper_bound(std::string(after));
         it != state_.accounts.end() && static_cast<int>(page.size()) < limit;
         ++it) {
      page.push_back(it->second);
    }
    return page;
  }

  absl::Status InsertLot(crm::common::Transaction& /*tx*/,
                         const LotRecord& lot) override {
    auto key = std::make_pair(lot.customer_id, lot.id);
    if (!state_.lots.emplace(key, lot).second) {
      return absl::AlreadyExistsError("lot exists");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<LotRecord>> OpenLots(
      crm::common::Transaction& /*tx*/,
      absl::string_view customer_id) override {
    std::vector<LotRecord> open;
    for (const LotRecord& lot : Lots(std::string(customer_id))) {
      if (lot.remaining_points > 0) open.push_back(lot);
    }
    return open;
  }

  absl::Status SetLotRemaining(crm::common::Transaction& /*tx*/,
                               absl::string_view customer_id,
                               absl::string_view lot_id,
                               int64_t remaining_points) override {
    auto it = state_.lots.find(
        std::make_pair(std::string(customer_id), std::string(lot_id)));
    if (it == state_.lots.end()) return absl::NotFoundError("no such lot");
    it->second.remaining_points = remaining_points;
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> LotsRemainingSum(
      crm::common::Transaction& /*tx*/,
      absl::string_view customer_id) override {
    int64_t sum = 0;
    for (const LotRecord& lot : Lots(std::string(customer_id))) {
      sum += lot.remaining_points;
    }
    return sum;
  }

  absl::StatusOr<std::vector<std::string>> CustomersWithExpiredLots(
      crm::common::Transaction& /*tx*/, absl::Time now, int limit) override {
    std::set<std::string> customers;
    for (const auto& [key, lot] : state_.lots) {
      if (lot.remaining_points > 0 && lot.expire_time.has_value() &&
          *lot.expire_time <= now) {
        customers.insert(lot.customer_id);
      }
    }
    std::vector<std::string> result(customers.begin(), customers.end());
    if (static_cast<int>(result.size()) > limit) result.resize(limit);
    return result;
  }

  absl::StatusOr<std::optional<OrderEarningRecord>> FindOrderEarning(
      crm::common::Transaction& /*tx*/, absl::string_view customer_id,
      absl::string_view order_name) override {
    auto it = state_.earnings.find(
        std::make_pair(std::string(customer_id), std::string(order_name)));
    if (it == state_.earnings.end()) return std::nullopt;
    return it->second;
  }

  absl::Status SaveOrderEarning(crm::common::Transaction& /*tx*/,
                                const OrderEarningRecord& earning) override {
    state_.earnings[std::make_pair(earning.customer_id, earning.order_name)] =
        earning;
    return absl::OkStatus();
  }

  absl::StatusOr<std::map<std::string, std::vector<std::string>>> DuplicatesOf(
      crm::common::Transaction& /*tx*/,
      const std::vector<std::string>& survivor_ids) override {
    std::map<std::string, std::vector<std::string>> duplicates;
    for (const std::string& survivor : survivor_ids) {
      for (const auto& [id, account] : state_.accounts) {
        if (account.merged_into == survivor) {
          duplicates[survivor].push_back(id);
        }
      }
    }
    return duplicates;
  }

  absl::StatusOr<std::vector<LotRecord>> AllLots(
      crm::common::Transaction& /*tx*/,
      absl::string_view customer_id) override {
    return Lots(std::string(customer_id));
  }

  absl::Status MoveOrderEarnings(crm::common::Transaction& /*tx*/,
                                 absl::string_view from_customer_id,
                                 absl::string_view to_customer_id) override {
    decltype(state_.earnings) kept;
    for (auto& [key, earning] : state_.earnings) {
      if (earning.customer_id == from_customer_id) {
        earning.customer_id = std::string(to_customer_id);
      }
      kept[std::make_pair(earning.customer_id, earning.order_name)] = earning;
    }
    state_.earnings = std::move(kept);
    return absl::OkStatus();
  }

  absl::Status ReKeyErasedAccount(crm::common::Transaction& /*tx*/,
                                  absl::string_view customer_id,
                                  absl::string_view tombstone_id,
                                  absl::string_view merged_into,
                                  absl::string_view erased_reason) override {
    const std::string from(customer_id);
    const std::string to(tombstone_id);
    auto account = state_.accounts.find(from);
    if (account == state_.accounts.end()) {
      return absl::NotFoundError("no account to erase");
    }
    AccountRecord record = account->second;
    state_.accounts.erase(account);
    record.customer_id = to;
    record.merged_into = std::string(merged_into);
    state_.accounts[to] = record;

    std::vector<LedgerEntryRecord> ledger = Entries(from);
    state_.ledgers.erase(from);
    for (LedgerEntryRecord& entry : ledger) {
      entry.customer_id = to;
      entry.reason = std::string(erased_reason);
      entry.idempotency_key = "erased:" + entry.id;
    }
    state_.ledgers[to] = std::move(ledger);

    decltype(state_.lots) lots;
    for (auto& [key, lot] : state_.lots) {
      if (lot.customer_id == from) lot.customer_id = to;
      lots[std::make_pair(lot.customer_id, lot.id)] = lot;
    }
    state_.lots = std::move(lots);

    for (auto it = state_.earnings.begin(); it != state_.earnings.end();) {
      it = it->second.customer_id == from ? state_.earnings.erase(it)
                                          : std::next(it);
    }
    return absl::OkStatus();
  }

  // --- Test access (between units of work) ---

  // Every customer id held in any record (accounts, entries, lots, order
  // earnings), to check that an erased one is gone.
  std::set<std::string> CustomerIds() const {
    std::set<std::string> ids;
    for (const auto& [id, account] : state_.accounts) {
      ids.insert(id);
      if (!account.merged_into.empty()) ids.insert(account.merged_into);
    }
    for (const auto& [id, ledger] : state_.ledgers) {
      for (const LedgerEntryRecord& entry : ledger) {
        ids.insert(entry.customer_id);
      }
    }
    for (const auto& [key, lot] : state_.lots) ids.insert(lot.customer_id);
    for (const auto& [key, earning] : state_.earnings) {
      ids.insert(earning.customer_id);
    }
    return ids;
  }
  // Every ledger entry of every account (to look for text left behind).
  std::vector<LedgerEntryRecord> AllLedgers() const {
    std::vector<LedgerEntryRecord> all;
    for (const auto& [id, ledger] : state_.ledgers) {
      all.insert(all.end(), ledger.begin(), ledger.end());
    }
    return all;
  }
  // The recorded order earnings of `customer_id`.
  std::vector<OrderEarningRecord> Earnings(
      const std::string& customer_id) const {
    std::vector<OrderEarningRecord> earnings;
    for (const auto& [key, earning] : state_.earnings) {
      if (earning.customer_id == customer_id) earnings.push_back(earning);
    }
    return earnings;
  }

  // The committed account of `customer_id`, if any.
  std::optional<AccountRecord> Account(const std::string& customer_id) const {
    auto it = state_.accounts.find(customer_id);
    if (it == state_.accounts.end()) return std::nullopt;
    return it->second;
  }
  // The committed ledger of `customer_id`, in order of appending.
  std::vector<LedgerEntryRecord> Entries(const std::string& customer_id) const {
    auto it = state_.ledgers.find(customer_id);
    if (it == state_.ledgers.end()) return {};
    return it->second;
  }
  // The lots of `customer_id`, oldest first (earn_time, id).
  std::vector<LotRecord> Lots(const std::string& customer_id) const {
    std::vector<LotRecord> lots;
    for (const auto& [key, lot] : state_.lots) {
      if (lot.customer_id == customer_id) lots.push_back(lot);
    }
    std::sort(
        lots.begin(), lots.end(), [](const LotRecord& a, const LotRecord& b) {
          return std::tie(a.earn_time, a.id) < std::tie(b.earn_time, b.id);
        });
    return lots;
  }
  // Stores `account` as if it had been committed earlier.
  void Put(AccountRecord account) {
    std::string customer_id = account.customer_id;
    state_.accounts[customer_id] = std::move(account);
  }
  // Appends `entry` as if committed earlier, without touching the balance
  // (for example an entry whose stored idempotent response has expired).
  void PutEntry(LedgerEntryRecord entry) {
    state_.ledgers[entry.customer_id].push_back(std::move(entry));
  }

 private:
  struct State {
    std::map<std::string, AccountRecord> accounts;
    std::map<std::string, std::vector<LedgerEntryRecord>> ledgers;
    std::map<std::pair<std::string, std::string>, LotRecord> lots;
    std::map<std::pair<std::string, std::string>, OrderEarningRecord> earnings;
  };
  State state_;
};

}  // namespace crm::testing

// An in-memory AccountRepository (services/loyalty/account_repository.h) for
// unit tests of the account manager; rolled back with the FakeUnitOfWork it
// enlists in, so a refused adjustment leaves no account and no entry.
//
//   crm::testing::FakeUnitOfWork unit_of_work;
//   crm::testing::InMemoryAccountRepository accounts(&unit_of_work);
//   AccountManager manager(unit_of_work, accounts, keys, clock, ids);
//   ... manager.AdjustPoints(...) ...
//   EXPECT_EQ(accounts.Entries("c1").size(), 1);
//
// Follows the interface's contracts (ALREADY_EXISTS for a repeated
// idempotency key, NOT_FOUND for updating a missing account). Locks need no
// modelling: FakeUnitOfWork runs one unit of work at a time.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/loyalty/account_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryAccountRepository final : public crm::loyalty::AccountRepository {
 public:
  using AccountRecord = crm::loyalty::AccountRecord;
  using LedgerEntryRecord = crm::loyalty::LedgerEntryRecord;

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
    auto it = state_.accounts.find(std::string(customer_id));
    if (it == state_.accounts.end()) return std::nullopt;
    return it->second;
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
    it->second.points_balance = account.points_balance;
    it->second.update_time = account.update_time;
    it->second.version = account.version;
    return absl::OkStatus();
  }

  // --- Test access (between units of work) ---

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
  };
  State state_;
};

}  // namespace crm::testing

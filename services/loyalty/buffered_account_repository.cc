#include "services/loyalty/buffered_account_repository.h"

#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"

namespace crm::loyalty {

using ::crm::common::Transaction;

absl::Status BufferedAccountRepository::Prefetch(
    Transaction& tx, const std::vector<std::string>& customer_ids,
    const std::vector<std::pair<std::string, std::string>>& orders,
    absl::Time since, absl::Time now) {
  CRM_RETURN_IF_ERROR(Flush(tx));
  using Accounts = std::map<std::string, AccountRecord>;
  CRM_ASSIGN_OR_RETURN(Accounts locked,
                       store_.LockOrCreateMany(tx, customer_ids, now));
  for (auto& [id, account] : locked) {
    accounts_.insert_or_assign(id, std::move(account));
  }
  using Duplicates = std::map<std::string, std::vector<std::string>>;
  CRM_ASSIGN_OR_RETURN(Duplicates duplicates,
                       store_.DuplicatesOf(tx, customer_ids));
  for (const std::string& id : customer_ids) {
    auto found = duplicates.find(id);
    duplicates_[id] =
        found == duplicates.end() ? std::vector<std::string>() : found->second;
  }
  using Sums = std::map<std::string, int64_t>;
  CRM_ASSIGN_OR_RETURN(
      Sums sums, store_.QualifyingPointsByCustomer(tx, customer_ids, since));
  since_ = since;
  qualifying_.clear();
  for (const std::string& id : customer_ids) {
    auto found = sums.find(id);
    qualifying_[id] = found == sums.end() ? 0 : found->second;
  }
  using Earnings = std::map<OrderKey, OrderEarningRecord>;
  CRM_ASSIGN_OR_RETURN(Earnings earnings, store_.FindOrderEarnings(tx, orders));
  for (const OrderKey& order : orders) {
    auto found = earnings.find(order);
    if (found == earnings.end()) {
      known_earnings_[order] = std::nullopt;
    } else {
      known_earnings_[order] = found->second;
    }
  }
  return absl::OkStatus();
}

absl::Status BufferedAccountRepository::Flush(Transaction& tx) {
  if (!entries_.empty()) {
    CRM_RETURN_IF_ERROR(store_.AppendEntries(tx, entries_));
    entries_.clear();
    entry_keys_.clear();
  }
  if (!lots_.empty()) {
    CRM_RETURN_IF_ERROR(store_.InsertLots(tx, lots_));
    lots_.clear();
  }
  if (!earnings_.empty()) {
    std::vector<OrderEarningRecord> earnings;
    earnings.reserve(earnings_.size());
    for (auto& [key, earning] : earnings_) {
      known_earnings_[key] = earning;
      earnings.push_back(std::move(earning));
    }
    earnings_.clear();
    CRM_RETURN_IF_ERROR(store_.SaveOrderEarnings(tx, earnings));
  }
  if (!dirty_.empty()) {
    std::vector<AccountRecord> changed;
    changed.reserve(dirty_.size());
    for (const std::string& id : dirty_) changed.push_back(accounts_.at(id));
    dirty_.clear();
    CRM_RETURN_IF_ERROR(store_.UpdateMany(tx, changed));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<AccountRecord>> BufferedAccountRepository::Find(
    Transaction& tx, absl::string_view customer_id) {
  auto held = accounts_.find(customer_id);
  if (held != accounts_.end()) return held->second;
  // An account not held has no held writes.
  return store_.Find(tx, customer_id);
}

absl::StatusOr<AccountRecord> BufferedAccountRepository::LockOrCreate(
    Transaction& tx, absl::string_view customer_id, absl::Time now) {
  auto held = accounts_.find(customer_id);
  if (held != accounts_.end()) return held->second;
  CRM_ASSIGN_OR_RETURN(AccountRecord account,
                       store_.LockOrCreate(tx, customer_id, now));
  accounts_.emplace(std::string(customer_id), account);
  return account;
}

absl::Status BufferedAccountRepository::AppendEntry(
    Transaction& tx, const LedgerEntryRecord& entry) {
  if (accounts_.find(entry.customer_id) == accounts_.end()) {
    CRM_RETURN_IF_ERROR(Flush(tx));
    return store_.AppendEntry(tx, entry);
  }
  if (!entry_keys_.emplace(entry.customer_id, entry.idempotency_key).second) {
    return absl::AlreadyExistsError(
        "the ledger already holds an entry with this idempotency key");
  }
  if (since_.has_value() && entry.create_time >= *since_) {
    auto sum = qualifying_.find(entry.customer_id);
    if (sum != qualifying_.end()) sum->second += entry.qualifying_delta;
  }
  entries_.push_back(entry);
  return absl::OkStatus();
}

absl::Status BufferedAccountRepository::Update(Transaction& tx,
                                               const AccountRecord& account) {
  auto held = accounts_.find(account.customer_id);
  if (held == accounts_.end()) {
    CRM_RETURN_IF_ERROR(Flush(tx));
    return store_.Update(tx, account);
  }
  const absl::Time create_time = held->second.create_time;  // Kept.
  held->second = account;
  held->second.create_time = create_time;
  dirty_.insert(account.customer_id);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<LedgerEntryRecord>>
BufferedAccountRepository::FindEntry(Transaction& tx,
                                     absl::string_view customer_id,
                                     absl::string_view entry_id) {
  CRM_RETURN_IF_ERROR(Flush(tx));
  return store_.FindEntry(tx, customer_id, entry_id);
}

absl::StatusOr<std::optional<LedgerEntryRecord>>
BufferedAccountRepository::FindEntryBySource(Transaction& tx,
                                             absl::string_view customer_id,
                                             absl::string_view source) {
  CRM_RETURN_IF_ERROR(Flush(tx));
  return store_.FindEntryBySource(tx, customer_id, source);
}

absl::StatusOr<std::vector<LedgerEntryRecord>>
BufferedAccountRepository::ListEntries(Transaction& tx,
                                       absl::string_view customer_id,
                                       const LedgerQuery& query) {
  CRM_RETURN_IF_ERROR(Flush(tx));
  return store_.ListEntries(tx, customer_id, query);
}

absl::StatusOr<std::vector<LedgerEntryRecord>>
BufferedAccountRepository::AllEntries(Transaction& tx,
                                      absl::string_view customer_id) {
  CRM_RETURN_IF_ERROR(Flush(tx));
  return store_.AllEntries(tx, customer_id);
}

absl::StatusOr<int64_t> BufferedAccountRepository::QualifyingPointsSince(
    Transaction& tx, absl::string_view customer_id, absl::Time since) {
  if (since_.has_value() && since == *since_) {
    auto sum = qualifying_.find(customer_id);
    if (sum != qualifying_.end()) return sum->second;
  }
  CRM_RETURN_IF_ERROR(Flush(tx));
  return store_.QualifyingPointsSince(tx, customer_id, since);
}

absl::StatusOr<std::map<std::string, int64_t>>
BufferedAccountRepository::QualifyingPointsByCustomer(
    Transaction& tx, const std::vector<std::string>& customer_ids,
    absl::Time since) {
  CRM_RETURN_IF_ERROR(Flush(tx));
  return store_.QualifyingPointsByCustomer(tx, customer_ids, since);
}

absl::StatusOr<std::vector<AccountRecord>>
BufferedAccountRepository::ListAccounts(Transaction& tx,
                                        absl::string_view after, int limit) {
  CRM_RETURN_IF_ERROR(Flush(tx));
  return store_.ListAccounts(tx, after, limit);
}

absl::Status BufferedAccountRepository::InsertLot(Transaction& tx,
                                                  const LotRecord& lot) {
  if (accounts_.find(lot.customer_id) == accounts_.end()) {
    CRM_RETURN_IF_ERROR(Flush(tx));
    return store_.InsertLot(tx, lot);
  }
  lots_.push_back(lot);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<LotRecord>> BufferedAccountRepository::OpenLots(
    Transaction& tx, absl::string_view customer_id) {
  CRM_RETURN_IF_ERROR(Flush(tx));
  return store_.OpenLots(tx, customer_id);
}

absl::Status BufferedAccountRepository::SetLotRemaining(
    Transaction& tx, absl::string_view customer_id, absl::string_view lot_id,
    int64_t remaining_points) {
  CRM_RETURN_IF_ERROR(Flush(tx));
  return store_.SetLotRemaining(tx, customer_id, lot_id, remaining_points);
}

absl::StatusOr<int64_t> BufferedAccountRepository::LotsRemainingSum(
    Transaction& tx, absl::string_view customer_id) {
  CRM_RETURN_IF_ERROR(Flush(tx));
  return store_.LotsRemainingSum(tx, customer_id);
}

absl::StatusOr<std::vector<std::string>>
BufferedAccountRepository::CustomersWithExpiredLots(Transaction& tx,
                                                    absl::Time now, int limit) {
  CRM_RETURN_IF_ERROR(Flush(tx));
  return store_.CustomersWithExpiredLots(tx, now, limit);
}

absl::StatusOr<std::optional<OrderEarningRecord>>
BufferedAccountRepository::FindOrderEarning(Transaction& tx,
                                            absl::string_view customer_id,
                                            absl::string_view order_name) {
  const OrderKey key(customer_id, order_name);
  auto held = earnings_.find(key);
  if (held != earnings_.end()) return held->second;
  auto known = known_earnings_.find(key);
  if (known != known_earnings_.end()) return known->second;
  // Not prefetched and not written here: the store has the answer.
  return store_.FindOrderEarning(tx, customer_id, order_name);
}

absl::Status BufferedAccountRepository::SaveOrderEarning(
    Transaction& tx, const OrderEarningRecord& earning) {
  if (accounts_.find(earning.customer_id) == accounts_.end()) {
    CRM_RETURN_IF_ERROR(Flush(tx));
    known_earnings_.erase({earning.customer_id, earning.order_name});
    return store_.SaveOrderEarning(tx, earning);
  }
  earnings_.insert_or_assign({earning.customer_id, earning.order_name},
                             earning);
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, std::vector<std::string>>>
BufferedAccountRepository::DuplicatesOf(
    Transaction& tx, const std::vector<std::string>& survivor_ids) {
  std::map<std::string, std::vector<std::string>> known;
  bool all_known = true;
  for (const std::string& id : survivor_ids) {
    auto found = duplicates_.find(id);
    if (found == duplicates_.end()) {
      all_known = false;
      break;
    }
    if (!found->second.empty()) known[id] = found->second;
  }
  if (all_known) return known;
  CRM_RETURN_IF_ERROR(Flush(tx));
  return store_.DuplicatesOf(tx, survivor_ids);
}

absl::StatusOr<std::vector<LotRecord>> BufferedAccountRepository::AllLots(
    Transaction& tx, absl::string_view customer_id) {
  CRM_RETURN_IF_ERROR(Flush(tx));
  return store_.AllLots(tx, customer_id);
}

absl::Status BufferedAccountRepository::MoveOrderEarnings(
    Transaction& tx, absl::string_view from_customer_id,
    absl::string_view to_customer_id) {
  CRM_RETURN_IF_ERROR(Flush(tx));
  CRM_RETURN_IF_ERROR(
      store_.MoveOrderEarnings(tx, from_customer_id, to_customer_id));
  known_earnings_.clear();  // Owners changed under the prefetched answers.
  return absl::OkStatus();
}

absl::Status BufferedAccountRepository::ReKeyErasedAccount(
    Transaction& tx, absl::string_view customer_id,
    absl::string_view tombstone_id, absl::string_view merged_into,
    absl::string_view erased_reason) {
  CRM_RETURN_IF_ERROR(Flush(tx));
  CRM_RETURN_IF_ERROR(store_.ReKeyErasedAccount(tx, customer_id, tombstone_id,
                                                merged_into, erased_reason));
  // The rows moved under every answer held here: ask the store from now on.
  accounts_.clear();
  known_earnings_.clear();
  duplicates_.clear();
  qualifying_.clear();
  since_.reset();
  return absl::OkStatus();
}

}  // namespace crm::loyalty

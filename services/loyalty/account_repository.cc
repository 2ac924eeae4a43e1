#include "services/loyalty/account_repository.h"

#include "services/common/status_macros.h"

namespace crm::loyalty {

using ::crm::common::Transaction;

absl::StatusOr<std::map<std::string, AccountRecord>>
AccountRepository::LockOrCreateMany(
    Transaction& tx, const std::vector<std::string>& customer_ids,
    absl::Time now) {
  std::map<std::string, AccountRecord> accounts;
  for (const std::string& id : customer_ids)
    accounts.emplace(id, AccountRecord());
  for (auto& [id, account] : accounts) {
    CRM_ASSIGN_OR_RETURN(account, LockOrCreate(tx, id, now));
  }
  return accounts;
}

absl::StatusOr<
    std::map<std::pair<std::string, std::string>, OrderEarningRecord>>
AccountRepository::FindOrderEarnings(
    Transaction& tx,
    const std::vector<std::pair<std::string, std::string>>& orders) {
  std::map<std::pair<std::string, std::string>, OrderEarningRecord> found;
  for (const auto& [customer_id, order_name] : orders) {
    CRM_ASSIGN_OR_RETURN(std::optional<OrderEarningRecord> earning,
                         FindOrderEarning(tx, customer_id, order_name));
    if (earning.has_value()) {
      found.emplace(std::make_pair(customer_id, order_name), *earning);
    }
  }
  return found;
}

absl::Status AccountRepository::AppendEntries(
    Transaction& tx, const std::vector<LedgerEntryRecord>& entries) {
  for (const LedgerEntryRecord& entry : entries) {
    CRM_RETURN_IF_ERROR(AppendEntry(tx, entry));
  }
  return absl::OkStatus();
}

absl::Status AccountRepository::InsertLots(Transaction& tx,
                                           const std::vector<LotRecord>& lots) {
  for (const LotRecord& lot : lots) CRM_RETURN_IF_ERROR(InsertLot(tx, lot));
  return absl::OkStatus();
}

absl::Status AccountRepository::SaveOrderEarnings(
    Transaction& tx, const std::vector<OrderEarningRecord>& earnings) {
  for (const OrderEarningRecord& earning : earnings) {
    CRM_RETURN_IF_ERROR(SaveOrderEarning(tx, earning));
  }
  return absl::OkStatus();
}

absl::Status AccountRepository::UpdateMany(
    Transaction& tx, const std::vector<AccountRecord>& accounts) {
  for (const AccountRecord& account : accounts) {
    CRM_RETURN_IF_ERROR(Update(tx, account));
  }
  return absl::OkStatus();
}

}  // namespace crm::loyalty

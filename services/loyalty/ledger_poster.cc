#include "services/loyalty/ledger_poster.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/status_macros.h"
#include "services/loyalty/account_rules.h"
#include "services/loyalty/ledger_rules.h"

namespace crm::loyalty {

using ::crm::common::Transaction;

absl::StatusOr<LedgerEntryRecord> LedgerPoster::Append(Transaction& tx,
                                                       AccountRecord& account,
                                                       const Posting& posting,
                                                       int64_t delta) {
  if (!account.merged_into.empty()) {
    return crm::common::StateConflictError(
        AccountName(account.customer_id),
        absl::StrCat("account: merged into ", AccountName(account.merged_into),
                     "; its points are there"));
  }
  CRM_ASSIGN_OR_RETURN(int64_t balance_after,
                       ApplyDelta(account.points_balance, delta));
  LedgerEntryRecord entry;
  entry.customer_id = account.customer_id;
  entry.id = ids_.NewId();
  entry.type = posting.type;
  entry.points_delta = delta;
  entry.balance_after = balance_after;
  entry.reason = posting.reason;
  entry.idempotency_key = posting.source;
  entry.create_time = posting.time;
  entry.sequence = account.version + 1;
  entry.qualifying_delta = posting.qualifying_delta;
  if (delta > 0) entry.expire_time = posting.expire_time;
  CRM_RETURN_IF_ERROR(accounts_.AppendEntry(tx, entry));

  AccountRecord updated = account;
  updated.points_balance = balance_after;
  updated.version = entry.sequence;
  updated.update_time = posting.time;
  CRM_RETURN_IF_ERROR(accounts_.Update(tx, updated));
  account = updated;
  return entry;
}

absl::StatusOr<LedgerEntryRecord> LedgerPoster::Credit(Transaction& tx,
                                                       AccountRecord& account,
                                                       const Posting& posting) {
  CRM_ASSIGN_OR_RETURN(LedgerEntryRecord entry,
                       Append(tx, account, posting, posting.points));
  LotRecord lot;
  lot.customer_id = account.customer_id;
  lot.id = entry.id;
  lot.points = posting.points;
  lot.remaining_points = posting.points;
  lot.earn_time = posting.lot_earn_time.value_or(posting.time);
  lot.expire_time = posting.expire_time;
  CRM_RETURN_IF_ERROR(accounts_.InsertLot(tx, lot));
  return entry;
}

absl::StatusOr<LedgerEntryRecord> LedgerPoster::Debit(Transaction& tx,
                                                      AccountRecord& account,
                                                      const Posting& posting,
                                                      absl::string_view field) {
  if (posting.points > account.points_balance) {
    return InsufficientPointsError(field, account.points_balance);
  }
  CRM_ASSIGN_OR_RETURN(std::vector<LotRecord> lots,
                       accounts_.OpenLots(tx, account.customer_id));
  const std::vector<LotDraw> draws = DrawOldestFirst(lots, posting.points);
  int64_t drawn = 0;
  for (const LotDraw& draw : draws) drawn += draw.points;
  if (drawn != posting.points) {
    return absl::InternalError("the account's lots do not hold its balance");
  }
  CRM_ASSIGN_OR_RETURN(LedgerEntryRecord entry,
                       Append(tx, account, posting, -posting.points));
  for (const LotDraw& draw : draws) {
    CRM_RETURN_IF_ERROR(accounts_.SetLotRemaining(
        tx, account.customer_id, draw.lot_id, draw.remaining_after));
  }
  return entry;
}

absl::StatusOr<std::optional<LedgerEntryRecord>> LedgerPoster::ExpireLot(
    Transaction& tx, AccountRecord& account, const LotRecord& lot,
    absl::Time now) {
  Posting posting;
  posting.type = v1::LedgerEntry::EXPIRE;
  posting.reason = "points expired";
  posting.source = absl::StrCat("expire:", lot.id);
  posting.time = now;
  return EmptyLot(tx, account, lot, posting);
}

absl::StatusOr<std::optional<LedgerEntryRecord>> LedgerPoster::EmptyLot(
    Transaction& tx, AccountRecord& account, const LotRecord& lot,
    const Posting& posting) {
  if (lot.remaining_points <= 0) return std::nullopt;
  CRM_ASSIGN_OR_RETURN(LedgerEntryRecord entry,
                       Append(tx, account, posting, -lot.remaining_points));
  CRM_RETURN_IF_ERROR(
      accounts_.SetLotRemaining(tx, account.customer_id, lot.id, 0));
  return entry;
}

}  // namespace crm::loyalty

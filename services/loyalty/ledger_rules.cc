#include "services/loyalty/ledger_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"

namespace crm::loyalty {

std::vector<LotDraw> DrawOldestFirst(const std::vector<LotRecord>& open_lots,
                                     int64_t points) {
  std::vector<LotDraw> draws;
  int64_t left = points;
  for (const LotRecord& lot : open_lots) {
    if (left <= 0) break;
    if (lot.remaining_points <= 0) continue;
    const int64_t take = std::min(left, lot.remaining_points);
    draws.push_back(LotDraw{lot.id, take, lot.remaining_points - take});
    left -= take;
  }
  return draws;
}

absl::Status InsufficientPointsError(absl::string_view field,
                                     int64_t available_points) {
  const std::string available = absl::StrCat(available_points);
  return crm::common::ErrorWithReason(
      absl::FailedPreconditionError(absl::StrCat(
          field, ": insufficient points; the balance does not cover it")),
      crm::type::v1::INSUFFICIENT_BALANCE,
      {{"field", field}, {"available_points", available}});
}

v1::LedgerVerification VerifyLedgerRecords(
    absl::string_view account_name, const std::optional<AccountRecord>& account,
    const std::vector<LedgerEntryRecord>& entries, int64_t lots_remaining_sum) {
  v1::LedgerVerification proof;
  proof.set_account(std::string(account_name));
  const int64_t balance = account.has_value() ? account->points_balance : 0;
  proof.set_points_balance(balance);
  proof.set_lots_remaining_sum(lots_remaining_sum);
  proof.set_entry_count(static_cast<int64_t>(entries.size()));
  int64_t running = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const LedgerEntryRecord& entry = entries[i];
    running += entry.points_delta;
    const int64_t expected_sequence = static_cast<int64_t>(i) + 1;
    if (entry.sequence != expected_sequence) {
      proof.add_findings(absl::StrCat("entry ", entry.id, " has sequence ",
                                      entry.sequence, ", expected ",
                                      expected_sequence));
    }
    if (entry.balance_after != running) {
      proof.add_findings(absl::StrCat("entry ", entry.id, " has balance_after ",
                                      entry.balance_after,
                                      ", the running sum is ", running));
    }
    if (running < 0) {
      proof.add_findings(
          absl::StrCat("the running sum is negative at entry ", entry.id));
    }
  }
  proof.set_entries_sum(running);
  if (balance != running) {
    proof.add_findings(absl::StrCat(
        "balance ", balance, " differs from the entries' sum ", running));
  }
  if (balance != lots_remaining_sum) {
    proof.add_findings(absl::StrCat("balance ", balance,
                                    " differs from the lots' remaining sum ",
                                    lots_remaining_sum));
  }
  const int64_t version = account.has_value() ? account->version : 0;
  if (version != static_cast<int64_t>(entries.size())) {
    proof.add_findings(absl::StrCat("account version ", version,
                                    " differs from the entry count ",
                                    entries.size()));
  }
  proof.set_consistent(proof.findings_size() == 0);
  return proof;
}

}  // namespace crm::loyalty

// The ledger's pure rules: spending lots oldest first, the error for a
// debit the balance does not cover, and checking that a ledger adds up.
//
//   std::vector<LotDraw> draws = DrawOldestFirst(open_lots, 120);
//   v1::LedgerVerification proof =
//       VerifyLedgerRecords(account, entries, lots_remaining_sum);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "crm/loyalty/v1/account.pb.h"
#include "services/loyalty/account_repository.h"

namespace crm::loyalty {

// Points taken from one lot.
struct LotDraw {
  std::string lot_id;
  int64_t points = 0;           // Taken, > 0.
  int64_t remaining_after = 0;  // The lot's remaining points afterwards.

  bool operator==(const LotDraw& other) const {
    return lot_id == other.lot_id && points == other.points &&
           remaining_after == other.remaining_after;
  }
};

// The draws that take `points` (> 0) from `open_lots` (already in
// oldest-first order) in that order, each lot emptied before the next is
// touched. If the lots hold fewer points, the draws take all they hold (the
// caller compares the total).
std::vector<LotDraw> DrawOldestFirst(const std::vector<LotRecord>& open_lots,
                                     int64_t points);

// FAILED_PRECONDITION with reason INSUFFICIENT_BALANCE, metadata `field` and
// `available_points` (the balance, as decimal text).
absl::Status InsufficientPointsError(absl::string_view field,
                                     int64_t available_points);

// The proof for `account_name` from what is stored: `account` (nullopt for
// an account never written), its entries in ascending sequence and the sum
// of its lots' remaining points. Consistent when the balance equals the
// entries' sum and the lots' sum, the sequences are 1..n and each
// balance_after is the running sum, and the account's version is n.
v1::LedgerVerification VerifyLedgerRecords(
    absl::string_view account_name, const std::optional<AccountRecord>& account,
    const std::vector<LedgerEntryRecord>& entries, int64_t lots_remaining_sum);

}  // namespace crm::loyalty

// The rules of points accounts, as pure functions (no database), following
// crm/loyalty/v1/*.proto.
//
//   CRM_ASSIGN_OR_RETURN(Adjustment adjustment, ValidateAdjustPoints(request));
//   ... lock the account, read its balance ...
//   CRM_ASSIGN_OR_RETURN(int64_t balance_after,
//                        ApplyDelta(balance, adjustment.points_delta));
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"

namespace crm::loyalty {

namespace v1 = ::crm::loyalty::v1;

inline constexpr char kAccountsCollection[] = "accounts";
// The collection of the customers accounts belong to (customer-profile).
inline constexpr char kCustomersCollection[] = "customers";
inline constexpr int64_t kMaxPointsDeltaMagnitude = 1'000'000'000;
inline constexpr size_t kMaxReasonLength = 500;

// A validated AdjustPoints request.
struct Adjustment {
  std::string customer_id;
  int64_t points_delta = 0;
  std::string reason;  // Trimmed.
  std::string request_id;
};

// Checks the formats and ranges of an AdjustPoints request whose REQUIRED
// fields (account, points_delta, reason, request_id: the annotations) were
// checked by the caller (CheckRequiredFields of
// services/common/field_behavior.h): `account` is `accounts/{customer}`,
// points_delta at most 1e9 in magnitude, reason at most 500 characters and
// not only whitespace (that counts as unset: FIELD_REQUIRED), request_id
// valid. Otherwise INVALID_ARGUMENT for the first offending field, with
// reason FIELD_INVALID (or FIELD_REQUIRED for a blank reason), naming the
// field.
absl::StatusOr<Adjustment> ValidateAdjustPoints(
    const v1::AdjustPointsRequest& request);

// A validated RedeemPoints request.
struct Redemption {
  std::string customer_id;
  int64_t points = 0;
  std::string reason;  // Trimmed.
  std::string request_id;
};

// As ValidateAdjustPoints for RedeemPoints: `account` is
// `accounts/{customer}`, points 1..1e9, reason, request_id.
absl::StatusOr<Redemption> ValidateRedeemPoints(
    const v1::RedeemPointsRequest& request);

// A validated ReverseRedemption request.
struct RedemptionReversal {
  std::string customer_id;
  std::string entry_id;
  std::string reason;  // Trimmed.
  std::string request_id;
};

// `name` is `accounts/{customer}/ledgerEntries/{entry}`, then reason and
// request_id as for AdjustPoints.
absl::StatusOr<RedemptionReversal> ValidateReverseRedemption(
    const v1::ReverseRedemptionRequest& request);

// A validated IssueCompensation request.
struct Compensation {
  std::string customer_id;
  int64_t points = 0;     // 0 when `reward_id` is set.
  std::string reward_id;  // A coupon instead of points; empty: points.
  std::string ticket;
  std::string reason;  // Trimmed.
  std::string request_id;
};

// `account` is `accounts/{customer}`, exactly one of points 1..1e9 and
// reward `rewards/{reward}`, ticket 1..100 printable ASCII characters, then
// reason and request_id as for AdjustPoints (request_id required).
absl::StatusOr<Compensation> ValidateIssueCompensation(
    const v1::IssueCompensationRequest& request);

// The balance after adding `delta` to `balance` (>= 0): the ledger rule that
// a balance never goes below zero. FAILED_PRECONDITION with reason
// INSUFFICIENT_BALANCE (field points_delta) if it would be negative;
// FAILED_PRECONDITION with reason RESOURCE_STATE_CONFLICT if it would not fit
// in 64 bits.
absl::StatusOr<int64_t> ApplyDelta(int64_t balance, int64_t delta);

// The customer id in an `accounts/{customer}` name; INVALID_ARGUMENT naming
// `field` with reason FIELD_INVALID otherwise (an empty name included: that
// it is set is checked from the annotations).
absl::StatusOr<std::string> ParseAccountName(absl::string_view name,
                                             absl::string_view field);

// `accounts/{customer_id}`.
std::string AccountName(absl::string_view customer_id);

// `customers/{customer_id}`: the customer-profile customer owning the
// account (Account.customer).
std::string CustomerName(absl::string_view customer_id);

// The (customer id, entry id) of `accounts/{customer}/ledgerEntries/{entry}`;
// INVALID_ARGUMENT (FIELD_INVALID) naming `field` otherwise.
absl::StatusOr<std::pair<std::string, std::string>> ParseLedgerEntryName(
    absl::string_view name, absl::string_view field);

// `accounts/{customer_id}/ledgerEntries/{entry_id}`.
std::string LedgerEntryName(absl::string_view customer_id,
                            absl::string_view entry_id);

// The ledger idempotency key of an adjustment: `adjust:{request_id}`.
std::string AdjustmentIdempotencyKey(absl::string_view request_id);
// `redeem:{request_id}`.
std::string RedemptionIdempotencyKey(absl::string_view request_id);
// `compensation:{ticket}`: one compensation per ticket and account.
std::string CompensationIdempotencyKey(absl::string_view ticket);
// `reverse:{entry_id}`: a redemption is given back at most once.
std::string ReversalIdempotencyKey(absl::string_view entry_id);

}  // namespace crm::loyalty

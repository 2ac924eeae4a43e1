// Loyalty's account logic over the storage seam (unit_of_work.h): reading
// accounts (a customer without entries has a zero balance), adjusting,
// redeeming and giving back points, statements (ListLedgerEntries) and the
// proof that a ledger adds up (VerifyLedger). Every movement goes through
// the LedgerPoster (ledger_poster.h), so balance, entries and lots always
// agree; mutations are idempotent on their request_id (RunIdempotent) and
// on their ledger source. No SQL and no gRPC here.
//
//   AccountManager manager(unit_of_work, accounts, programs, idempotency,
//                          clock, ids);
//   absl::StatusOr<v1::RedeemPointsResponse> redeemed =
//       manager.RedeemPoints(context, request);
//
// Thread-safe: every call runs in its own unit of work; movements of one
// account serialise on the account's lock (AccountRepository::LockOrCreate).
#pragma once

#include <functional>
#include <optional>

#include "absl/status/statusor.h"
#include "crm/loyalty/v1/account.pb.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/account_repository.h"
#include "services/loyalty/account_rules.h"
#include "services/loyalty/coupon_codes.h"
#include "services/loyalty/ledger_poster.h"
#include "services/loyalty/program_repository.h"
#include "services/loyalty/reward_repository.h"

namespace crm::loyalty {

class AccountManager {
 public:
  // Every argument must outlive the manager. `rewards` and `codes` give
  // compensations in coupons (null: a compensation with a reward is
  // FAILED_PRECONDITION).
  AccountManager(crm::common::UnitOfWork& unit_of_work,
                 AccountRepository& accounts, ProgramRepository& programs,
                 crm::common::IdempotencyRepository& idempotency,
                 const crm::common::Clock& clock,
                 const crm::common::IdGenerator& ids,
                 RewardRepository* rewards = nullptr,
                 const CouponCodeGenerator* codes = nullptr)
      : unit_of_work_(unit_of_work),
        accounts_(accounts),
        programs_(programs),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids),
        rewards_(rewards),
        codes_(codes),
        poster_(accounts, ids) {}
  AccountManager(const AccountManager&) = delete;
  AccountManager& operator=(const AccountManager&) = delete;

  // The account `request.name()` (`accounts/{customer}`), with its
  // qualifying points in the programme's window. A customer without ledger
  // entries has a zero balance, version 0 and no create time (never
  // NOT_FOUND). INVALID_ARGUMENT (FIELD_REQUIRED / FIELD_INVALID, field
  // `name`) for a malformed name.
  absl::StatusOr<v1::Account> GetAccount(
      const crm::common::RequestContext& context,
      const v1::GetAccountRequest& request);

  // Appends one ADJUST entry of `points_delta`: a credit forms a lot
  // expiring by the programme's policy, a debit spends lots oldest first.
  // The response holds the entry and the account after it. Errors, with
  // nothing written:
  // - INVALID_ARGUMENT naming the field for an invalid request
  //   (ValidateAdjustPoints; request_id is required);
  // - FAILED_PRECONDITION with reason INSUFFICIENT_BALANCE (metadata
  //   `available_points`) when the debit exceeds the balance;
  // - INVALID_ARGUMENT with reason REQUEST_ID_REUSED when the request id was
  //   used with a different request;
  // - ALREADY_EXISTS (RESOURCE_ALREADY_EXISTS) when the ledger already holds
  //   the request id but its stored response has expired.
  // A repeat of an identical request returns the first response.
  absl::StatusOr<v1::AdjustPointsResponse> AdjustPoints(
      const crm::common::RequestContext& context,
      const v1::AdjustPointsRequest& request);

  // Appends one REDEEM entry of -points, spending lots oldest first; errors
  // as AdjustPoints (the insufficient-points error names `points`).
  absl::StatusOr<v1::RedeemPointsResponse> RedeemPoints(
      const crm::common::RequestContext& context,
      const v1::RedeemPointsRequest& request);

  // Gives a redemption's points back: a REVERSE entry of +points forming a
  // new lot (expiring by the programme's policy from now), at most once per
  // redemption. NOT_FOUND (the entry's name) for an unknown entry;
  // FAILED_PRECONDITION (RESOURCE_STATE_CONFLICT) for an entry that is not a
  // REDEEM or was already given back by another request; request ids as
  // AdjustPoints.
  absl::StatusOr<v1::ReverseRedemptionResponse> ReverseRedemption(
      const crm::common::RequestContext& context,
      const v1::ReverseRedemptionRequest& request);

  // Credits a compensation: a BONUS entry (source `compensation:{ticket}`,
  // the reason kept) forming a lot expiring by the programme's policy, or,
  // with a `reward`, a coupon of it (one unit of stock, under the reward's
  // lock after the account's; keyed by the ticket, coupons.issue_key).
  // FAILED_PRECONDITION (RESOURCE_STATE_CONFLICT) when the ticket was already
  // compensated on this account by another request (in points or a coupon),
  // or, field `reward`, when the reward has no stock left or is no longer
  // available; NOT_FOUND for an unknown reward; request ids as AdjustPoints.
  absl::StatusOr<v1::IssueCompensationResponse> IssueCompensation(
      const crm::common::RequestContext& context,
      const v1::IssueCompensationRequest& request);

  // AdjustPoints for every row `next` yields (nullopt: end), each in its own
  // unit of work, with one result per row in order (the row's error as a
  // google.rpc.Status). Stops, returning the error, when the caller has
  // cancelled or the deadline passed (rows already applied stay applied),
  // and with INVALID_ARGUMENT (FIELD_INVALID, `requests`) beyond 10,000 rows.
  absl::StatusOr<v1::BulkAdjustPointsResponse> BulkAdjustPoints(
      const crm::common::RequestContext& context,
      const std::function<std::optional<v1::AdjustPointsRequest>()>& next);

  // A page of the account's entries, highest sequence first, matching the
  // filter (ledger_entry_filter.h; FILTER_INVALID otherwise). The page
  // token is bound to the account and the filter (PAGE_TOKEN_INVALID
  // otherwise); page_size 0 means 50, at most 1000.
  absl::StatusOr<v1::ListLedgerEntriesResponse> ListLedgerEntries(
      const crm::common::RequestContext& context,
      const v1::ListLedgerEntriesRequest& request);

  // The proof that the account's ledger adds up (ledger_rules.h
  // VerifyLedgerRecords), read in one transaction.
  absl::StatusOr<v1::LedgerVerification> VerifyLedger(
      const crm::common::RequestContext& context,
      const v1::VerifyLedgerRequest& request);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  AccountRepository& accounts_;
  ProgramRepository& programs_;
  crm::common::IdempotencyRepository& idempotency_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
  RewardRepository* const rewards_;
  const CouponCodeGenerator* const codes_;
  LedgerPoster poster_;

  // Whether `ticket` was compensated on `account` (points or coupon).
  absl::StatusOr<bool> TicketCompensated(crm::common::Transaction& tx,
                                         const AccountRecord& account,
                                         const std::string& ticket);
  // The coupon of a compensation with a reward, in `tx` (account locked).
  absl::StatusOr<v1::IssueCompensationResponse> CompensateWithCoupon(
      crm::common::Transaction& tx, AccountRecord& account,
      const Compensation& compensation, absl::Time now);
};

// The API form of a stored account (qualifying_points is set by callers
// that computed it).
v1::Account ToAccountProto(const AccountRecord& account);
// The API form of a stored ledger entry.
v1::LedgerEntry ToLedgerEntryProto(const LedgerEntryRecord& entry);

}  // namespace crm::loyalty

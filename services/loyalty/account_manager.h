// Loyalty's domain logic: points accounts and their ledger, over the storage
// seam (unit_of_work.h) and the account repository (account_repository.h).
// It validates requests (account_rules.h), applies the ledger rules (a
// balance is the sum of its entries and never goes below zero), makes entry
// ids and resource names, and makes AdjustPoints idempotent on its
// request_id. No SQL and no gRPC here.
//
//   AccountManager manager(unit_of_work, accounts, idempotency, clock, ids);
//   absl::StatusOr<v1::AdjustPointsResponse> adjusted =
//       manager.AdjustPoints(context, request);
//
// Thread-safe: every call runs in its own unit of work; concurrent
// adjustments of one account serialise on the account's lock.
#pragma once

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

namespace crm::loyalty {

class AccountManager {
 public:
  // Every argument must outlive the manager.
  AccountManager(crm::common::UnitOfWork& unit_of_work,
                 AccountRepository& accounts,
                 crm::common::IdempotencyRepository& idempotency,
                 const crm::common::Clock& clock,
                 const crm::common::IdGenerator& ids)
      : unit_of_work_(unit_of_work),
        accounts_(accounts),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids) {}
  AccountManager(const AccountManager&) = delete;
  AccountManager& operator=(const AccountManager&) = delete;

  // The account `request.name()` (`accounts/{customer}`). INVALID_ARGUMENT
  // (FIELD_REQUIRED / FIELD_INVALID, field `name`) for a malformed name;
  // NOT_FOUND (RESOURCE_NOT_FOUND, the account's name) until the customer's
  // first ledger entry.
  absl::StatusOr<v1::Account> GetAccount(
      const crm::common::RequestContext& context,
      const v1::GetAccountRequest& request);

  // Appends one ADJUST entry of `points_delta` to the account's ledger and
  // moves the balance by it, creating the account with its first entry; the
  // response holds the entry and the account after it. Errors, with nothing
  // written:
  // - INVALID_ARGUMENT naming the field for an invalid request
  //   (ValidateAdjustPoints; request_id is required);
  // - FAILED_PRECONDITION with reason INSUFFICIENT_BALANCE when the debit
  //   would take the balance below zero;
  // - INVALID_ARGUMENT with reason REQUEST_ID_REUSED when the request id was
  //   used with a different request;
  // - ALREADY_EXISTS (RESOURCE_ALREADY_EXISTS) when the ledger already holds
  //   the request id but its stored response has expired.
  // A repeat of an identical request returns the first response.
  absl::StatusOr<v1::AdjustPointsResponse> AdjustPoints(
      const crm::common::RequestContext& context,
      const v1::AdjustPointsRequest& request);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  AccountRepository& accounts_;
  crm::common::IdempotencyRepository& idempotency_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
};

// The API form of a stored account.
v1::Account ToAccountProto(const AccountRecord& account);
// The API form of a stored ledger entry.
v1::LedgerEntry ToLedgerEntryProto(const LedgerEntryRecord& entry);

}  // namespace crm::loyalty

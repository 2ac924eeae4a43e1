// Storage of points accounts and their append-only ledger, behind an
// interface so the service logic does not depend on MySQL. The only
// implementation is MySqlAccountRepository (mysql_account_repository.h).
//
//   CRM_ASSIGN_OR_RETURN(v1::AdjustPointsResponse response,
//                        repository.Adjust(adjustment, request));
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/loyalty/v1/account.pb.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "services/loyalty/account_rules.h"

namespace crm::loyalty {

class AccountRepository {
 public:
  AccountRepository(const AccountRepository&) = delete;
  AccountRepository& operator=(const AccountRepository&) = delete;
  virtual ~AccountRepository() = default;

  // The account of `customer_id`; NOT_FOUND naming `accounts/{customer_id}`
  // if it has no ledger entries yet.
  virtual absl::StatusOr<v1::Account> Get(absl::string_view customer_id) = 0;

  // Appends one ADJUST entry of `adjustment.points_delta` to the customer's
  // ledger and updates the balance, creating the account on its first entry,
  // all in one transaction with the account row locked, so that concurrent
  // adjustments serialise: the balance always equals the sum of the entries
  // and never goes below zero (FAILED_PRECONDITION "insufficient points",
  // nothing written). Returns the entry and the account after it.
  // Idempotent on `request` (whose request_id is `adjustment.request_id`): a
  // repeat of an identical request returns the first response and writes
  // nothing; the same request id with a different request is
  // INVALID_ARGUMENT naming request_id.
  virtual absl::StatusOr<v1::AdjustPointsResponse> Adjust(
      const Adjustment& adjustment, const v1::AdjustPointsRequest& request) = 0;

 protected:
  AccountRepository() = default;
};

}  // namespace crm::loyalty

// ExportAccountData: everything loyalty holds on one customer (the
// data-subject access request; the gateway gathers each service's part):
// the account with its ledger, lots, coupons, referral code and referrals
// (either side), then the same for every
// account merged into it (account_family.h), read in one transaction.
//
//   AccountExport exporter(unit_of_work, accounts, rewards, programs, clock);
//   absl::StatusOr<v1::AccountDataExport> data =
//       exporter.ExportAccountData(context, request);
#pragma once

#include "absl/status/statusor.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "services/common/clock.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/account_repository.h"
#include "services/loyalty/program_repository.h"
#include "services/loyalty/referral_repository.h"
#include "services/loyalty/reward_repository.h"

namespace crm::loyalty {

class AccountExport {
 public:
  // Every argument must outlive this object. `referrals` (null where no
  // referrals are kept) adds each member's referral code and referrals.
  AccountExport(crm::common::UnitOfWork& unit_of_work,
                AccountRepository& accounts, RewardRepository& rewards,
                ProgramRepository& programs, const crm::common::Clock& clock,
                ReferralRepository* referrals = nullptr)
      : unit_of_work_(unit_of_work),
        accounts_(accounts),
        rewards_(rewards),
        programs_(programs),
        clock_(clock),
        referrals_(referrals) {}
  AccountExport(const AccountExport&) = delete;
  AccountExport& operator=(const AccountExport&) = delete;

  // INVALID_ARGUMENT (FIELD_REQUIRED / FIELD_INVALID, field `name`) for a
  // malformed name. A customer without an account exports one account as
  // GetAccount shows it (zero balance) and nothing else.
  absl::StatusOr<v1::AccountDataExport> ExportAccountData(
      const crm::common::RequestContext& context,
      const v1::ExportAccountDataRequest& request);

 private:
  // Adds `customer_id`'s referral code and referrals to `part`.
  absl::Status AddReferralData(crm::common::Transaction& tx,
                               const std::string& customer_id,
                               v1::AccountData& part);

  crm::common::UnitOfWork& unit_of_work_;
  AccountRepository& accounts_;
  RewardRepository& rewards_;
  ProgramRepository& programs_;
  const crm::common::Clock& clock_;
  ReferralRepository* const referrals_;
};

}  // namespace crm::loyalty

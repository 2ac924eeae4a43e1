// ReferralRepository on the service's MySQL/MariaDB database (tables
// `referral_codes` and `referrals`, migrations/0009_referrals.sql; `order
// earnings` read for HasOrdered): all SQL and row mapping, prepared
// statements only, on the caller's unit of work.
//
//   MySqlReferralRepository referrals;
//   ReferralManager manager(unit_of_work, referrals, accounts, ...);
#pragma once

#include "services/loyalty/referral_repository.h"

namespace crm::loyalty {

class MySqlReferralRepository final : public ReferralRepository {
 public:
  MySqlReferralRepository() = default;

  absl::StatusOr<std::optional<ReferralCodeRecord>> FindCode(
      crm::common::Transaction& tx, absl::string_view customer_id,
      bool lock) override;
  absl::StatusOr<std::optional<ReferralCodeRecord>> FindCodeByCode(
      crm::common::Transaction& tx, absl::string_view code) override;
  absl::Status InsertCode(crm::common::Transaction& tx,
                          const ReferralCodeRecord& code) override;
  absl::Status MoveCode(crm::common::Transaction& tx,
                        absl::string_view from_customer_id,
                        absl::string_view to_customer_id) override;
  absl::Status DeleteCode(crm::common::Transaction& tx,
                          absl::string_view customer_id) override;
  absl::Status InsertReferral(crm::common::Transaction& tx,
                              const ReferralRecord& referral) override;
  absl::Status UpdateReferral(crm::common::Transaction& tx,
                              const ReferralRecord& referral) override;
  absl::StatusOr<std::map<std::string, std::vector<ReferralRecord>>>
  ReferralsOfReferredMany(crm::common::Transaction& tx,
                          const std::vector<std::string>& customer_ids,
                          bool lock) override;
  absl::StatusOr<std::vector<ReferralRecord>> ReferralsOfReferred(
      crm::common::Transaction& tx, absl::string_view customer_id,
      bool lock) override;
  absl::StatusOr<std::vector<ReferralRecord>> ReferralsOfCustomer(
      crm::common::Transaction& tx, absl::string_view customer_id,
      bool lock) override;
  absl::StatusOr<std::vector<ReferralRecord>> ListReferrals(
      crm::common::Transaction& tx, const ReferralQuery& query) override;
  absl::StatusOr<bool> HasOrdered(crm::common::Transaction& tx,
                                  absl::string_view customer_id) override;
};

}  // namespace crm::loyalty

#include "services/loyalty/referral_repository.h"

#include "services/common/status_macros.h"

namespace crm::loyalty {

absl::StatusOr<std::map<std::string, std::vector<ReferralRecord>>>
ReferralRepository::ReferralsOfReferredMany(
    crm::common::Transaction& tx, const std::vector<std::string>& customer_ids,
    bool lock) {
  std::map<std::string, std::vector<ReferralRecord>> by_customer;
  for (const std::string& id : customer_ids) by_customer[id];
  for (auto& [id, referrals] : by_customer) {
    CRM_ASSIGN_OR_RETURN(referrals, ReferralsOfReferred(tx, id, lock));
  }
  return by_customer;
}

}  // namespace crm::loyalty

#include "services/loyalty/referral_reward.h"

#include <string>
#include <vector>

#include "services/common/status_macros.h"
#include "services/loyalty/account_family.h"
#include "services/loyalty/earning_rules.h"
#include "services/loyalty/referral_change_feed.h"
#include "services/loyalty/referral_rules.h"

namespace crm::loyalty {
namespace {

// A BONUS posting of `points` for one side of a referral.
Posting ReferralPosting(int64_t points, std::string source, absl::Time now,
                        const v1::Program& program) {
  Posting posting;
  posting.type = v1::LedgerEntry::BONUS;
  posting.points = points;
  posting.reason = "referral";
  posting.source = std::move(source);
  posting.time = now;
  posting.expire_time = LotExpireTime(program.expiry_policy(), now);
  return posting;
}

}  // namespace

absl::Status RewardReferralOnFirstOrder(
    ReferralRepository& referrals, AccountRepository& accounts,
    LedgerPoster& poster, crm::common::Transaction& tx, AccountRecord& referred,
    const v1::Program& program, absl::Time now,
    crm::common::ChangeFeedWriter* feed) {
  CRM_ASSIGN_OR_RETURN(
      std::vector<ReferralRecord> rows,
      referrals.ReferralsOfReferred(tx, referred.customer_id, /*lock=*/true));
  for (ReferralRecord& referral : rows) {
    if (referral.state != v1::Referral::PENDING) continue;
    const v1::ReferralPolicy& policy = program.referral_policy();
    if (policy.referred_points() > 0) {
      CRM_RETURN_IF_ERROR(
          poster
              .Credit(tx, referred,
                      ReferralPosting(policy.referred_points(),
                                      ReferredRewardSource(referral.id), now,
                                      program))
              .status());
    }
    if (policy.referrer_points() > 0) {
      CRM_ASSIGN_OR_RETURN(std::string holder,
                           ResolveSurvivor(accounts, tx, referral.referrer_id));
      if (holder == referred.customer_id) {
        return absl::InternalError("a referral's two sides are one account");
      }
      CRM_ASSIGN_OR_RETURN(AccountRecord referrer,
                           accounts.LockOrCreate(tx, holder, now));
      CRM_RETURN_IF_ERROR(
          poster
              .Credit(tx, referrer,
                      ReferralPosting(policy.referrer_points(),
                                      ReferrerRewardSource(referral.id), now,
                                      program))
              .status());
    }
    referral.state = v1::Referral::REWARDED;
    referral.reward_time = now;
    referral.referrer_points = policy.referrer_points();
    referral.referred_points = policy.referred_points();
    CRM_RETURN_IF_ERROR(referrals.UpdateReferral(tx, referral));
    CRM_RETURN_IF_ERROR(AppendReferralChange(
        feed, tx, v1::ChangeEvent::REFERRAL_REWARDED, referral));
    // At most one referral of a customer is pending (referral_rules.h).
    return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace crm::loyalty

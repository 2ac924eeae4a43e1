// Rewards a referral when the referred customer's first order arrives,
// inside the feed consumer's transaction that records the order
// (order_earning.h), so it happens exactly once:
// - the PENDING referral of the referred customer (locked) becomes
//   REWARDED with the reward time and the points given;
// - each side with points in the programme's referral policy at that
//   moment gets a BONUS entry forming a lot that expires by the
//   programme's expiry policy, keyed `referral:{id}:referrer` /
//   `referral:{id}:referred` (ReferrerRewardSource, ReferredRewardSource),
//   so a replay credits nothing more; referral points do not count towards
//   tier qualification.
// - a policy of 0 points on both sides still marks the referral REWARDED
//   with 0 points: only the first order counts.
// - REFERRAL_REWARDED is appended to loyalty's feed (referral_change_feed.h)
//   through `feed` (null: none), after the referral's row and both
//   accounts are locked.
// The referred customer's account is locked by the caller; the referrer's
// (the end of its chain of merges) is locked here, after it.
//
//   CRM_RETURN_IF_ERROR(RewardReferralOnFirstOrder(
//       referrals, accounts, poster, tx, referred_account, program, now,
//       feed));
#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/program.pb.h"
#include "services/common/change_feed_writer.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/account_repository.h"
#include "services/loyalty/ledger_poster.h"
#include "services/loyalty/referral_repository.h"

namespace crm::loyalty {

// Rewards the PENDING referral of `referred` (locked by the caller), if
// any, as described above; nothing otherwise.
absl::Status RewardReferralOnFirstOrder(
    ReferralRepository& referrals, AccountRepository& accounts,
    LedgerPoster& poster, crm::common::Transaction& tx, AccountRecord& referred,
    const v1::Program& program, absl::Time now,
    crm::common::ChangeFeedWriter* feed = nullptr);

}  // namespace crm::loyalty

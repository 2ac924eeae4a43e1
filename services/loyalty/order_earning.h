// Points from orders, applied from customer-profile's change feed
// (protos/crm/customerprofile/v1/change_event.proto) inside the feed
// consumer's transaction:
// - ORDER_RECORDED earns programme rate × tier multiplier points (earning
//   rules, rounded once) as an EARN entry keyed `order:{order name}` that
//   forms a lot expiring by the programme's policy, plus the bonuses of the
//   campaigns running that reach the member and have the member's marketing
//   consent (campaign_bonus.h); the order's
//   earning (points and bonuses) is recorded so refunds can be proportional; a
//   debt left by earlier clawbacks is settled from the new points first (a
//   REVERSE entry); the first order of a customer with a PENDING referral
//   rewards it (referral_reward.h), also when the order earns nothing.
// - ORDER_REFUNDED claws back the order's earning in proportion to the
//   refunded total (ClawbackTarget, cumulative over partial refunds): a
//   REVERSE entry keyed `refund:{order name}:{feed sequence}` takes what the
//   balance holds, and the shortfall becomes the account's points_debt.
// - Every other event type is ignored.
// An event naming a customer merged into another is applied to the
// survivor's account (ResolveSurvivor, account_family.h): its order's
// earning moved there with the merge, and a refund claws back from there.
// The tier is re-evaluated after each (tier_refresh.h); a change is written
// to loyalty's feed in the same transaction (reason ORDER_EARNED or
// ORDER_REFUNDED). Applying the same
// event twice changes nothing the second time (the recorded earning and the
// ledger's unique sources), on top of the consumer's own exactly-once
// cursor.
//
//   OrderEarning earning(accounts, programs, campaigns, consents, ids, clock);
//   CRM_RETURN_IF_ERROR(earning.Apply(tx, event));
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/unit_of_work.h"
#include "services/consents/consent_repository.h"
#include "services/loyalty/account_repository.h"
#include "services/loyalty/campaign_repository.h"
#include "services/loyalty/ledger_poster.h"
#include "services/loyalty/program_repository.h"
#include "services/loyalty/referral_repository.h"
#include "services/loyalty/segment_membership_cache.h"

namespace crm::loyalty {

class OrderEarning {
 public:
  // Every argument must outlive this object. `referrals` holds the
  // referral graph (referral_reward.h); null only where no referrals are
  // kept (tests of earning alone). `tier_feed` is loyalty's feed: tier
  // changes (tier_change_feed.h) and rewarded referrals
  // (referral_change_feed.h); null: none written; `segments` answers segment
  // campaigns (null: segment campaigns reach no one).
  OrderEarning(AccountRepository& accounts, ProgramRepository& programs,
               CampaignRepository& campaigns,
               crm::consents::ConsentRepository& consents,
               const crm::common::IdGenerator& ids,
               const crm::common::Clock& clock,
               ReferralRepository* referrals = nullptr,
               crm::common::ChangeFeedWriter* tier_feed = nullptr,
               CachedSegmentMembership* segments = nullptr)
      : accounts_(accounts),
        programs_(programs),
        campaigns_(campaigns),
        consents_(consents),
        ids_(ids),
        clock_(clock),
        referrals_(referrals),
        tier_feed_(tier_feed),
        segments_(segments),
        poster_(accounts, ids) {}
  OrderEarning(const OrderEarning&) = delete;
  OrderEarning& operator=(const OrderEarning&) = delete;

  // Applies `event` in `tx`. DATA_LOSS for an order event whose customer or
  // order name is malformed (the consumer then retries and stalls, visibly
  // in its lag metric, instead of skipping money).
  absl::Status Apply(crm::common::Transaction& tx,
                     const ::crm::customerprofile::v1::ChangeEvent& event);

  // Applies `events` in `tx` as one earning run: the effects of Apply() of
  // each in order, all seeing one time (the run's start), with the run's
  // accounts (locked in id order), recorded earnings and qualifying points,
  // the programme, the running campaigns and the referrals read once up
  // front and the new entries, lots, earnings and account states written as
  // a few multi-row statements at the end (buffered_account_repository.h,
  // earning_run_reads.h). Any error leaves `tx` to be rolled back.
  absl::Status ApplyRun(
      crm::common::Transaction& tx,
      const std::vector<::crm::customerprofile::v1::ChangeEvent>& events);

 private:
  absl::Status Earn(crm::common::Transaction& tx,
                    const std::string& customer_id,
                    const ::crm::customerprofile::v1::Order& order);
  // Rewards the customer's PENDING referral on its first order.
  absl::Status RewardReferral(crm::common::Transaction& tx,
                              AccountRecord& account,
                              const v1::Program& program, absl::Time now);
  absl::Status ClawBack(crm::common::Transaction& tx,
                        const std::string& customer_id,
                        const ::crm::customerprofile::v1::Order& order,
                        int64_t sequence);

  AccountRepository& accounts_;
  ProgramRepository& programs_;
  CampaignRepository& campaigns_;
  crm::consents::ConsentRepository& consents_;
  const crm::common::IdGenerator& ids_;
  const crm::common::Clock& clock_;
  ReferralRepository* const referrals_;
  crm::common::ChangeFeedWriter* const tier_feed_;
  CachedSegmentMembership* const segments_;
  LedgerPoster poster_;
};

}  // namespace crm::loyalty

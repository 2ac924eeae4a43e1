// What loyalty does when customer-profile merges or erases a customer
// (CUSTOMER_MERGED, CUSTOMER_ERASED on its change feed), inside the feed
// consumer's transaction so each is applied exactly once.
//
// Merge(survivor, duplicate): the duplicate's account keeps every entry and
// lot it had; each lot with points left is moved by two new entries — a
// MERGE_OUT on the duplicate (source `merge:{lot}`, the lot emptied) and a
// MERGE_IN on the survivor (source `merge:{duplicate}:{lot}`) forming a lot
// with the same points, earn time and expire time, so spending and expiry
// stay oldest first and nothing expires earlier or later than it would
// have. The duplicate's refund debt is added to the survivor's, its order
// earnings and coupons move to the survivor, and the duplicate's account is
// marked `merged_into` the survivor: it takes no further entries, and
// events that still name the duplicate are applied to the survivor
// (ResolveSurvivor, account_family.h). Tier qualification counts the
// entries of the survivor and of every account merged into it (qualifying
// deltas are not copied, so the window still sees each point at the time
// it was earned), and the survivor's tier is re-evaluated at once. Both
// ledgers stay verifiable (VerifyLedger). Referral links follow
// (ReferralsAfterMerge, referral_rules.h): the duplicate's side of each of
// its referrals becomes the survivor's, a referral between the two is
// CANCELLED, and the survivor keeps at most one PENDING referral (none once
// it has ordered or was rewarded for a referral); the duplicate's referral
// code becomes the survivor's when the survivor has none, and is deleted
// otherwise; a REWARDED referral the merge cancels is appended to loyalty's
// feed as REFERRAL_CANCELLED (referral_change_feed.h). A merge whose
// duplicate is
// already merged changes nothing; a merge of a customer into itself, or
// into a customer that was itself merged into the duplicate, is ignored.
//
// Erase(customer): the customer's account and every account merged into it
// give up their points (a FORFEIT entry, lots oldest first), their issued
// coupons are CANCELLED, and their rows are re-keyed to a new random
// tombstone id (`erased-{id}`): ledger entries keep type, amounts,
// balances, sequences and times (what accounting needs) with the reason
// replaced by "erased" and the idempotency key by `erased:{entry}`; lots
// and coupons keep their amounts and times; order earnings (whose names
// hold the customer id) are deleted. Stored idempotent responses filed
// under `customers/{id}`, `accounts/{id}` or one of the members' coupons
// are deleted (IdempotencyRepository::ForgetSubjects). The referral codes of
// the customer and of every customer merged into it are deleted, and their
// referrals re-keyed to their tombstones (a member without an account gets
// one for them), PENDING ones CANCELLED (ReferralsAfterErasure); the past
// feed events of those referrals name the tombstones instead
// (FeedEventRepository::ReKeyReferralEvents), and each REWARDED one is
// appended as REFERRAL_ERASED, the erasure's last writes. The outbound
// messages about the customer and every member of its family, with their
// deliveries, are deleted (OutboundMessageErasure), account or not.
// Afterwards no loyalty
// table holds the customer id. A customer without an account is nothing to
// erase, so a repeated erasure changes nothing.
//
//   MemberLifecycle lifecycle(accounts, rewards, programs, ids, clock,
//                             &idempotency_keys);
//   CRM_RETURN_IF_ERROR(lifecycle.Merge(tx, "c-survivor", "c-duplicate"));
//   CRM_RETURN_IF_ERROR(lifecycle.Erase(tx, "c-erased"));
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/account_repository.h"
#include "services/loyalty/feed_event_repository.h"
#include "services/loyalty/ledger_poster.h"
#include "services/loyalty/outbound_message_erasure.h"
#include "services/loyalty/program_repository.h"
#include "services/loyalty/referral_repository.h"
#include "services/loyalty/reward_repository.h"

namespace crm::loyalty {

// The reason every entry of an erased account carries.
inline constexpr char kErasedReason[] = "erased";
// The start of every tombstone id an erasure re-keys an account to (no id
// customer-profile issues starts with it).
inline constexpr char kErasedIdPrefix[] = "erased-";

class MemberLifecycle {
 public:
  // Every argument must outlive this object. `idempotency` holds the
  // service's stored idempotent responses, `referrals` the referral graph;
  // each null only where none are kept (tests of the ledger alone).
  // `tier_feed` receives the survivor's tier change (reason
  // CUSTOMER_MERGED) and the referral events of merges and erasures;
  // `feed_events` re-keys an erased member's past feed events to its
  // tombstone (null: no feed); `outbound` forgets an erased member's
  // outbound messages (null: none are kept).
  MemberLifecycle(AccountRepository& accounts, RewardRepository& rewards,
                  ProgramRepository& programs,
                  const crm::common::IdGenerator& ids,
                  const crm::common::Clock& clock,
                  crm::common::IdempotencyRepository* idempotency = nullptr,
                  ReferralRepository* referrals = nullptr,
                  crm::common::ChangeFeedWriter* tier_feed = nullptr,
                  FeedEventRepository* feed_events = nullptr,
                  OutboundMessageErasure* outbound = nullptr)
      : accounts_(accounts),
        rewards_(rewards),
        programs_(programs),
        ids_(ids),
        clock_(clock),
        idempotency_(idempotency),
        referrals_(referrals),
        tier_feed_(tier_feed),
        feed_events_(feed_events),
        outbound_(outbound),
        poster_(accounts, ids) {}
  MemberLifecycle(const MemberLifecycle&) = delete;
  MemberLifecycle& operator=(const MemberLifecycle&) = delete;

  // Merges the account of `duplicate_id` into that of `survivor_id` (both
  // customer ids) in `tx`, as described above.
  absl::Status Merge(crm::common::Transaction& tx,
                     absl::string_view survivor_id,
                     absl::string_view duplicate_id);

  // Erases the loyalty data of `customer_id` in `tx`, as described above.
  absl::Status Erase(crm::common::Transaction& tx,
                     absl::string_view customer_id);

 private:
  // The referral side of Merge and Erase (nothing without `referrals_`).
  // Adds the REWARDED referrals the merge cancels to `cancelled`.
  absl::Status MergeReferrals(crm::common::Transaction& tx,
                              absl::string_view survivor_id,
                              absl::string_view duplicate_id, absl::Time now,
                              std::vector<ReferralRecord>& cancelled);
  // Cancels the ISSUED coupons of `customer_id`, clears their issue keys
  // and re-keys them to `tombstone_id`, adding their names to `subjects`.
  absl::Status EraseCoupons(crm::common::Transaction& tx,
                            absl::string_view customer_id,
                            absl::string_view tombstone_id,
                            std::vector<std::string>& subjects);
  // Re-keys the referrals of `customer_id` to `tombstone_id` and rewrites
  // their past feed events by `tombstones` (every erased member's id ->
  // its tombstone); the REWARDED ones, as they end up, go into `erased`
  // by referral id.
  absl::Status EraseReferrals(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::string_view tombstone_id, absl::Time now,
      const std::map<std::string, std::string>& tombstones,
      std::map<std::string, ReferralRecord>& erased);

  AccountRepository& accounts_;
  RewardRepository& rewards_;
  ProgramRepository& programs_;
  const crm::common::IdGenerator& ids_;
  const crm::common::Clock& clock_;
  crm::common::IdempotencyRepository* const idempotency_;
  ReferralRepository* const referrals_;
  crm::common::ChangeFeedWriter* const tier_feed_;
  FeedEventRepository* const feed_events_;
  OutboundMessageErasure* const outbound_;
  LedgerPoster poster_;
};

}  // namespace crm::loyalty

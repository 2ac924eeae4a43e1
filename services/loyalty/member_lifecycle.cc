#include "services/loyalty/member_lifecycle.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/loyalty/account_family.h"
#include "services/loyalty/program_manager.h"
#include "services/loyalty/referral_change_feed.h"
#include "services/loyalty/referral_rules.h"
#include "services/loyalty/tier_refresh.h"

namespace crm::loyalty {

using ::crm::common::Transaction;

absl::Status MemberLifecycle::Merge(Transaction& tx,
                                    absl::string_view survivor_id,
                                    absl::string_view duplicate_id) {
  const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
  CRM_ASSIGN_OR_RETURN(std::optional<AccountRecord> existing,
                       accounts_.Find(tx, duplicate_id));
  if (existing.has_value() && !existing->merged_into.empty()) {
    return absl::OkStatus();  // Merged before.
  }
  CRM_ASSIGN_OR_RETURN(std::string holder,
                       ResolveSurvivor(accounts_, tx, survivor_id));
  if (holder == duplicate_id) return absl::OkStatus();

  // Locked in id order, so two merges of the same pair never deadlock.
  AccountRecord survivor;
  AccountRecord duplicate;
  if (holder < duplicate_id) {
    CRM_ASSIGN_OR_RETURN(survivor, accounts_.LockOrCreate(tx, holder, now));
    CRM_ASSIGN_OR_RETURN(duplicate,
                         accounts_.LockOrCreate(tx, duplicate_id, now));
  } else {
    CRM_ASSIGN_OR_RETURN(duplicate,
                         accounts_.LockOrCreate(tx, duplicate_id, now));
    CRM_ASSIGN_OR_RETURN(survivor, accounts_.LockOrCreate(tx, holder, now));
  }
  if (!duplicate.merged_into.empty()) return absl::OkStatus();

  CRM_ASSIGN_OR_RETURN(std::vector<LotRecord> lots,
                       accounts_.OpenLots(tx, duplicate.customer_id));
  for (const LotRecord& lot : lots) {
    Posting out;
    out.type = v1::LedgerEntry::MERGE_OUT;
    out.reason = "moved to the account this customer was merged into";
    out.source = absl::StrCat("merge:", lot.id);
    out.time = now;
    CRM_RETURN_IF_ERROR(poster_.EmptyLot(tx, duplicate, lot, out).status());

    Posting in;
    in.type = v1::LedgerEntry::MERGE_IN;
    in.points = lot.remaining_points;
    in.reason = "received from a customer merged into this one";
    in.source = absl::StrCat("merge:", duplicate.customer_id, ":", lot.id);
    in.time = now;
    in.expire_time = lot.expire_time;
    in.lot_earn_time = lot.earn_time;
    CRM_RETURN_IF_ERROR(poster_.Credit(tx, survivor, in).status());
  }

  survivor.points_debt += duplicate.points_debt;
  survivor.update_time = now;
  CRM_RETURN_IF_ERROR(accounts_.Update(tx, survivor));
  duplicate.points_debt = 0;
  duplicate.tier.clear();
  duplicate.tier_grace_end_time.reset();
  duplicate.merged_into = survivor.customer_id;
  duplicate.merge_time = now;
  duplicate.update_time = now;
  CRM_RETURN_IF_ERROR(accounts_.Update(tx, duplicate));

  CRM_RETURN_IF_ERROR(accounts_.MoveOrderEarnings(tx, duplicate.customer_id,
                                                  survivor.customer_id));
  CRM_RETURN_IF_ERROR(rewards_.ReassignCoupons(tx, duplicate.customer_id,
                                               survivor.customer_id));
  std::vector<ReferralRecord> cancelled;
  CRM_RETURN_IF_ERROR(MergeReferrals(tx, survivor.customer_id,
                                     duplicate.customer_id, now, cancelled));
  for (const ReferralRecord& referral : cancelled) {
    CRM_RETURN_IF_ERROR(AppendReferralChange(
        tier_feed_, tx, v1::ChangeEvent::REFERRAL_CANCELLED, referral));
  }

  CRM_ASSIGN_OR_RETURN(v1::Program program, LoadProgramSettings(programs_, tx));
  return RefreshTier(accounts_, tx, survivor, program, now,
                     {tier_feed_, v1::TierChange::CUSTOMER_MERGED});
}

absl::Status MemberLifecycle::Erase(Transaction& tx,
                                    absl::string_view customer_id) {
  const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
  CRM_ASSIGN_OR_RETURN(std::vector<std::string> family,
                       AccountFamily(accounts_, tx, customer_id));
  // Members without an account (never had one, or erased before) have
  // nothing to erase.
  std::vector<AccountRecord> erased;
  std::map<std::string, std::string> tombstones;
  for (const std::string& member : family) {
    CRM_ASSIGN_OR_RETURN(std::optional<AccountRecord> account,
                         accounts_.Find(tx, member));
    if (!account.has_value()) continue;
    CRM_ASSIGN_OR_RETURN(AccountRecord locked,
                         accounts_.LockOrCreate(tx, member, now));
    erased.push_back(std::move(locked));
    tombstones[member] = absl::StrCat(kErasedIdPrefix, ids_.NewId());
  }

  // Outbound messages about any member, also one without an account.
  if (outbound_ != nullptr) {
    for (const std::string& member : family) {
      CRM_RETURN_IF_ERROR(outbound_->ForgetCustomer(tx, member));
    }
  }

  // Stored responses naming a member, its account or its coupons.
  std::vector<std::string> subjects;
  for (const std::string& member : family) {
    subjects.push_back(absl::StrCat("customers/", member));
    subjects.push_back(absl::StrCat("accounts/", member));
  }

  for (AccountRecord& account : erased) {
    if (account.points_balance > 0 && account.merged_into.empty()) {
      Posting forfeit;
      forfeit.type = v1::LedgerEntry::FORFEIT;
      forfeit.points = account.points_balance;
      forfeit.reason = kErasedReason;
      forfeit.source = "erase";
      forfeit.time = now;
      CRM_RETURN_IF_ERROR(
          poster_.Debit(tx, account, forfeit, "points").status());
    }
    const std::string& tombstone = tombstones[account.customer_id];
    CRM_RETURN_IF_ERROR(
        EraseCoupons(tx, account.customer_id, tombstone, subjects));
    // A duplicate merged into a member of the family points at that
    // member's tombstone; the family's head points nowhere.
    std::string merged_into;
    if (account.customer_id != customer_id) {
      auto survivor = tombstones.find(account.merged_into);
      if (survivor != tombstones.end()) merged_into = survivor->second;
    }
    CRM_RETURN_IF_ERROR(accounts_.ReKeyErasedAccount(
        tx, account.customer_id, tombstone, merged_into, kErasedReason));
    if (feed_events_ != nullptr) {
      CRM_RETURN_IF_ERROR(feed_events_->ReKeyCustomerEvents(
          tx, account.customer_id, tombstone));
    }
  }
  // Referrals and codes of every member, also one without an account (which
  // gets a tombstone for them).
  std::map<std::string, std::string> referral_tombstones;
  for (const std::string& member : family) {
    auto tombstone = tombstones.find(member);
    referral_tombstones[member] =
        tombstone != tombstones.end()
            ? tombstone->second
            : absl::StrCat(kErasedIdPrefix, ids_.NewId());
  }
  std::map<std::string, ReferralRecord> erased_referrals;
  for (const std::string& member : family) {
    const std::string& referral_tombstone = referral_tombstones[member];
    // A member without an account may hold coupons issued in bulk.
    if (tombstones.find(member) == tombstones.end()) {
      CRM_RETURN_IF_ERROR(
          EraseCoupons(tx, member, referral_tombstone, subjects));
    }
    CRM_RETURN_IF_ERROR(EraseReferrals(tx, member, referral_tombstone, now,
                                       referral_tombstones, erased_referrals));
  }
  if (idempotency_ != nullptr) {
    CRM_RETURN_IF_ERROR(idempotency_->ForgetSubjects(tx, subjects));
  }
  // Last, after every row lock (the outbox's writer contract).
  for (const auto& [id, referral] : erased_referrals) {
    CRM_RETURN_IF_ERROR(AppendReferralChange(
        tier_feed_, tx, v1::ChangeEvent::REFERRAL_ERASED, referral));
  }
  return absl::OkStatus();
}

absl::Status MemberLifecycle::MergeReferrals(
    Transaction& tx, absl::string_view survivor_id,
    absl::string_view duplicate_id, absl::Time now,
    std::vector<ReferralRecord>& cancelled) {
  if (referrals_ == nullptr) return absl::OkStatus();
  CRM_ASSIGN_OR_RETURN(
      std::vector<ReferralRecord> rows,
      referrals_->ReferralsOfCustomer(tx, survivor_id, /*lock=*/true));
  CRM_ASSIGN_OR_RETURN(
      std::vector<ReferralRecord> duplicate_rows,
      referrals_->ReferralsOfCustomer(tx, duplicate_id, /*lock=*/true));
  rows.insert(rows.end(), duplicate_rows.begin(), duplicate_rows.end());
  CRM_ASSIGN_OR_RETURN(bool ordered, referrals_->HasOrdered(tx, survivor_id));
  std::map<std::string, v1::Referral::State> before;
  for (const ReferralRecord& referral : rows) {
    before[referral.id] = referral.state;
  }
  for (const ReferralRecord& referral :
       ReferralsAfterMerge(rows, survivor_id, duplicate_id, ordered, now)) {
    CRM_RETURN_IF_ERROR(referrals_->UpdateReferral(tx, referral));
    if (before[referral.id] == v1::Referral::REWARDED &&
        referral.state == v1::Referral::CANCELLED) {
      cancelled.push_back(referral);
    }
  }
  CRM_ASSIGN_OR_RETURN(std::optional<ReferralCodeRecord> survivor_code,
                       referrals_->FindCode(tx, survivor_id, /*lock=*/true));
  if (survivor_code.has_value())
    return referrals_->DeleteCode(tx, duplicate_id);
  return referrals_->MoveCode(tx, duplicate_id, survivor_id);
}

absl::Status MemberLifecycle::EraseCoupons(Transaction& tx,
                                           absl::string_view customer_id,
                                           absl::string_view tombstone_id,
                                           std::vector<std::string>& subjects) {
  CRM_ASSIGN_OR_RETURN(std::vector<CouponRecord> coupons,
                       rewards_.CouponsOfCustomer(tx, customer_id));
  for (CouponRecord& coupon : coupons) {
    subjects.push_back(absl::StrCat("coupons/", coupon.id));
    if (coupon.state != v1::Coupon::ISSUED) continue;
    coupon.state = v1::Coupon::CANCELLED;
    CRM_RETURN_IF_ERROR(rewards_.UpdateCoupon(tx, coupon));
  }
  if (coupons.empty()) return absl::OkStatus();
  CRM_RETURN_IF_ERROR(rewards_.ForgetIssueKeys(tx, customer_id));
  return rewards_.ReassignCoupons(tx, customer_id, tombstone_id);
}

absl::Status MemberLifecycle::EraseReferrals(
    Transaction& tx, absl::string_view customer_id,
    absl::string_view tombstone_id, absl::Time now,
    const std::map<std::string, std::string>& tombstones,
    std::map<std::string, ReferralRecord>& erased) {
  if (referrals_ == nullptr) return absl::OkStatus();
  CRM_RETURN_IF_ERROR(referrals_->DeleteCode(tx, customer_id));
  CRM_ASSIGN_OR_RETURN(
      std::vector<ReferralRecord> rows,
      referrals_->ReferralsOfCustomer(tx, customer_id, /*lock=*/true));
  for (const ReferralRecord& referral :
       ReferralsAfterErasure(rows, customer_id, tombstone_id, now)) {
    CRM_RETURN_IF_ERROR(referrals_->UpdateReferral(tx, referral));
    if (feed_events_ != nullptr) {
      CRM_RETURN_IF_ERROR(
          feed_events_->ReKeyReferralEvents(tx, referral.id, tombstones));
    }
    if (referral.state == v1::Referral::REWARDED)
      erased[referral.id] = referral;
  }
  return absl::OkStatus();
}

}  // namespace crm::loyalty

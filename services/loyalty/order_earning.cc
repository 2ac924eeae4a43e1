#include "services/loyalty/order_earning.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/clock.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/loyalty/account_family.h"
#include "services/loyalty/buffered_account_repository.h"
#include "services/loyalty/campaign_bonus.h"
#include "services/loyalty/earning_rules.h"
#include "services/loyalty/earning_run_reads.h"
#include "services/loyalty/program_manager.h"
#include "services/loyalty/referral_reward.h"
#include "services/loyalty/tier_refresh.h"
#include "services/loyalty/tier_rules.h"

namespace crm::loyalty {
namespace {

using ::crm::common::Transaction;
namespace cp = ::crm::customerprofile::v1;

}  // namespace

absl::Status OrderEarning::Apply(Transaction& tx,
                                 const cp::ChangeEvent& event) {
  if (event.type() != cp::ChangeEvent::ORDER_RECORDED &&
      event.type() != cp::ChangeEvent::ORDER_REFUNDED) {
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> customer_id = crm::common::ParseResourceName(
      event.customer_name(), "customers", "customer_name");
  if (!customer_id.ok() || event.order().name().empty()) {
    return absl::DataLossError("order event without a valid customer or order");
  }
  // A merged duplicate's order events reach the account that now holds its
  // points and order earnings.
  CRM_ASSIGN_OR_RETURN(std::string holder,
                       ResolveSurvivor(accounts_, tx, *customer_id));
  if (event.type() == cp::ChangeEvent::ORDER_RECORDED) {
    return Earn(tx, holder, event.order());
  }
  return ClawBack(tx, holder, event.order(), event.sequence());
}

absl::Status OrderEarning::ApplyRun(
    Transaction& tx, const std::vector<cp::ChangeEvent>& events) {
  if (events.size() <= 1) {
    for (const cp::ChangeEvent& event : events) {
      CRM_RETURN_IF_ERROR(Apply(tx, event));
    }
    return absl::OkStatus();
  }
  const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
  const crm::common::FixedClock run_clock(now);
  BufferedAccountRepository accounts(accounts_);
  RunCachedPrograms programs(programs_);
  RunCachedCampaigns campaigns(campaigns_);
  std::optional<RunCachedReferrals> referrals;
  if (referrals_ != nullptr) {
    referrals.emplace(
        *referrals_, [&accounts](Transaction& t) { return accounts.Flush(t); });
  }
  std::vector<std::string> customers;
  std::vector<std::pair<std::string, std::string>> orders;
  for (const cp::ChangeEvent& event : events) {
    if (event.type() != cp::ChangeEvent::ORDER_RECORDED &&
        event.type() != cp::ChangeEvent::ORDER_REFUNDED) {
      continue;
    }
    absl::StatusOr<std::string> customer_id = crm::common::ParseResourceName(
        event.customer_name(), "customers", "customer_name");
    if (!customer_id.ok()) continue;  // Apply() reports it in order.
    customers.push_back(*customer_id);
    orders.emplace_back(*customer_id, event.order().name());
  }
  // One entry per customer however many of the run's events are theirs.
  std::sort(customers.begin(), customers.end());
  customers.erase(std::unique(customers.begin(), customers.end()),
                  customers.end());
  CRM_ASSIGN_OR_RETURN(v1::Program program, LoadProgramSettings(programs, tx));
  CRM_RETURN_IF_ERROR(accounts.Prefetch(
      tx, customers, orders, QualificationWindowStart(program, now), now));
  if (referrals.has_value()) {
    CRM_RETURN_IF_ERROR(referrals->Prefetch(tx, customers));
  }
  OrderEarning run(accounts, programs, campaigns, consents_, ids_, run_clock,
                   referrals.has_value() ? &*referrals : nullptr, tier_feed_,
                   segments_);
  for (const cp::ChangeEvent& event : events) {
    CRM_RETURN_IF_ERROR(run.Apply(tx, event));
  }
  return accounts.Flush(tx);
}

absl::Status OrderEarning::Earn(Transaction& tx, const std::string& customer_id,
                                const cp::Order& order) {
  const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
  CRM_ASSIGN_OR_RETURN(v1::Program program, LoadProgramSettings(programs_, tx));
  CRM_ASSIGN_OR_RETURN(AccountRecord account,
                       accounts_.LockOrCreate(tx, customer_id, now));
  CRM_ASSIGN_OR_RETURN(
      std::optional<OrderEarningRecord> earned,
      accounts_.FindOrderEarning(tx, customer_id, order.name()));
  if (earned.has_value()) return absl::OkStatus();  // Applied before.

  const int64_t points = PointsForAmount(
      program, order.amount(), TierMultiplierPercent(program, account.tier));
  OrderEarningRecord earning;
  earning.customer_id = customer_id;
  earning.order_name = order.name();
  earning.amount_minor = order.amount().amount_minor();
  earning.currency_code = order.amount().currency_code();
  earning.points_earned = points;
  if (points <= 0) {
    CRM_RETURN_IF_ERROR(accounts_.SaveOrderEarning(tx, earning));
    return RewardReferral(tx, account, program, now);
  }

  Posting credit;
  credit.type = v1::LedgerEntry::EARN;
  credit.points = points;
  credit.reason = "order";
  credit.source = absl::StrCat("order:", order.name());
  credit.time = now;
  credit.expire_time = LotExpireTime(program.expiry_policy(), now);
  credit.qualifying_delta = points;
  CRM_ASSIGN_OR_RETURN(LedgerEntryRecord entry,
                       poster_.Credit(tx, account, credit));
  CRM_ASSIGN_OR_RETURN(
      int64_t bonus, GrantCampaignBonuses(campaigns_, consents_, poster_, tx,
                                          account, order.name(), points,
                                          credit.expire_time, now, segments_));
  // Refunds claw back the bonuses with the order's points.
  earning.points_earned = points + bonus;
  CRM_RETURN_IF_ERROR(accounts_.SaveOrderEarning(tx, earning));

  if (account.points_debt > 0) {
    const int64_t settled = std::min(account.points_debt, points + bonus);
    account.points_debt -= settled;
    Posting settlement;
    settlement.type = v1::LedgerEntry::REVERSE;
    settlement.points = settled;
    settlement.reason = "refund debt settled";
    settlement.source = absl::StrCat("settle:", entry.id);
    settlement.time = now;
    settlement.qualifying_delta = -settled;
    CRM_RETURN_IF_ERROR(
        poster_.Debit(tx, account, settlement, "points").status());
  }
  CRM_RETURN_IF_ERROR(RewardReferral(tx, account, program, now));
  return RefreshTier(accounts_, tx, account, program, now,
                     {tier_feed_, v1::TierChange::ORDER_EARNED});
}

absl::Status OrderEarning::RewardReferral(Transaction& tx,
                                          AccountRecord& account,
                                          const v1::Program& program,
                                          absl::Time now) {
  if (referrals_ == nullptr) return absl::OkStatus();
  return RewardReferralOnFirstOrder(*referrals_, accounts_, poster_, tx,
                                    account, program, now, tier_feed_);
}

absl::Status OrderEarning::ClawBack(Transaction& tx,
                                    const std::string& customer_id,
                                    const cp::Order& order, int64_t sequence) {
  const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
  CRM_ASSIGN_OR_RETURN(AccountRecord account,
                       accounts_.LockOrCreate(tx, customer_id, now));
  CRM_ASSIGN_OR_RETURN(
      std::optional<OrderEarningRecord> earning,
      accounts_.FindOrderEarning(tx, customer_id, order.name()));
  // An order that earned nothing (or before loyalty followed the feed) has
  // nothing to claw back.
  if (!earning.has_value() || earning->points_earned <= 0) {
    return absl::OkStatus();
  }
  const int64_t target =
      ClawbackTarget(earning->points_earned, earning->amount_minor,
                     order.refunded_amount().amount_minor());
  const int64_t claw = target - earning->points_clawed;
  if (claw <= 0) return absl::OkStatus();
  earning->points_clawed = target;
  CRM_RETURN_IF_ERROR(accounts_.SaveOrderEarning(tx, *earning));

  const int64_t taken = std::min(claw, account.points_balance);
  account.points_debt += claw - taken;
  if (taken > 0) {
    Posting reversal;
    reversal.type = v1::LedgerEntry::REVERSE;
    reversal.points = taken;
    reversal.reason = "order refunded";
    reversal.source = absl::StrCat("refund:", order.name(), ":", sequence);
    reversal.time = now;
    reversal.qualifying_delta = -taken;
    CRM_RETURN_IF_ERROR(
        poster_.Debit(tx, account, reversal, "points").status());
  } else {
    account.update_time = now;
    CRM_RETURN_IF_ERROR(accounts_.Update(tx, account));
  }
  CRM_ASSIGN_OR_RETURN(v1::Program program, LoadProgramSettings(programs_, tx));
  return RefreshTier(accounts_, tx, account, program, now,
                     {tier_feed_, v1::TierChange::ORDER_REFUNDED});
}

}  // namespace crm::loyalty

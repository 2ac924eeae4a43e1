#include "services/loyalty/earning_run_reads.h"

#include <utility>

#include "services/common/status_macros.h"

namespace crm::loyalty {

using ::crm::common::Transaction;

absl::StatusOr<std::optional<ProgramRecord>> RunCachedPrograms::Find(
    Transaction& tx, absl::string_view id) {
  auto found = found_.find(id);
  if (found != found_.end()) return found->second;
  CRM_ASSIGN_OR_RETURN(std::optional<ProgramRecord> program,
                       store_.Find(tx, id));
  found_.emplace(std::string(id), program);
  return program;
}

absl::StatusOr<std::optional<ProgramRecord>> RunCachedPrograms::FindForUpdate(
    Transaction& tx, absl::string_view id) {
  return store_.FindForUpdate(tx, id);
}

absl::Status RunCachedPrograms::Save(Transaction& tx,
                                     const ProgramRecord& program) {
  found_.clear();
  return store_.Save(tx, program);
}

absl::Status RunCachedCampaigns::Insert(Transaction& tx,
                                        const CampaignRecord& campaign) {
  running_.clear();
  return store_.Insert(tx, campaign);
}

absl::StatusOr<std::optional<CampaignRecord>> RunCachedCampaigns::Find(
    Transaction& tx, absl::string_view id) {
  return store_.Find(tx, id);
}

absl::StatusOr<std::vector<CampaignRecord>> RunCachedCampaigns::List(
    Transaction& tx, absl::string_view after, int limit) {
  return store_.List(tx, after, limit);
}

absl::StatusOr<std::vector<CampaignRecord>> RunCachedCampaigns::ActiveAt(
    Transaction& tx, absl::Time now, bool lock) {
  if (lock) return store_.ActiveAt(tx, now, lock);
  auto found = running_.find(now);
  if (found != running_.end()) return found->second;
  CRM_ASSIGN_OR_RETURN(std::vector<CampaignRecord> running,
                       store_.ActiveAt(tx, now, lock));
  running_.emplace(now, running);
  return running;
}

absl::Status RunCachedCampaigns::UpdateUsage(Transaction& tx,
                                             const CampaignRecord& campaign) {
  return store_.UpdateUsage(tx, campaign);
}

absl::Status RunCachedReferrals::Prefetch(
    Transaction& tx, const std::vector<std::string>& customer_ids) {
  using ByCustomer = std::map<std::string, std::vector<ReferralRecord>>;
  CRM_ASSIGN_OR_RETURN(ByCustomer found, store_.ReferralsOfReferredMany(
                                             tx, customer_ids, /*lock=*/true));
  for (auto& [id, referrals] : found) {
    of_referred_.insert_or_assign(id, std::move(referrals));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ReferralCodeRecord>> RunCachedReferrals::FindCode(
    Transaction& tx, absl::string_view customer_id, bool lock) {
  return store_.FindCode(tx, customer_id, lock);
}

absl::StatusOr<std::optional<ReferralCodeRecord>>
RunCachedReferrals::FindCodeByCode(Transaction& tx, absl::string_view code) {
  return store_.FindCodeByCode(tx, code);
}

absl::Status RunCachedReferrals::InsertCode(Transaction& tx,
                                            const ReferralCodeRecord& code) {
  return store_.InsertCode(tx, code);
}

absl::Status RunCachedReferrals::MoveCode(Transaction& tx,
                                          absl::string_view from_customer_id,
                                          absl::string_view to_customer_id) {
  return store_.MoveCode(tx, from_customer_id, to_customer_id);
}

absl::Status RunCachedReferrals::DeleteCode(Transaction& tx,
                                            absl::string_view customer_id) {
  return store_.DeleteCode(tx, customer_id);
}

absl::Status RunCachedReferrals::InsertReferral(
    Transaction& tx, const ReferralRecord& referral) {
  of_referred_.erase(referral.referred_id);
  return store_.InsertReferral(tx, referral);
}

absl::Status RunCachedReferrals::UpdateReferral(
    Transaction& tx, const ReferralRecord& referral) {
  CRM_RETURN_IF_ERROR(store_.UpdateReferral(tx, referral));
  for (auto& [customer, referrals] : of_referred_) {
    for (ReferralRecord& held : referrals) {
      if (held.id == referral.id) {
        const absl::Time create_time = held.create_time;  // Kept.
        held = referral;
        held.create_time = create_time;
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ReferralRecord>>
RunCachedReferrals::ReferralsOfReferred(Transaction& tx,
                                        absl::string_view customer_id,
                                        bool lock) {
  auto found = of_referred_.find(customer_id);
  if (found != of_referred_.end()) return found->second;  // Locked already.
  return store_.ReferralsOfReferred(tx, customer_id, lock);
}

absl::StatusOr<std::vector<ReferralRecord>>
RunCachedReferrals::ReferralsOfCustomer(Transaction& tx,
                                        absl::string_view customer_id,
                                        bool lock) {
  return store_.ReferralsOfCustomer(tx, customer_id, lock);
}

absl::StatusOr<std::vector<ReferralRecord>> RunCachedReferrals::ListReferrals(
    Transaction& tx, const ReferralQuery& query) {
  return store_.ListReferrals(tx, query);
}

absl::StatusOr<bool> RunCachedReferrals::HasOrdered(
    Transaction& tx, absl::string_view customer_id) {
  CRM_RETURN_IF_ERROR(flush_accounts_(tx));
  return store_.HasOrdered(tx, customer_id);
}

}  // namespace crm::loyalty

#include "services/loyalty/campaign_bonus.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"
#include "services/loyalty/campaign_rules.h"
#include "services/loyalty/consent_policy.h"

namespace crm::loyalty {

absl::StatusOr<int64_t> GrantCampaignBonuses(
    CampaignRepository& campaigns, crm::consents::ConsentRepository& consents,
    LedgerPoster& poster, crm::common::Transaction& tx, AccountRecord& account,
    const std::string& order_name, int64_t order_points,
    std::optional<absl::Time> expire_time, absl::Time now,
    CachedSegmentMembership* segments) {
  if (order_points <= 0) return 0;
  // Most orders meet no campaign: look without locks first.
  CRM_ASSIGN_OR_RETURN(std::vector<CampaignRecord> running,
                       campaigns.ActiveAt(tx, now, /*lock=*/false));
  const auto by_tier = [&](const CampaignRecord& campaign) {
    return CampaignReaches(campaign, account.tier, now);
  };
  // Segmentation is asked only when a campaign that would reach the member
  // names a segment (bounded by the lookup's deadline; segment_membership_
  // cache.h).
  std::optional<std::vector<std::string>> member_segments;
  if (segments != nullptr && std::any_of(running.begin(), running.end(),
                                         [&](const CampaignRecord& campaign) {
                                           return by_tier(campaign) &&
                                                  !campaign.segment_id.empty();
                                         })) {
    member_segments = segments->SegmentsOf(account.customer_id);
  }
  const auto reaches = [&](const CampaignRecord& campaign) {
    return by_tier(campaign) &&
           CampaignSegmentReaches(campaign, member_segments);
  };
  if (!std::any_of(running.begin(), running.end(), reaches)) return 0;
  CRM_ASSIGN_OR_RETURN(std::vector<crm::consents::ConsentAnswer> answers,
                       consents.Find(tx, account.customer_id));
  CRM_ASSIGN_OR_RETURN(running, campaigns.ActiveAt(tx, now, /*lock=*/true));
  int64_t granted = 0;
  for (CampaignRecord& campaign : running) {
    if (!reaches(campaign)) continue;
    if (!CampaignMayReach(campaign, answers)) {
      campaign.orders_skipped_without_consent += 1;
      campaign.version += 1;
      CRM_RETURN_IF_ERROR(campaigns.UpdateUsage(tx, campaign));
      continue;
    }
    const int64_t bonus =
        std::min(CampaignBonus(campaign, order_points),
                 campaign.points_budget - campaign.points_awarded);
    if (bonus <= 0) continue;
    Posting posting;
    posting.type = v1::LedgerEntry::BONUS;
    posting.points = bonus;
    posting.reason = absl::StrCat("campaign ", campaign.display_name);
    posting.source = absl::StrCat("campaign:", campaign.id, ":", order_name);
    posting.time = now;
    posting.expire_time = expire_time;
    posting.qualifying_delta = bonus;
    CRM_RETURN_IF_ERROR(poster.Credit(tx, account, posting).status());
    campaign.points_awarded += bonus;
    campaign.orders_rewarded += 1;
    campaign.version += 1;
    CRM_RETURN_IF_ERROR(campaigns.UpdateUsage(tx, campaign));
    granted += bonus;
  }
  return granted;
}

}  // namespace crm::loyalty

// Pure rules of campaigns (campaign.proto): validation of a new campaign,
// whom it reaches and the bonus an order earns from it.
//
//   CRM_ASSIGN_OR_RETURN(CampaignRecord record,
//                        ValidateNewCampaign(request.campaign()));
//   if (CampaignReaches(record, account.tier, now)) {
//     const int64_t bonus = CampaignBonus(record, order_points);
//   }
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/campaign.pb.h"
#include "services/loyalty/campaign_repository.h"

namespace crm::loyalty {

// The record of a new campaign (id, times of creation, usage unset).
// INVALID_ARGUMENT naming the field (`campaign.end_time`, ...) otherwise:
// display_name 1..100 characters, start before end, at most 20 tier ids of
// 1..32 characters, multiplier 0 or 100..1000, bonus per order 0..1e6,
// budget 1..1e12, at least some bonus (multiplier above 100 or a bonus per
// order), a known marketing channel and a segment, if any, of the form
// `segments/{segment}`.
absl::StatusOr<CampaignRecord> ValidateNewCampaign(
    const v1::Campaign& campaign);

// Whether `campaign` gives a bonus at `now` to a member of tier `tier`
// (empty: none): running (start <= now < end), with budget left, and for
// every member or the member's tier. The member's consent is checked apart
// (consent_policy.h): a campaign that reaches a member without it skips
// them.
bool CampaignReaches(const CampaignRecord& campaign, absl::string_view tier,
                     absl::Time now);

// Whether `campaign`'s segment condition holds for a member in
// `member_segments` (segment ids; nullopt: membership unknown): true
// without a segment; with one, only for a known member of it.
bool CampaignSegmentReaches(
    const CampaignRecord& campaign,
    const std::optional<std::vector<std::string>>& member_segments);

// The bonus an order earning `order_points` (> 0) gets from `campaign`,
// before the budget: floor(order_points × (multiplier − 100) / 100) plus the
// bonus per order (128-bit arithmetic, capped at 1e9).
int64_t CampaignBonus(const CampaignRecord& campaign, int64_t order_points);

// `campaigns/{id}`.
std::string CampaignName(absl::string_view id);

// The campaign as the API shows it.
v1::Campaign ToCampaignProto(const CampaignRecord& campaign);

}  // namespace crm::loyalty

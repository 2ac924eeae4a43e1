#include "services/loyalty/campaign_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/etag.h"
#include "services/common/resource_name.h"
#include "services/common/text_validation.h"
#include "services/common/timestamps.h"
#include "services/loyalty/program_rules.h"

namespace crm::loyalty {

using ::crm::common::InvalidFieldError;

namespace {

constexpr int kMaxTiers = 20;
constexpr int64_t kMaxBonusPerOrder = 1'000'000;
constexpr int64_t kMaxBudget = 1'000'000'000'000;
constexpr int64_t kMaxBonus = 1'000'000'000;

}  // namespace

absl::StatusOr<CampaignRecord> ValidateNewCampaign(
    const v1::Campaign& campaign) {
  CampaignRecord record;
  record.display_name =
      crm::common::CollapseWhitespace(campaign.display_name());
  if (record.display_name.empty()) {
    return crm::common::RequiredFieldError("campaign.display_name");
  }
  if (!crm::common::ValidateText(record.display_name, "campaign.display_name",
                                 100, crm::common::Presence::kRequired)
           .ok()) {
    return InvalidFieldError("campaign.display_name",
                             "must be valid UTF-8 of at most 100 characters");
  }
  if (!campaign.has_start_time()) {
    return crm::common::RequiredFieldError("campaign.start_time");
  }
  if (!campaign.has_end_time()) {
    return crm::common::RequiredFieldError("campaign.end_time");
  }
  record.start_time = crm::common::TruncateToMicros(
      crm::common::FromProtoTimestamp(campaign.start_time()));
  record.end_time = crm::common::TruncateToMicros(
      crm::common::FromProtoTimestamp(campaign.end_time()));
  if (record.end_time <= record.start_time) {
    return InvalidFieldError("campaign.end_time",
                             "must be after campaign.start_time");
  }
  if (campaign.tier_ids_size() > kMaxTiers) {
    return InvalidFieldError("campaign.tier_ids", "must hold at most 20 tiers");
  }
  for (int i = 0; i < campaign.tier_ids_size(); ++i) {
    const std::string& tier = campaign.tier_ids(i);
    if (!IsTierId(tier)) {
      return InvalidFieldError(
          absl::StrCat("campaign.tier_ids[", i, "]"),
          "must be 1 to 32 characters of a-z, 0-9, '-' and '_'");
    }
    record.tier_ids.push_back(tier);
  }
  if (campaign.multiplier_percent() != 0 &&
      (campaign.multiplier_percent() < 100 ||
       campaign.multiplier_percent() > 1000)) {
    return InvalidFieldError("campaign.multiplier_percent",
                             "must be 0 or 100 to 1000");
  }
  record.multiplier_percent =
      campaign.multiplier_percent() == 0 ? 100 : campaign.multiplier_percent();
  if (campaign.bonus_points_per_order() < 0 ||
      campaign.bonus_points_per_order() > kMaxBonusPerOrder) {
    return InvalidFieldError("campaign.bonus_points_per_order",
                             "must be 0 to 1000000");
  }
  record.bonus_points_per_order = campaign.bonus_points_per_order();
  if (record.multiplier_percent == 100 && record.bonus_points_per_order == 0) {
    return InvalidFieldError("campaign.multiplier_percent",
                             "must be above 100 unless "
                             "campaign.bonus_points_per_order is set");
  }
  if (campaign.points_budget() < 1 || campaign.points_budget() > kMaxBudget) {
    return InvalidFieldError("campaign.points_budget",
                             "must be 1 to 1000000000000");
  }
  record.points_budget = campaign.points_budget();
  if (!v1::Campaign::MarketingChannel_IsValid(campaign.marketing_channel())) {
    return InvalidFieldError("campaign.marketing_channel",
                             "must be EMAIL, SMS or unspecified (any)");
  }
  record.marketing_channel = campaign.marketing_channel();
  if (!campaign.segment().empty()) {
    absl::StatusOr<std::string> segment = crm::common::ParseResourceName(
        campaign.segment(), "segments", "campaign.segment");
    if (!segment.ok()) {
      return InvalidFieldError("campaign.segment",
                               "must be of the form segments/{segment}");
    }
    record.segment_id = *segment;
  }
  return record;
}

bool CampaignReaches(const CampaignRecord& campaign, absl::string_view tier,
                     absl::Time now) {
  if (now < campaign.start_time || now >= campaign.end_time) return false;
  if (campaign.points_awarded >= campaign.points_budget) return false;
  if (campaign.tier_ids.empty()) return true;
  return std::find(campaign.tier_ids.begin(), campaign.tier_ids.end(), tier) !=
         campaign.tier_ids.end();
}

bool CampaignSegmentReaches(
    const CampaignRecord& campaign,
    const std::optional<std::vector<std::string>>& member_segments) {
  if (campaign.segment_id.empty()) return true;
  if (!member_segments.has_value()) return false;
  return std::find(member_segments->begin(), member_segments->end(),
                   campaign.segment_id) != member_segments->end();
}

int64_t CampaignBonus(const CampaignRecord& campaign, int64_t order_points) {
  if (order_points <= 0) return 0;
  const __int128 multiplied = static_cast<__int128>(order_points) *
                              (campaign.multiplier_percent - 100) / 100;
  const __int128 bonus = multiplied + campaign.bonus_points_per_order;
  return static_cast<int64_t>(std::min<__int128>(bonus, kMaxBonus));
}

std::string CampaignName(absl::string_view id) {
  return absl::StrCat("campaigns/", id);
}

v1::Campaign ToCampaignProto(const CampaignRecord& campaign) {
  v1::Campaign proto;
  proto.set_name(CampaignName(campaign.id));
  proto.set_display_name(campaign.display_name);
  *proto.mutable_start_time() =
      crm::common::ToProtoTimestamp(campaign.start_time);
  *proto.mutable_end_time() = crm::common::ToProtoTimestamp(campaign.end_time);
  for (const std::string& tier : campaign.tier_ids) proto.add_tier_ids(tier);
  proto.set_multiplier_percent(campaign.multiplier_percent);
  proto.set_bonus_points_per_order(campaign.bonus_points_per_order);
  proto.set_points_budget(campaign.points_budget);
  proto.set_points_awarded(campaign.points_awarded);
  proto.set_orders_rewarded(campaign.orders_rewarded);
  proto.set_marketing_channel(campaign.marketing_channel);
  proto.set_orders_skipped_without_consent(
      campaign.orders_skipped_without_consent);
  if (!campaign.segment_id.empty()) {
    proto.set_segment(absl::StrCat("segments/", campaign.segment_id));
  }
  *proto.mutable_create_time() =
      crm::common::ToProtoTimestamp(campaign.create_time);
  proto.set_etag(crm::common::EncodeEtag(campaign.version));
  return proto;
}

}  // namespace crm::loyalty

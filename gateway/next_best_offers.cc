#include "gateway/next_best_offers.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/timestamps.h"

namespace crm::gateway {
namespace {

using Score = segmentation::v1::CustomerScore;
using loyalty::v1::Campaign;

// Rule 1.
std::optional<Offer> WinBack(const OfferInputs& in) {
  if (!in.has_score) return std::nullopt;
  std::string why;
  if (in.lifecycle_stage == Score::AT_RISK ||
      in.lifecycle_stage == Score::CHURNED) {
    why = absl::StrCat("lifecycle stage ",
                       Score::LifecycleStage_Name(in.lifecycle_stage));
  } else if (in.rfm_segment == "At Risk" ||
             in.rfm_segment == "Can't Lose Them") {
    why = absl::StrCat("RFM segment \"", in.rfm_segment, "\"");
  } else {
    return std::nullopt;
  }
  if (in.value_tier == Score::HIGH) {
    absl::StrAppend(&why, "; HIGH value tier: worth a personal contact");
  }
  return Offer{OfferType::kWinBack, "", std::move(why)};
}

// Rule 2.
std::optional<Offer> TierUpgrade(const OfferInputs& in) {
  const TierProgress& progress = in.tier_progress;
  if (progress.next_tier.empty() || progress.points_to_next_tier <= 0 ||
      progress.points_to_next_tier * 5 >
          progress.next_tier_min_qualifying_points) {
    return std::nullopt;
  }
  const std::string& next = progress.next_tier_display_name.empty()
                                ? progress.next_tier
                                : progress.next_tier_display_name;
  return Offer{OfferType::kTierUpgrade, "",
               absl::StrCat(progress.points_to_next_tier,
                            " qualifying points short of tier ", next)};
}

bool ReachesMember(const Campaign& campaign, const std::string& tier,
                   absl::Time now) {
  if (common::FromProtoTimestamp(campaign.start_time()) > now ||
      common::FromProtoTimestamp(campaign.end_time()) <= now ||
      campaign.points_awarded() >= campaign.points_budget()) {
    return false;
  }
  if (campaign.tier_ids().empty()) return true;
  for (const std::string& tier_id : campaign.tier_ids()) {
    if (!tier.empty() && tier_id == tier) return true;
  }
  return false;
}

// Rule 3.
std::optional<Offer> RunningCampaign(const OfferInputs& in) {
  if (!in.marketing_consent) return std::nullopt;
  const Campaign* best = nullptr;
  for (const Campaign& campaign : in.campaigns) {
    if (!ReachesMember(campaign, in.tier_progress.current_tier, in.now)) {
      continue;
    }
    if (best == nullptr || common::FromProtoTimestamp(campaign.end_time()) <
                               common::FromProtoTimestamp(best->end_time())) {
      best = &campaign;
    }
  }
  if (best == nullptr) return std::nullopt;
  std::vector<std::string> bonus;
  if (best->multiplier_percent() > 100) {
    bonus.push_back(absl::StrCat(best->multiplier_percent(), "% points"));
  }
  if (best->bonus_points_per_order() > 0) {
    bonus.push_back(
        absl::StrCat("+", best->bonus_points_per_order(), " points per order"));
  }
  std::string reason = absl::StrCat(
      "campaign \"", best->display_name(), "\" runs until ",
      absl::FormatTime(absl::RFC3339_sec,
                       common::FromProtoTimestamp(best->end_time()),
                       absl::UTCTimeZone()),
      best->tier_ids().empty()
          ? " for every member"
          : absl::StrCat(" for tier ", in.tier_progress.current_tier));
  if (!bonus.empty()) {
    absl::StrAppend(&reason, ": ", absl::StrJoin(bonus, ", "));
  }
  return Offer{OfferType::kCampaign, best->name(), std::move(reason)};
}

// Rule 4.
std::optional<Offer> ByStage(const OfferInputs& in) {
  if (!in.has_score || in.lifecycle_stage == Score::PROSPECT ||
      in.lifecycle_stage == Score::LIFECYCLE_STAGE_UNSPECIFIED) {
    return Offer{OfferType::kFirstPurchase, "", "no purchase yet"};
  }
  const std::string tier = Score::ValueTier_Name(in.value_tier);
  switch (in.lifecycle_stage) {
    case Score::NEW:
      return Offer{OfferType::kSecondPurchase, "",
                   "lifecycle stage NEW: one purchase day so far"};
    case Score::REACTIVATED:
      return Offer{OfferType::kWelcomeBack, "",
                   "lifecycle stage REACTIVATED: bought again after churning"};
    case Score::ACTIVE:
    case Score::LOYAL: {
      const std::string stage = absl::StrCat(
          "lifecycle stage ", Score::LifecycleStage_Name(in.lifecycle_stage));
      if (in.value_tier == Score::HIGH || in.rfm_segment == "Champions") {
        return Offer{OfferType::kVipPerk, "",
                     in.value_tier == Score::HIGH
                         ? absl::StrCat(stage, ", HIGH value tier")
                         : absl::StrCat(stage, ", RFM segment \"Champions\"")};
      }
      if (in.value_tier == Score::MEDIUM) {
        return Offer{OfferType::kCrossSell, "",
                     absl::StrCat(stage, ", MEDIUM value tier")};
      }
      return Offer{OfferType::kBasketBuilder, "",
                   absl::StrCat(stage, ", ",
                                in.value_tier == Score::LOW ? "LOW value tier"
                                                            : "no value tier")};
    }
    default:  // AT_RISK, CHURNED: rule 1.
      return std::nullopt;
  }
}

}  // namespace

absl::string_view OfferTypeName(OfferType type) {
  switch (type) {
    case OfferType::kWinBack:
      return "WIN_BACK";
    case OfferType::kTierUpgrade:
      return "TIER_UPGRADE";
    case OfferType::kCampaign:
      return "CAMPAIGN";
    case OfferType::kFirstPurchase:
      return "FIRST_PURCHASE";
    case OfferType::kSecondPurchase:
      return "SECOND_PURCHASE";
    case OfferType::kWelcomeBack:
      return "WELCOME_BACK";
    case OfferType::kVipPerk:
      return "VIP_PERK";
    case OfferType::kCrossSell:
      return "CROSS_SELL";
    case OfferType::kBasketBuilder:
      return "BASKET_BUILDER";
  }
  return "UNKNOWN";
}

std::vector<Offer> NextBestOffers(const OfferInputs& inputs) {
  std::vector<Offer> offers;
  for (auto rule : {WinBack, TierUpgrade, RunningCampaign, ByStage}) {
    if (offers.size() >= static_cast<size_t>(kMaxOffers)) break;
    if (std::optional<Offer> offer = rule(inputs)) {
      offers.push_back(*std::move(offer));
    }
  }
  return offers;
}

}  // namespace crm::gateway

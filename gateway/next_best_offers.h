// Next-best offers: the pure function behind the customer 360 view's
// `nextBestOffers` part. From what segmentation says a customer is (RFM
// segment, value tier, lifecycle stage), where the customer stands in the
// loyalty programme (tier, progress to the next) and the loyalty campaigns
// running now, a short ordered list of what to offer, each with its reason.
//
//   OfferInputs inputs;  // filled from GetCustomer's consents,
//                        // ListCustomerSegments' score, GetAccount +
//                        // GetProgram, ListCampaigns
//   std::vector<Offer> offers = NextBestOffers(inputs);
//   // [{kTierUpgrade, "", "80 qualifying points short of Gold"}, ...]
//
// The rules, in the order their offers are listed (at most kMaxOffers, at
// most one offer per type; rules that do not apply add nothing):
//   1. WIN_BACK       lifecycle stage AT_RISK or CHURNED, or RFM segment
//                     "At Risk" or "Can't Lose Them": a win-back incentive.
//                     For a HIGH value tier the reason says a personal
//                     contact is worth it.
//   2. TIER_UPGRADE   the member has a next tier and is at most 20% of its
//                     threshold away from it (points_to_next_tier > 0 and
//                     points_to_next_tier * 5 <= the next threshold): a
//                     nudge to earn the rest.
//   3. CAMPAIGN       a campaign that reaches the member now: started
//                     (start_time <= now < end_time), budget not used up
//                     (points_awarded < points_budget), for every member or
//                     for the member's tier, and the customer has granted a
//                     marketing consent (EMAIL_MARKETING or SMS_MARKETING:
//                     a campaign is marketing). Of several, the one ending
//                     soonest (then the one listed first); `campaign` names
//                     it and the reason states its bonus and end.
//   4. by lifecycle stage and value tier, one of:
//        FIRST_PURCHASE  PROSPECT, or no score (no purchase yet);
//        SECOND_PURCHASE NEW (one purchase day);
//        WELCOME_BACK    REACTIVATED;
//        VIP_PERK        ACTIVE or LOYAL with a HIGH value tier or RFM
//                        segment "Champions";
//        CROSS_SELL      ACTIVE or LOYAL with a MEDIUM value tier;
//        BASKET_BUILDER  ACTIVE or LOYAL with a LOW (or no) value tier;
//      nothing for AT_RISK and CHURNED (rule 1 covers them).
// The customer's other segment memberships do not enter the rules:
// segments are rules staff define, and campaigns target tiers, not segments.
// The function has no side effects and reads no clock (`now` is an input).
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/campaign.pb.h"
#include "crm/segmentation/v1/customer_score.pb.h"
#include "gateway/tier_progress.h"

namespace crm::gateway {

inline constexpr int kMaxOffers = 3;

enum class OfferType {
  kWinBack,
  kTierUpgrade,
  kCampaign,
  kFirstPurchase,
  kSecondPurchase,
  kWelcomeBack,
  kVipPerk,
  kCrossSell,
  kBasketBuilder,
};

// "WIN_BACK", "TIER_UPGRADE", "CAMPAIGN", "FIRST_PURCHASE",
// "SECOND_PURCHASE", "WELCOME_BACK", "VIP_PERK", "CROSS_SELL",
// "BASKET_BUILDER".
absl::string_view OfferTypeName(OfferType type);

struct OfferInputs {
  // From segmentation's CustomerScore; has_score false when the customer
  // has none (no orders yet): then stage and tier are ignored.
  bool has_score = false;
  segmentation::v1::CustomerScore::LifecycleStage lifecycle_stage =
      segmentation::v1::CustomerScore::LIFECYCLE_STAGE_UNSPECIFIED;
  segmentation::v1::CustomerScore::ValueTier value_tier =
      segmentation::v1::CustomerScore::VALUE_TIER_UNSPECIFIED;
  std::string rfm_segment;  // "Champions"; "" when not scored.
  // From customer-profile: EMAIL_MARKETING or SMS_MARKETING is GRANTED.
  bool marketing_consent = false;
  // From loyalty: the member's tier and progress (ComputeTierProgress) and
  // the campaigns listed (any state; the rules pick the running ones).
  TierProgress tier_progress;
  std::vector<loyalty::v1::Campaign> campaigns;
  absl::Time now;
};

struct Offer {
  OfferType type;
  // CAMPAIGN: the campaign, `campaigns/{campaign}`; "" otherwise.
  std::string campaign;
  // Why this offer, in words for staff (no personal data).
  std::string reason;
};

// The offers for `inputs` by the rules above, best first.
std::vector<Offer> NextBestOffers(const OfferInputs& inputs);

}  // namespace crm::gateway

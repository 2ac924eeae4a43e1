// NextBestOffers: each documented rule, their order and the cap.
#include "gateway/next_best_offers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/timestamps.h"

namespace crm::gateway {
namespace {

using Score = ::crm::segmentation::v1::CustomerScore;
using ::crm::loyalty::v1::Campaign;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);

std::vector<std::string> Types(const std::vector<Offer>& offers) {
  std::vector<std::string> types;
  for (const Offer& offer : offers) {
    types.emplace_back(OfferTypeName(offer.type));
  }
  return types;
}

OfferInputs Scored(Score::LifecycleStage stage, Score::ValueTier tier,
                   const std::string& rfm_segment = "") {
  OfferInputs inputs;
  inputs.has_score = true;
  inputs.lifecycle_stage = stage;
  inputs.value_tier = tier;
  inputs.rfm_segment = rfm_segment;
  inputs.marketing_consent = true;
  inputs.now = kNow;
  return inputs;
}

// A campaign running from `start` to `end` around kNow.
Campaign RunningCampaign(const std::string& id, absl::Duration start,
                         absl::Duration end) {
  Campaign campaign;
  campaign.set_name("campaigns/" + id);
  campaign.set_display_name("Double points " + id);
  *campaign.mutable_start_time() = common::ToProtoTimestamp(kNow + start);
  *campaign.mutable_end_time() = common::ToProtoTimestamp(kNow + end);
  campaign.set_multiplier_percent(200);
  campaign.set_bonus_points_per_order(50);
  campaign.set_points_budget(10000);
  campaign.set_points_awarded(100);
  return campaign;
}

TEST(NextBestOffersTest, AProspectGetsAFirstPurchaseOffer) {
  OfferInputs unscored;
  unscored.now = kNow;
  std::vector<Offer> offers = NextBestOffers(unscored);
  ASSERT_THAT(Types(offers), ElementsAre("FIRST_PURCHASE"));
  EXPECT_EQ(offers[0].reason, "no purchase yet");
  EXPECT_EQ(offers[0].campaign, "");
  EXPECT_THAT(Types(NextBestOffers(
                  Scored(Score::PROSPECT, Score::VALUE_TIER_UNSPECIFIED))),
              ElementsAre("FIRST_PURCHASE"));
}

TEST(NextBestOffersTest, EachLifecycleStageAndValueTierHasItsOffer) {
  EXPECT_THAT(Types(NextBestOffers(Scored(Score::NEW, Score::LOW))),
              ElementsAre("SECOND_PURCHASE"));
  EXPECT_THAT(Types(NextBestOffers(Scored(Score::REACTIVATED, Score::LOW))),
              ElementsAre("WELCOME_BACK"));
  EXPECT_THAT(Types(NextBestOffers(Scored(Score::ACTIVE, Score::HIGH))),
              ElementsAre("VIP_PERK"));
  EXPECT_THAT(
      Types(NextBestOffers(Scored(Score::LOYAL, Score::MEDIUM, "Champions"))),
      ElementsAre("VIP_PERK"));
  EXPECT_THAT(Types(NextBestOffers(Scored(Score::LOYAL, Score::MEDIUM))),
              ElementsAre("CROSS_SELL"));
  EXPECT_THAT(Types(NextBestOffers(Scored(Score::ACTIVE, Score::LOW))),
              ElementsAre("BASKET_BUILDER"));
  std::vector<Offer> basket =
      NextBestOffers(Scored(Score::ACTIVE, Score::VALUE_TIER_UNSPECIFIED));
  ASSERT_THAT(Types(basket), ElementsAre("BASKET_BUILDER"));
  EXPECT_EQ(basket[0].reason, "lifecycle stage ACTIVE, no value tier");
}

TEST(NextBestOffersTest, CustomersSlippingAwayGetAWinBackOfferOnly) {
  std::vector<Offer> churned =
      NextBestOffers(Scored(Score::CHURNED, Score::LOW));
  ASSERT_THAT(Types(churned), ElementsAre("WIN_BACK"));
  EXPECT_EQ(churned[0].reason, "lifecycle stage CHURNED");
  std::vector<Offer> valuable =
      NextBestOffers(Scored(Score::AT_RISK, Score::HIGH));
  ASSERT_THAT(Types(valuable), ElementsAre("WIN_BACK"));
  EXPECT_THAT(valuable[0].reason, HasSubstr("personal contact"));
  // The RFM segment alone is enough; the stage offer follows.
  std::vector<Offer> by_rfm =
      NextBestOffers(Scored(Score::ACTIVE, Score::MEDIUM, "Can't Lose Them"));
  ASSERT_THAT(Types(by_rfm), ElementsAre("WIN_BACK", "CROSS_SELL"));
  EXPECT_EQ(by_rfm[0].reason, "RFM segment \"Can't Lose Them\"");
  EXPECT_THAT(
      Types(NextBestOffers(Scored(Score::ACTIVE, Score::LOW, "At Risk"))),
      ElementsAre("WIN_BACK", "BASKET_BUILDER"));
}

TEST(NextBestOffersTest, ATierUpgradeIsOfferedWithinAFifthOfItsThreshold) {
  OfferInputs inputs = Scored(Score::ACTIVE, Score::LOW);
  inputs.tier_progress.next_tier = "gold";
  inputs.tier_progress.next_tier_display_name = "Gold";
  inputs.tier_progress.next_tier_min_qualifying_points = 1000;
  inputs.tier_progress.points_to_next_tier = 200;
  std::vector<Offer> close = NextBestOffers(inputs);
  ASSERT_THAT(Types(close), ElementsAre("TIER_UPGRADE", "BASKET_BUILDER"));
  EXPECT_EQ(close[0].reason, "200 qualifying points short of tier Gold");

  inputs.tier_progress.points_to_next_tier = 201;
  EXPECT_THAT(Types(NextBestOffers(inputs)), ElementsAre("BASKET_BUILDER"));
  inputs.tier_progress.points_to_next_tier = 0;  // Already qualifies.
  EXPECT_THAT(Types(NextBestOffers(inputs)), ElementsAre("BASKET_BUILDER"));
  inputs.tier_progress = TierProgress{};  // No next tier.
  EXPECT_THAT(Types(NextBestOffers(inputs)), ElementsAre("BASKET_BUILDER"));
}

TEST(NextBestOffersTest, OnlyACampaignReachingTheMemberNowIsOffered) {
  OfferInputs inputs = Scored(Score::NEW, Score::LOW);
  inputs.tier_progress.current_tier = "silver";
  Campaign ended = RunningCampaign("ended", -absl::Hours(48), -absl::Hours(1));
  Campaign future = RunningCampaign("future", absl::Hours(1), absl::Hours(48));
  Campaign spent = RunningCampaign("spent", -absl::Hours(1), absl::Hours(48));
  spent.set_points_awarded(spent.points_budget());
  Campaign gold_only =
      RunningCampaign("gold", -absl::Hours(1), absl::Hours(48));
  gold_only.add_tier_ids("gold");
  inputs.campaigns = {ended, future, spent, gold_only};
  EXPECT_THAT(Types(NextBestOffers(inputs)), ElementsAre("SECOND_PURCHASE"));

  // The end is exclusive, the start inclusive.
  Campaign ending_now =
      RunningCampaign("now", -absl::Hours(1), absl::ZeroDuration());
  Campaign starting_now =
      RunningCampaign("start", absl::ZeroDuration(), absl::Hours(2));
  inputs.campaigns = {ending_now, starting_now};
  std::vector<Offer> offers = NextBestOffers(inputs);
  ASSERT_THAT(Types(offers), ElementsAre("CAMPAIGN", "SECOND_PURCHASE"));
  EXPECT_EQ(offers[0].campaign, "campaigns/start");
}

TEST(NextBestOffersTest, OfSeveralCampaignsTheOneEndingSoonestIsOffered) {
  OfferInputs inputs = Scored(Score::ACTIVE, Score::MEDIUM);
  inputs.tier_progress.current_tier = "silver";
  Campaign later = RunningCampaign("later", -absl::Hours(1), absl::Hours(72));
  Campaign sooner = RunningCampaign("sooner", -absl::Hours(1), absl::Hours(24));
  sooner.add_tier_ids("bronze");
  sooner.add_tier_ids("silver");
  inputs.campaigns = {later, sooner};
  std::vector<Offer> offers = NextBestOffers(inputs);
  ASSERT_THAT(Types(offers), ElementsAre("CAMPAIGN", "CROSS_SELL"));
  EXPECT_EQ(offers[0].campaign, "campaigns/sooner");
  EXPECT_EQ(
      offers[0].reason,
      absl::StrCat("campaign \"Double points sooner\" runs until ",
                   absl::FormatTime(absl::RFC3339_sec, kNow + absl::Hours(24),
                                    absl::UTCTimeZone()),
                   " for tier silver: 200% points, +50 points per order"));
  // A member without a tier is reached only by campaigns for every member.
  inputs.tier_progress.current_tier = "";
  EXPECT_EQ(NextBestOffers(inputs)[0].campaign, "campaigns/later");
  // Without a marketing consent no campaign reaches the customer.
  inputs.marketing_consent = false;
  EXPECT_THAT(Types(NextBestOffers(inputs)), ElementsAre("CROSS_SELL"));
}

TEST(NextBestOffersTest, AtMostThreeOffersInRuleOrder) {
  OfferInputs inputs = Scored(Score::AT_RISK, Score::MEDIUM);
  inputs.tier_progress.next_tier = "gold";
  inputs.tier_progress.next_tier_min_qualifying_points = 1000;
  inputs.tier_progress.points_to_next_tier = 50;
  inputs.campaigns = {RunningCampaign("c", -absl::Hours(1), absl::Hours(1))};
  EXPECT_THAT(Types(NextBestOffers(inputs)),
              ElementsAre("WIN_BACK", "TIER_UPGRADE", "CAMPAIGN"));
  // A stage offer would be fourth: with a NEW customer it is cut.
  inputs.lifecycle_stage = Score::NEW;
  inputs.rfm_segment = "At Risk";
  std::vector<Offer> offers = NextBestOffers(inputs);
  EXPECT_EQ(offers.size(), static_cast<size_t>(kMaxOffers));
  EXPECT_THAT(Types(offers),
              ElementsAre("WIN_BACK", "TIER_UPGRADE", "CAMPAIGN"));
}

TEST(NextBestOffersTest, EveryTypeHasItsName) {
  EXPECT_EQ(OfferTypeName(OfferType::kWinBack), "WIN_BACK");
  EXPECT_EQ(OfferTypeName(OfferType::kTierUpgrade), "TIER_UPGRADE");
  EXPECT_EQ(OfferTypeName(OfferType::kCampaign), "CAMPAIGN");
  EXPECT_EQ(OfferTypeName(OfferType::kFirstPurchase), "FIRST_PURCHASE");
  EXPECT_EQ(OfferTypeName(OfferType::kSecondPurchase), "SECOND_PURCHASE");
  EXPECT_EQ(OfferTypeName(OfferType::kWelcomeBack), "WELCOME_BACK");
  EXPECT_EQ(OfferTypeName(OfferType::kVipPerk), "VIP_PERK");
  EXPECT_EQ(OfferTypeName(OfferType::kCrossSell), "CROSS_SELL");
  EXPECT_EQ(OfferTypeName(OfferType::kBasketBuilder), "BASKET_BUILDER");
  EXPECT_THAT(Types({}), IsEmpty());
}

}  // namespace
}  // namespace crm::gateway

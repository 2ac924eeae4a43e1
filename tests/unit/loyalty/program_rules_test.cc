// Programme settings: name, validation naming the field, and update masks.
#include "services/loyalty/program_rules.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"

namespace crm::loyalty {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
namespace reason = ::crm::type::v1;

v1::Program Valid() {
  v1::Program program;
  v1::EarnRate* rate = program.add_earn_rates();
  rate->set_currency_code("CNY");
  rate->set_points(1);
  rate->set_per_amount_minor(100);
  v1::Tier* silver = program.add_tiers();
  silver->set_tier_id("silver");
  silver->set_display_name("白银");
  v1::Tier* gold = program.add_tiers();
  gold->set_tier_id("gold");
  gold->set_min_qualifying_points(1000);
  gold->set_multiplier_percent(150);
  gold->add_benefits("免运费");
  program.set_qualification_window_days(365);
  program.set_downgrade_grace_days(30);
  program.mutable_expiry_policy()->set_mode(
      v1::ExpiryPolicy::END_OF_MONTH_AFTER_MONTHS);
  program.mutable_expiry_policy()->set_months(12);
  return program;
}

std::string FieldOf(const absl::Status& status) {
  return ErrorMetadataOf(status)["field"];
}

TEST(ProgramNameTest, OnlyTheDefaultProgrammeExists) {
  EXPECT_EQ(ProgramName("default"), "programs/default");
  EXPECT_EQ(*ParseProgramName("programs/default", "name"), "default");
  const absl::Status other =
      ParseProgramName("programs/other", "name").status();
  EXPECT_EQ(other.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(other), reason::RESOURCE_NOT_FOUND);
  const absl::Status bad = ParseProgramName("program/default", "name").status();
  EXPECT_EQ(ReasonOf(bad), reason::FIELD_INVALID);
  EXPECT_EQ(FieldOf(bad), "name");
}

TEST(ValidateProgramSettingsTest, AcceptsValidAndEmptySettings) {
  EXPECT_TRUE(ValidateProgramSettings(Valid()).ok());
  EXPECT_TRUE(ValidateProgramSettings(v1::Program()).ok());
  v1::Program referrals = Valid();
  referrals.mutable_referral_policy()->set_referrer_points(1'000'000);
  referrals.mutable_referral_policy()->set_referred_points(0);
  EXPECT_TRUE(ValidateProgramSettings(referrals).ok());
}

TEST(ValidateProgramSettingsTest, NamesTheFirstOffendingField) {
  struct Case {
    std::string field;
    void (*mutate)(v1::Program&);
  };
  const std::vector<Case> cases = {
      {"program.earn_rates[0].currency_code",
       [](v1::Program& p) {
         p.mutable_earn_rates(0)->set_currency_code("cny");
       }},
      {"program.earn_rates[1].currency_code",
       [](v1::Program& p) { p.add_earn_rates()->CopyFrom(p.earn_rates(0)); }},
      {"program.earn_rates[0].points",
       [](v1::Program& p) { p.mutable_earn_rates(0)->set_points(0); }},
      {"program.earn_rates[0].per_amount_minor",
       [](v1::Program& p) {
         p.mutable_earn_rates(0)->set_per_amount_minor(-1);
       }},
      {"program.tiers[1].tier_id",
       [](v1::Program& p) { p.mutable_tiers(1)->set_tier_id("Gold"); }},
      {"program.tiers[1].tier_id",
       [](v1::Program& p) { p.mutable_tiers(1)->set_tier_id("silver"); }},
      {"program.tiers[1].min_qualifying_points",
       [](v1::Program& p) {
         p.mutable_tiers(1)->set_min_qualifying_points(0);
       }},
      {"program.tiers[1].multiplier_percent",
       [](v1::Program& p) { p.mutable_tiers(1)->set_multiplier_percent(50); }},
      {"program.tiers[1].benefits[0]",
       [](v1::Program& p) { p.mutable_tiers(1)->set_benefits(0, " "); }},
      {"program.qualification_window_days",
       [](v1::Program& p) { p.set_qualification_window_days(-1); }},
      {"program.downgrade_grace_days",
       [](v1::Program& p) { p.set_downgrade_grace_days(4000); }},
      {"program.expiry_policy.months",
       [](v1::Program& p) { p.mutable_expiry_policy()->set_months(121); }},
      {"program.expiry_policy.months",
       [](v1::Program& p) {
         p.mutable_expiry_policy()->set_mode(
             v1::ExpiryPolicy::MONTHS_AFTER_EARN);
         p.mutable_expiry_policy()->set_months(0);
       }},
      {"program.expiry_policy.months",
       [](v1::Program& p) {
         p.mutable_expiry_policy()->set_mode(v1::ExpiryPolicy::NEVER);
       }},
      {"program.referral_policy.referrer_points",
       [](v1::Program& p) {
         p.mutable_referral_policy()->set_referrer_points(-1);
       }},
      {"program.referral_policy.referred_points",
       [](v1::Program& p) {
         p.mutable_referral_policy()->set_referred_points(1'000'001);
       }},
  };
  for (const Case& c : cases) {
    v1::Program program = Valid();
    c.mutate(program);
    const absl::Status status = ValidateProgramSettings(program);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_EQ(ReasonOf(status), reason::FIELD_INVALID) << c.field;
    EXPECT_EQ(FieldOf(status), c.field);
  }
}

TEST(MergeProgramUpdateTest, MaskSelectsTheReplacedFields) {
  const v1::Program stored = Valid();
  v1::Program incoming;
  incoming.set_downgrade_grace_days(7);
  incoming.set_name("programs/default");
  incoming.set_etag("ignored");

  // No mask: the fields set in the body.
  absl::StatusOr<v1::Program> merged =
      MergeProgramUpdate(stored, incoming, google::protobuf::FieldMask());
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->downgrade_grace_days(), 7);
  EXPECT_EQ(merged->tiers_size(), 2);
  EXPECT_EQ(merged->earn_rates_size(), 1);
  EXPECT_TRUE(merged->name().empty());
  EXPECT_TRUE(merged->etag().empty());

  // A mask naming tiers clears them when the body has none.
  google::protobuf::FieldMask mask;
  mask.add_paths("tiers");
  mask.add_paths("etag");
  merged = MergeProgramUpdate(stored, incoming, mask);
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->tiers_size(), 0);
  EXPECT_EQ(merged->downgrade_grace_days(), 30);

  // "*" replaces everything updatable.
  mask.Clear();
  mask.add_paths("*");
  merged = MergeProgramUpdate(stored, incoming, mask);
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->earn_rates_size(), 0);
  EXPECT_FALSE(merged->has_expiry_policy());
  EXPECT_EQ(merged->downgrade_grace_days(), 7);

  // The referral policy is replaced as a whole.
  v1::Program with_policy = stored;
  with_policy.mutable_referral_policy()->set_referrer_points(100);
  with_policy.mutable_referral_policy()->set_referred_points(50);
  v1::Program new_policy;
  new_policy.mutable_referral_policy()->set_referrer_points(10);
  mask.Clear();
  mask.add_paths("referral_policy");
  merged = MergeProgramUpdate(with_policy, new_policy, mask);
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->referral_policy().referrer_points(), 10);
  EXPECT_EQ(merged->referral_policy().referred_points(), 0);
  EXPECT_EQ(merged->tiers_size(), 2);
  merged =
      MergeProgramUpdate(with_policy, incoming, google::protobuf::FieldMask());
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->referral_policy().referrer_points(), 100);

  mask.Clear();
  mask.add_paths("tiers.tier_id");
  const absl::Status unknown =
      MergeProgramUpdate(stored, incoming, mask).status();
  EXPECT_EQ(ReasonOf(unknown), reason::FIELD_INVALID);
  EXPECT_EQ(FieldOf(unknown), "update_mask");
}

}  // namespace
}  // namespace crm::loyalty

// Campaigns over the in-memory fakes: validation naming the field, the
// bonus arithmetic, and the bonus granted on orders — only while running,
// only to the tiers named, at most once per order and campaign, cut to the
// budget left and clawed back with the order's points on a refund — and only
// to members with the marketing consent of the campaign's channel, counting
// the orders skipped for want of it.
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/timestamps.h"
#include "services/loyalty/campaign_manager.h"
#include "services/loyalty/campaign_rules.h"
#include "services/loyalty/ledger_rules.h"
#include "services/loyalty/order_earning.h"
#include "tests/testing/fakes/consents/in_memory_consent_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_account_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_campaign_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_program_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
namespace cp = ::crm::customerprofile::v1;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

v1::Campaign ValidCampaign() {
  v1::Campaign campaign;
  campaign.set_display_name("Double points week");
  *campaign.mutable_start_time() = crm::common::ToProtoTimestamp(kStart);
  *campaign.mutable_end_time() =
      crm::common::ToProtoTimestamp(kStart + absl::Hours(24 * 7));
  campaign.set_multiplier_percent(200);
  campaign.set_points_budget(1000);
  return campaign;
}

// The message of `status`, which names the field.
std::string FieldOf(const absl::Status& status) {
  return std::string(status.message());
}

TEST(CampaignRulesTest, ValidationNamesTheField) {
  EXPECT_THAT(ValidateNewCampaign(ValidCampaign()).status(), IsOk());
  v1::Campaign campaign = ValidCampaign();
  campaign.set_display_name("  ");
  EXPECT_TRUE(absl::StrContains(FieldOf(ValidateNewCampaign(campaign).status()),
                                "campaign.display_name"));
  campaign = ValidCampaign();
  *campaign.mutable_end_time() = campaign.start_time();
  EXPECT_TRUE(absl::StrContains(FieldOf(ValidateNewCampaign(campaign).status()),
                                "campaign.end_time"));
  campaign = ValidCampaign();
  campaign.set_multiplier_percent(50);
  EXPECT_TRUE(absl::StrContains(FieldOf(ValidateNewCampaign(campaign).status()),
                                "campaign.multiplier_percent"));
  campaign.set_multiplier_percent(0);  // No bonus at all.
  EXPECT_EQ(ValidateNewCampaign(campaign).status().code(),
            absl::StatusCode::kInvalidArgument);
  campaign.set_bonus_points_per_order(5);
  EXPECT_THAT(ValidateNewCampaign(campaign).status(), IsOk());
  campaign = ValidCampaign();
  campaign.set_points_budget(0);
  EXPECT_TRUE(absl::StrContains(FieldOf(ValidateNewCampaign(campaign).status()),
                                "campaign.points_budget"));
  campaign = ValidCampaign();
  campaign.add_tier_ids("Gold,Silver");
  EXPECT_TRUE(absl::StrContains(FieldOf(ValidateNewCampaign(campaign).status()),
                                "campaign.tier_ids[0]"));
}

TEST(CampaignRulesTest, BonusAndReach) {
  CampaignRecord campaign;
  campaign.start_time = kStart;
  campaign.end_time = kStart + absl::Hours(1);
  campaign.multiplier_percent = 150;
  campaign.bonus_points_per_order = 3;
  campaign.points_budget = 100;
  EXPECT_EQ(CampaignBonus(campaign, 11), 5 + 3);  // floor(11 × 0.5) + 3.
  EXPECT_EQ(CampaignBonus(campaign, 0), 0);
  EXPECT_TRUE(CampaignReaches(campaign, "", kStart));
  EXPECT_FALSE(CampaignReaches(campaign, "", kStart - absl::Seconds(1)));
  EXPECT_FALSE(CampaignReaches(campaign, "", kStart + absl::Hours(1)));
  campaign.tier_ids = {"gold"};
  EXPECT_FALSE(CampaignReaches(campaign, "", kStart));
  EXPECT_TRUE(CampaignReaches(campaign, "gold", kStart));
  campaign.points_awarded = 100;
  EXPECT_FALSE(CampaignReaches(campaign, "gold", kStart));
}

cp::ChangeEvent OrderEvent(cp::ChangeEvent::Type type,
                           const std::string& customer,
                           const std::string& order, int64_t amount,
                           int64_t refunded, int64_t sequence) {
  cp::ChangeEvent event;
  event.set_type(type);
  event.set_sequence(sequence);
  event.set_customer_name(absl::StrCat("customers/", customer));
  event.mutable_order()->set_name(
      absl::StrCat("customers/", customer, "/orders/", order));
  event.mutable_order()->mutable_amount()->set_currency_code("CNY");
  event.mutable_order()->mutable_amount()->set_amount_minor(amount);
  event.mutable_order()->mutable_refunded_amount()->set_currency_code("CNY");
  event.mutable_order()->mutable_refunded_amount()->set_amount_minor(refunded);
  return event;
}

class CampaignEarningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ProgramRecord program;
    program.id = "default";
    program.version = 1;
    v1::EarnRate* rate = program.settings.add_earn_rates();
    rate->set_currency_code("CNY");
    rate->set_points(1);
    rate->set_per_amount_minor(100);
    v1::Tier* gold = program.settings.add_tiers();
    gold->set_tier_id("gold");
    gold->set_min_qualifying_points(1000);
    gold->set_multiplier_percent(100);
    programs_.Put(program);
    // The members of the tests below agreed to email marketing.
    for (const char* customer : {"c0", "c1", "c2", "c3"}) {
      consents_.Put(customer, {Answer(cp::Consent::EMAIL_MARKETING,
                                      cp::Consent::GRANTED)});
    }
  }

  static crm::consents::ConsentAnswer Answer(cp::Consent::Purpose purpose,
                                             cp::Consent::Status status) {
    crm::consents::ConsentAnswer answer;
    answer.purpose = purpose;
    answer.status = status;
    return answer;
  }

  std::string Create(v1::Campaign campaign) {
    v1::CreateCampaignRequest request;
    *request.mutable_campaign() = std::move(campaign);
    absl::StatusOr<v1::Campaign> created = manager_.CreateCampaign({}, request);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->name().substr(strlen("campaigns/")) : "";
  }

  void Apply(const cp::ChangeEvent& event) {
    ASSERT_THAT(unit_of_work_.Run({},
                                  [&](crm::common::Transaction& tx) {
                                    return earning_.Apply(tx, event);
                                  }),
                IsOk());
  }

  void ExpectLedgerAddsUp(const std::string& customer) {
    std::optional<AccountRecord> account = accounts_.Account(customer);
    ASSERT_TRUE(account.has_value());
    int64_t lots = 0;
    for (const LotRecord& lot : accounts_.Lots(customer)) {
      lots += lot.remaining_points;
    }
    const v1::LedgerVerification proof =
        VerifyLedgerRecords(absl::StrCat("accounts/", customer), account,
                            accounts_.Entries(customer), lots);
    EXPECT_TRUE(proof.consistent()) << proof.DebugString();
  }

  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"e"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryAccountRepository accounts_{&unit_of_work_};
  crm::testing::InMemoryProgramRepository programs_{&unit_of_work_};
  crm::testing::InMemoryCampaignRepository campaigns_{&unit_of_work_};
  crm::testing::InMemoryConsentRepository consents_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository idempotency_{&unit_of_work_};
  CampaignManager manager_{unit_of_work_, campaigns_, idempotency_, clock_,
                           ids_};
  OrderEarning earning_{accounts_, programs_, campaigns_,
                        consents_, ids_,      clock_};
};

TEST_F(CampaignEarningTest, RunningCampaignsAddBonusesOncePerOrder) {
  const std::string doubled = Create(ValidCampaign());
  v1::Campaign fixed = ValidCampaign();
  fixed.set_multiplier_percent(0);
  fixed.set_bonus_points_per_order(7);
  const std::string plus_seven = Create(fixed);
  const cp::ChangeEvent order =
      OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "c1", "o1", 10000, 0, 1);
  Apply(order);
  Apply(order);
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 100 + 100 + 7);
  ASSERT_EQ(accounts_.Entries("c1").size(), 3u);
  EXPECT_EQ(accounts_.Entries("c1")[1].type, v1::LedgerEntry::BONUS);
  EXPECT_EQ(accounts_.Entries("c1")[1].idempotency_key,
            absl::StrCat("campaign:", doubled, ":customers/c1/orders/o1"));
  EXPECT_EQ(campaigns_.Campaign(doubled)->points_awarded, 100);
  EXPECT_EQ(campaigns_.Campaign(doubled)->orders_rewarded, 1);
  EXPECT_EQ(campaigns_.Campaign(plus_seven)->points_awarded, 7);
  // After the end: no bonus.
  clock_.Advance(absl::Hours(24 * 7));
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "c1", "o2", 1000, 0, 2));
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 207 + 10);
  ExpectLedgerAddsUp("c1");
}

TEST_F(CampaignEarningTest, TheBudgetIsNeverExceeded) {
  v1::Campaign campaign = ValidCampaign();
  campaign.set_points_budget(250);
  const std::string id = Create(campaign);
  for (int i = 0; i < 4; ++i) {
    Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, absl::StrCat("c", i),
                     "o1", 10000, 0, i + 1));
  }
  // 100 + 100 + 50 (cut) + 0.
  EXPECT_EQ(campaigns_.Campaign(id)->points_awarded, 250);
  EXPECT_EQ(campaigns_.Campaign(id)->orders_rewarded, 3);
  EXPECT_EQ(accounts_.Account("c2")->points_balance, 150);
  EXPECT_EQ(accounts_.Account("c3")->points_balance, 100);
  for (int i = 0; i < 4; ++i) ExpectLedgerAddsUp(absl::StrCat("c", i));
}

TEST_F(CampaignEarningTest, OnlyTheNamedTiersAreReached) {
  v1::Campaign campaign = ValidCampaign();
  campaign.add_tier_ids("gold");
  const std::string id = Create(campaign);
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "c1", "o1", 100000, 0, 1));
  // Not gold when the order arrived: 1000 points, no bonus; gold afterwards.
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 1000);
  EXPECT_EQ(accounts_.Account("c1")->tier, "gold");
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "c1", "o2", 10000, 0, 2));
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 1000 + 100 + 100);
  EXPECT_EQ(campaigns_.Campaign(id)->points_awarded, 100);
  ExpectLedgerAddsUp("c1");
}

TEST_F(CampaignEarningTest, ARefundClawsBackTheBonusWithThePoints) {
  Create(ValidCampaign());
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "c1", "o1", 10000, 0, 1));
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 200);
  Apply(
      OrderEvent(cp::ChangeEvent::ORDER_REFUNDED, "c1", "o1", 10000, 5000, 2));
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 100);
  ExpectLedgerAddsUp("c1");
}

TEST_F(CampaignEarningTest, MembersWithoutTheMarketingConsentAreSkipped) {
  const std::string id = Create(ValidCampaign());  // Any marketing channel.
  consents_.Put("c2", {});                         // Nothing known.
  consents_.Put("c3",
                {Answer(cp::Consent::EMAIL_MARKETING, cp::Consent::REVOKED),
                 Answer(cp::Consent::SMS_MARKETING, cp::Consent::DENIED),
                 Answer(cp::Consent::PROFILING, cp::Consent::GRANTED)});
  consents_.Put("c4",
                {Answer(cp::Consent::SMS_MARKETING, cp::Consent::GRANTED)});
  for (const char* customer : {"c1", "c2", "c3", "c4", "c5"}) {
    Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, customer, "o1", 10000, 0,
                     1));
  }
  // c1 (email) and c4 (SMS) are reached; c2, c3 and c5 (never seen on the
  // feed) earn their own points only.
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 200);
  EXPECT_EQ(accounts_.Account("c4")->points_balance, 200);
  for (const char* customer : {"c2", "c3", "c5"}) {
    EXPECT_EQ(accounts_.Account(customer)->points_balance, 100) << customer;
    ExpectLedgerAddsUp(customer);
  }
  EXPECT_EQ(campaigns_.Campaign(id)->orders_rewarded, 2);
  EXPECT_EQ(campaigns_.Campaign(id)->points_awarded, 200);
  EXPECT_EQ(campaigns_.Campaign(id)->orders_skipped_without_consent, 3);
  EXPECT_EQ(ToCampaignProto(*campaigns_.Campaign(id))
                .orders_skipped_without_consent(),
            3);
  // A redelivered order is not counted again.
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "c2", "o1", 10000, 0, 1));
  EXPECT_EQ(campaigns_.Campaign(id)->orders_skipped_without_consent, 3);
}

TEST_F(CampaignEarningTest, TheCampaignsChannelDecidesTheConsentNeeded) {
  v1::Campaign by_sms = ValidCampaign();
  by_sms.set_marketing_channel(v1::Campaign::SMS);
  const std::string sms = Create(by_sms);
  v1::Campaign by_email = ValidCampaign();
  by_email.set_multiplier_percent(0);
  by_email.set_bonus_points_per_order(7);
  by_email.set_marketing_channel(v1::Campaign::EMAIL);
  const std::string email = Create(by_email);
  EXPECT_EQ(campaigns_.Campaign(sms)->marketing_channel, v1::Campaign::SMS);
  // c1 agreed to email only.
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "c1", "o1", 10000, 0, 1));
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 100 + 7);
  EXPECT_EQ(campaigns_.Campaign(sms)->orders_skipped_without_consent, 1);
  EXPECT_EQ(campaigns_.Campaign(email)->orders_skipped_without_consent, 0);
  ExpectLedgerAddsUp("c1");
}

TEST_F(CampaignEarningTest, AnUnknownChannelIsRefusedNamingTheField) {
  v1::Campaign campaign = ValidCampaign();
  campaign.set_marketing_channel(
      static_cast<v1::Campaign::MarketingChannel>(9));
  EXPECT_TRUE(absl::StrContains(FieldOf(ValidateNewCampaign(campaign).status()),
                                "campaign.marketing_channel"));
}

}  // namespace
}  // namespace crm::loyalty

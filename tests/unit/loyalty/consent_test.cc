// Consents over the in-memory fakes: the purpose each action needs
// (consent_policy.h, default deny), the answers kept from customer-profile's
// feed (consent_tracker.h: replaced per event, the same event twice or a
// stale one changing nothing, merges and erasures), a revocation on the
// feed stopping the next campaign bonus, and bulk coupon issue
// (coupon_issue.h) reaching only customers with consent.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/timestamps.h"
#include "services/consents/consent_tracker.h"
#include "services/loyalty/campaign_rules.h"
#include "services/loyalty/consent_policy.h"
#include "services/loyalty/coupon_issue.h"
#include "services/loyalty/order_earning.h"
#include "tests/testing/fakes/consents/in_memory_consent_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_account_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_campaign_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_program_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_reward_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
namespace cp = ::crm::customerprofile::v1;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

crm::consents::ConsentAnswer Answer(cp::Consent::Purpose purpose,
                                    cp::Consent::Status status) {
  crm::consents::ConsentAnswer answer;
  answer.purpose = purpose;
  answer.status = status;
  return answer;
}

TEST(ConsentPolicyTest, MarketingNeedsAGrantedConsentOfTheChannel) {
  CampaignRecord campaign;  // Channel unspecified: email or SMS.
  EXPECT_FALSE(CampaignMayReach(campaign, {}));  // Unknown: denied.
  EXPECT_FALSE(CampaignMayReach(
      campaign, {Answer(cp::Consent::EMAIL_MARKETING, cp::Consent::DENIED),
                 Answer(cp::Consent::SMS_MARKETING, cp::Consent::REVOKED),
                 Answer(cp::Consent::DATA_PROCESSING, cp::Consent::GRANTED),
                 Answer(cp::Consent::PROFILING, cp::Consent::GRANTED)}));
  EXPECT_TRUE(CampaignMayReach(
      campaign, {Answer(cp::Consent::SMS_MARKETING, cp::Consent::GRANTED)}));
  campaign.marketing_channel = v1::Campaign::EMAIL;
  EXPECT_FALSE(CampaignMayReach(
      campaign, {Answer(cp::Consent::SMS_MARKETING, cp::Consent::GRANTED)}));
  EXPECT_TRUE(CampaignMayReach(
      campaign, {Answer(cp::Consent::EMAIL_MARKETING, cp::Consent::GRANTED)}));
  EXPECT_EQ(CampaignConsentPurposes(v1::Campaign::SMS),
            std::vector<cp::Consent::Purpose>{cp::Consent::SMS_MARKETING});
  EXPECT_FALSE(AnyGranted(
      {Answer(cp::Consent::PURPOSE_UNSPECIFIED, cp::Consent::GRANTED)},
      CampaignConsentPurposes(v1::Campaign::MARKETING_CHANNEL_UNSPECIFIED)));
}

class ConsentTrackingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ProgramRecord program;
    program.id = "default";
    program.version = 1;
    v1::EarnRate* rate = program.settings.add_earn_rates();
    rate->set_currency_code("CNY");
    rate->set_points(1);
    rate->set_per_amount_minor(100);
    programs_.Put(program);
  }

  // A CUSTOMER_UPDATED event of `customer` with `answers`.
  static cp::ChangeEvent Updated(
      const std::string& customer, int64_t sequence,
      const std::vector<std::pair<cp::Consent::Purpose, cp::Consent::Status>>&
          answers,
      cp::Customer::State state = cp::Customer::ACTIVE) {
    cp::ChangeEvent event;
    event.set_type(cp::ChangeEvent::CUSTOMER_UPDATED);
    event.set_sequence(sequence);
    event.set_customer_name(absl::StrCat("customers/", customer));
    event.mutable_customer()->set_name(event.customer_name());
    event.mutable_customer()->set_state(state);
    for (const auto& [purpose, status] : answers) {
      cp::Consent* consent = event.mutable_customer()->add_consents();
      consent->set_purpose(purpose);
      consent->set_status(status);
      *consent->mutable_update_time() = crm::common::ToProtoTimestamp(kStart);
    }
    return event;
  }

  static cp::ChangeEvent Order(const std::string& customer,
                               const std::string& order, int64_t sequence) {
    cp::ChangeEvent event;
    event.set_type(cp::ChangeEvent::ORDER_RECORDED);
    event.set_sequence(sequence);
    event.set_customer_name(absl::StrCat("customers/", customer));
    event.mutable_order()->set_name(
        absl::StrCat("customers/", customer, "/orders/", order));
    event.mutable_order()->mutable_amount()->set_currency_code("CNY");
    event.mutable_order()->mutable_amount()->set_amount_minor(10000);
    return event;
  }

  absl::Status Track(const cp::ChangeEvent& event) {
    return unit_of_work_.Run({}, [&](crm::common::Transaction& tx) {
      return tracker_.Apply(tx, event);
    });
  }

  void Earn(const cp::ChangeEvent& event) {
    ASSERT_THAT(unit_of_work_.Run({},
                                  [&](crm::common::Transaction& tx) {
                                    return earning_.Apply(tx, event);
                                  }),
                IsOk());
  }

  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"e"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryAccountRepository accounts_{&unit_of_work_};
  crm::testing::InMemoryProgramRepository programs_{&unit_of_work_};
  crm::testing::InMemoryCampaignRepository campaigns_{&unit_of_work_};
  crm::testing::InMemoryConsentRepository consents_{&unit_of_work_};
  crm::testing::InMemoryRewardRepository rewards_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  crm::consents::ConsentTracker tracker_{consents_};
  CouponIssuer issuer_{
      unit_of_work_, rewards_, accounts_, consents_,
      keys_,         clock_,   ids_,      CsprngCouponCodes::Instance()};
  OrderEarning earning_{accounts_, programs_, campaigns_,
                        consents_, ids_,      clock_};
};

TEST_F(ConsentTrackingTest,
       EachEventReplacesTheAnswersAndRepeatsChangeNothing) {
  const cp::ChangeEvent granted =
      Updated("c1", 5,
              {{cp::Consent::EMAIL_MARKETING, cp::Consent::GRANTED},
               {cp::Consent::PROFILING, cp::Consent::DENIED}});
  ASSERT_THAT(Track(granted), IsOk());
  const std::vector<crm::consents::ConsentAnswer> first =
      consents_.Answers("c1");
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].purpose, cp::Consent::EMAIL_MARKETING);
  EXPECT_EQ(first[0].status, cp::Consent::GRANTED);
  EXPECT_EQ(first[0].answer_time, kStart);
  ASSERT_THAT(Track(granted), IsOk());
  EXPECT_EQ(consents_.Answers("c1"), first);

  // A later event without the profiling answer: it is no longer known.
  const cp::ChangeEvent revoked =
      Updated("c1", 9, {{cp::Consent::EMAIL_MARKETING, cp::Consent::REVOKED}});
  ASSERT_THAT(Track(revoked), IsOk());
  ASSERT_EQ(consents_.Answers("c1").size(), 1u);
  EXPECT_EQ(consents_.Answers("c1")[0].status, cp::Consent::REVOKED);
  // The older event again does not undo the revocation.
  ASSERT_THAT(Track(granted), IsOk());
  ASSERT_EQ(consents_.Answers("c1").size(), 1u);
  EXPECT_EQ(consents_.Answers("c1")[0].status, cp::Consent::REVOKED);
  // An update of a customer merged away is not its survivor's answer.
  ASSERT_THAT(
      Track(Updated("c1", 10,
                    {{cp::Consent::EMAIL_MARKETING, cp::Consent::GRANTED}},
                    cp::Customer::MERGED)),
      IsOk());
  EXPECT_EQ(consents_.Answers("c1")[0].status, cp::Consent::REVOKED);
  // An update showing the customer erased forgets them.
  ASSERT_THAT(Track(Updated("c1", 11, {}, cp::Customer::ERASED)), IsOk());
  EXPECT_FALSE(consents_.Knows("c1"));
}

TEST_F(ConsentTrackingTest, MergesTakeTheSurvivorsAnswersAndErasureForgets) {
  ASSERT_THAT(
      Track(Updated("dup", 1,
                    {{cp::Consent::SMS_MARKETING, cp::Consent::GRANTED}})),
      IsOk());
  cp::ChangeEvent merged = Updated(
      "keep", 2, {{cp::Consent::EMAIL_MARKETING, cp::Consent::GRANTED}});
  merged.set_type(cp::ChangeEvent::CUSTOMER_MERGED);
  merged.mutable_merge()->set_survivor("customers/keep");
  merged.mutable_merge()->set_duplicate("customers/dup");
  ASSERT_THAT(Track(merged), IsOk());
  ASSERT_THAT(Track(merged), IsOk());
  EXPECT_FALSE(consents_.Knows("dup"));
  ASSERT_EQ(consents_.Answers("keep").size(), 1u);
  EXPECT_EQ(consents_.Answers("keep")[0].purpose, cp::Consent::EMAIL_MARKETING);

  cp::ChangeEvent erased;
  erased.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  erased.set_sequence(3);
  erased.set_customer_name("customers/keep");
  ASSERT_THAT(Track(erased), IsOk());
  EXPECT_FALSE(consents_.Knows("keep"));

  erased.set_customer_name("clients/keep");
  EXPECT_EQ(Track(erased).code(), absl::StatusCode::kDataLoss);
}

TEST_F(ConsentTrackingTest, ARevocationOnTheFeedStopsTheNextBonus) {
  CampaignRecord campaign;
  campaign.id = "spring";
  campaign.display_name = "Spring";
  campaign.start_time = kStart;
  campaign.end_time = kStart + absl::Hours(24);
  campaign.bonus_points_per_order = 50;
  campaign.points_budget = 1000;
  campaigns_.Put(campaign);

  ASSERT_THAT(
      Track(Updated("c1", 1,
                    {{cp::Consent::EMAIL_MARKETING, cp::Consent::GRANTED}})),
      IsOk());
  Earn(Order("c1", "o1", 2));
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 100 + 50);

  const cp::ChangeEvent revoked =
      Updated("c1", 3, {{cp::Consent::EMAIL_MARKETING, cp::Consent::REVOKED}});
  ASSERT_THAT(Track(revoked), IsOk());
  ASSERT_THAT(Track(revoked), IsOk());
  Earn(Order("c1", "o2", 4));
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 150 + 100);
  EXPECT_EQ(campaigns_.Campaign("spring")->orders_rewarded, 1);
  EXPECT_EQ(campaigns_.Campaign("spring")->orders_skipped_without_consent, 1);

  // Granted again: reached again.
  ASSERT_THAT(
      Track(Updated("c1", 5,
                    {{cp::Consent::EMAIL_MARKETING, cp::Consent::GRANTED}})),
      IsOk());
  Earn(Order("c1", "o3", 6));
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 250 + 150);
}

TEST_F(ConsentTrackingTest, BulkCouponsSkipCustomersWithoutConsent) {
  RewardRecord reward;
  reward.id = "r1";
  reward.display_name = "welcome";
  reward.point_cost = 1;
  reward.stock = 2;
  reward.coupon_validity_days = 30;
  ASSERT_THAT(unit_of_work_.Run({},
                                [&](crm::common::Transaction& tx) {
                                  return rewards_.InsertReward(tx, reward);
                                }),
              IsOk());
  ASSERT_THAT(
      Track(Updated("a", 1,
                    {{cp::Consent::EMAIL_MARKETING, cp::Consent::GRANTED}})),
      IsOk());
  ASSERT_THAT(
      Track(Updated("b", 2,
                    {{cp::Consent::EMAIL_MARKETING, cp::Consent::DENIED}})),
      IsOk());
  v1::IssueCouponsRequest request;
  request.set_reward("rewards/r1");
  request.add_customers("customers/a");
  request.add_customers("customers/b");
  request.add_customers("customers/c");  // Never seen: denied.
  request.set_marketing_channel(v1::Campaign::EMAIL);
  request.set_request_id("q1");
  absl::StatusOr<v1::IssueCouponsResponse> issued =
      issuer_.IssueCoupons({}, request);
  ASSERT_THAT(issued.status(), IsOk());
  ASSERT_EQ(issued->coupons_size(), 1);
  EXPECT_EQ(issued->coupons(0).customer(), "customers/a");
  EXPECT_EQ(issued->skipped_without_consent(), 2);
  EXPECT_EQ(rewards_.Reward("r1")->stock, 1);
  EXPECT_EQ(rewards_.coupon_count(), 1u);

  // a revokes: the next issue reaches no one; stock and coupons unchanged.
  ASSERT_THAT(
      Track(Updated("a", 3,
                    {{cp::Consent::EMAIL_MARKETING, cp::Consent::REVOKED}})),
      IsOk());
  request.set_request_id("q2");
  issued = issuer_.IssueCoupons({}, request);
  ASSERT_THAT(issued.status(), IsOk());
  EXPECT_EQ(issued->coupons_size(), 0);
  EXPECT_EQ(issued->skipped_without_consent(), 3);
  EXPECT_EQ(rewards_.Reward("r1")->stock, 1);

  // More customers with consent than stock: nothing is issued.
  for (const char* customer : {"a", "b"}) {
    ASSERT_THAT(
        Track(Updated(customer, 9,
                      {{cp::Consent::EMAIL_MARKETING, cp::Consent::GRANTED}})),
        IsOk());
  }
  request.set_request_id("q3");
  EXPECT_EQ(issuer_.IssueCoupons({}, request).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(rewards_.coupon_count(), 1u);

  // A duplicate merged into `a`, listed with it: one coupon, for `a`.
  AccountRecord duplicate;
  duplicate.customer_id = "dup";
  duplicate.merged_into = "a";
  accounts_.Put(duplicate);
  v1::IssueCouponsRequest both;
  both.set_reward("rewards/r1");
  both.add_customers("customers/dup");
  both.add_customers("customers/a");
  both.set_request_id("q5");
  issued = issuer_.IssueCoupons({}, both);
  ASSERT_THAT(issued.status(), IsOk());
  ASSERT_EQ(issued->coupons_size(), 1);
  EXPECT_EQ(issued->coupons(0).customer(), "customers/a");
  EXPECT_EQ(issued->skipped_without_consent(), 0);
  EXPECT_EQ(rewards_.Reward("r1")->stock, 0);

  request.set_request_id("q4");
  request.set_marketing_channel(static_cast<v1::Campaign::MarketingChannel>(7));
  EXPECT_EQ(issuer_.IssueCoupons({}, request).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.set_marketing_channel(v1::Campaign::EMAIL);
  request.clear_customers();
  EXPECT_EQ(issuer_.IssueCoupons({}, request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace crm::loyalty

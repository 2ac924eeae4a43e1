// Referrals over the in-memory fakes: a code is created once (a clash with
// another member's code retried with a new one), CreateReferral's checks
// and its idempotency, the reward on the first order through the feed's
// apply function (once, whatever the deliveries), and referrals following
// a merge and leaving an erased customer. Every ledger is verified after
// every scenario.
#include "services/loyalty/referral_manager.h"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/id_generator.h"
#include "services/loyalty/ledger_rules.h"
#include "services/loyalty/member_lifecycle.h"
#include "services/loyalty/order_earning.h"
#include "services/loyalty/profile_feed_apply.h"
#include "tests/testing/fakes/consents/in_memory_consent_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_account_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_campaign_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_program_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_referral_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_reward_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
namespace cp = ::crm::customerprofile::v1;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

// Hands out the scripted codes in order, then fresh ones.
class ScriptedCodes final : public CouponCodeGenerator {
 public:
  explicit ScriptedCodes(std::vector<std::string> codes)
      : codes_(std::move(codes)) {}
  absl::StatusOr<std::string> NewCode() const override {
    if (next_ < codes_.size()) return codes_[next_++];
    return CsprngCouponCodes::Instance().NewCode();
  }

 private:
  std::vector<std::string> codes_;
  mutable size_t next_ = 0;
};

cp::ChangeEvent Order(const std::string& customer, const std::string& order,
                      int64_t amount_cny) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::ORDER_RECORDED);
  event.set_customer_name(absl::StrCat("customers/", customer));
  event.mutable_order()->set_name(
      absl::StrCat("customers/", customer, "/orders/", order));
  event.mutable_order()->mutable_amount()->set_currency_code("CNY");
  event.mutable_order()->mutable_amount()->set_amount_minor(amount_cny * 100);
  return event;
}

cp::ChangeEvent Merge(const std::string& survivor,
                      const std::string& duplicate) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_MERGED);
  event.set_customer_name(absl::StrCat("customers/", survivor));
  event.mutable_merge()->set_survivor(absl::StrCat("customers/", survivor));
  event.mutable_merge()->set_duplicate(absl::StrCat("customers/", duplicate));
  return event;
}

cp::ChangeEvent Erase(const std::string& customer) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  event.set_customer_name(absl::StrCat("customers/", customer));
  return event;
}

class ReferralManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ProgramRecord program;
    program.id = "default";
    program.version = 1;
    v1::EarnRate* rate = program.settings.add_earn_rates();
    rate->set_currency_code("CNY");
    rate->set_points(1);
    rate->set_per_amount_minor(100);
    program.settings.mutable_referral_policy()->set_referrer_points(100);
    program.settings.mutable_referral_policy()->set_referred_points(50);
    programs_.Put(program);
  }

  void TearDown() override {
    for (const std::string& customer : accounts_.CustomerIds()) {
      std::optional<AccountRecord> account = accounts_.Account(customer);
      int64_t lots = 0;
      for (const LotRecord& lot : accounts_.Lots(customer)) {
        lots += lot.remaining_points;
      }
      const v1::LedgerVerification proof =
          VerifyLedgerRecords(absl::StrCat("accounts/", customer), account,
                              accounts_.Entries(customer), lots);
      EXPECT_TRUE(proof.consistent()) << proof.DebugString();
    }
  }

  void Apply(const cp::ChangeEvent& event) {
    ASSERT_THAT(unit_of_work_.Run({},
                                  [&](crm::common::Transaction& tx) {
                                    return ApplyProfileEvent(
                                        earning_, lifecycle_, consent_tracker_,
                                        tx, event);
                                  }),
                IsOk());
  }

  absl::StatusOr<v1::ReferralCode> Code(const std::string& customer) {
    v1::GetReferralCodeRequest request;
    request.set_name(absl::StrCat("customers/", customer, "/referralCode"));
    return manager_.GetReferralCode({}, request);
  }

  absl::StatusOr<v1::Referral> Refer(const std::string& referred,
                                     const std::string& code,
                                     const std::string& request_id) {
    v1::CreateReferralRequest request;
    request.mutable_referral()->set_referred(
        absl::StrCat("customers/", referred));
    request.mutable_referral()->set_referral_code(code);
    request.set_request_id(request_id);
    clock_.Advance(absl::Seconds(1));
    return manager_.CreateReferral({}, request);
  }

  int64_t Balance(const std::string& customer) {
    std::optional<AccountRecord> account = accounts_.Account(customer);
    return account.has_value() ? account->points_balance : 0;
  }

  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"e"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryAccountRepository accounts_{&unit_of_work_};
  crm::testing::InMemoryProgramRepository programs_{&unit_of_work_};
  crm::testing::InMemoryCampaignRepository campaigns_{&unit_of_work_};
  crm::testing::InMemoryConsentRepository consents_{&unit_of_work_};
  crm::testing::InMemoryRewardRepository rewards_{&unit_of_work_};
  crm::testing::InMemoryReferralRepository referrals_{&unit_of_work_,
                                                      &accounts_};
  crm::testing::InMemoryIdempotencyRepository idempotency_{&unit_of_work_};
  ScriptedCodes codes_{
      {"AAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBBBBBB"}};
  ReferralManager manager_{unit_of_work_, referrals_, accounts_, idempotency_,
                           clock_,        ids_,       codes_};
  OrderEarning earning_{accounts_, programs_, campaigns_, consents_,
                        ids_,      clock_,    &referrals_};
  MemberLifecycle lifecycle_{accounts_, rewards_, programs_,  ids_,
                             clock_,    nullptr,  &referrals_};
  crm::consents::ConsentTracker consent_tracker_{consents_};
};

TEST_F(ReferralManagerTest, CodeIsCreatedOnceAndAClashIsRetried) {
  absl::StatusOr<v1::ReferralCode> first = Code("a");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->code(), "AAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(first->name(), "customers/a/referralCode");
  // b's first code clashes with a's: the next one is taken.
  absl::StatusOr<v1::ReferralCode> second = Code("b");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->code(), "BBBBBBBBBBBBBBBBBBBB");
  EXPECT_EQ(Code("a")->code(), "AAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(referrals_.code_count(), 2u);
}

TEST_F(ReferralManagerTest, CreateReferralChecksAndIsIdempotent) {
  const std::string code = Code("a")->code();
  absl::StatusOr<v1::Referral> self = Refer("a", code, "r0");
  EXPECT_EQ(crm::common::ErrorMetadataOf(self.status())["field"],
            "referral.referral_code");
  absl::StatusOr<v1::Referral> unknown =
      Refer("b", "CCCCCCCCCCCCCCCCCCCC", "r0");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);

  absl::StatusOr<v1::Referral> created = Refer("b", code, "r1");
  ASSERT_TRUE(created.ok()) << created.status();
  absl::StatusOr<v1::Referral> repeated = Refer("b", code, "r1");
  ASSERT_TRUE(repeated.ok()) << repeated.status();
  EXPECT_EQ(repeated->name(), created->name());
  EXPECT_EQ(referrals_.All().size(), 1u);

  absl::StatusOr<v1::Referral> twice = Refer("b", code, "r2");
  EXPECT_EQ(crm::common::ReasonOf(twice.status()),
            crm::type::v1::RESOURCE_ALREADY_EXISTS);

  Apply(Order("c", "o1", 10));
  absl::StatusOr<v1::Referral> ordered = Refer("c", code, "r3");
  EXPECT_EQ(ordered.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(crm::common::ErrorMetadataOf(ordered.status())["field"],
            "referral.referred");
}

TEST_F(ReferralManagerTest, FirstOrderRewardsBothSidesOnce) {
  ASSERT_TRUE(Refer("b", Code("a")->code(), "r1").ok());
  for (int delivery = 0; delivery < 5; ++delivery) Apply(Order("b", "o1", 20));
  Apply(Order("b", "o2", 5));
  EXPECT_EQ(Balance("a"), 100);
  EXPECT_EQ(Balance("b"), 20 + 50 + 5);
  ASSERT_EQ(referrals_.All().size(), 1u);
  EXPECT_EQ(referrals_.All()[0].state, v1::Referral::REWARDED);
  EXPECT_EQ(referrals_.All()[0].reward_time, kStart + absl::Seconds(1));
}

TEST_F(ReferralManagerTest, MergeAndErasureMoveAndReKeyReferrals) {
  ASSERT_TRUE(Refer("x", Code("dup")->code(), "r1").ok());
  Apply(Merge("surv", "dup"));
  ASSERT_EQ(referrals_.All().size(), 1u);
  EXPECT_EQ(referrals_.All()[0].referrer_id, "surv");
  EXPECT_EQ(Code("surv")->code(), "AAAAAAAAAAAAAAAAAAAA");

  Apply(Erase("surv"));
  EXPECT_EQ(referrals_.code_count(), 0u);
  const ReferralRecord erased = referrals_.All()[0];
  EXPECT_EQ(erased.referrer_id.rfind("erased-", 0), 0u) << erased.referrer_id;
  EXPECT_EQ(erased.state, v1::Referral::CANCELLED);
  Apply(Order("x", "o1", 10));
  EXPECT_EQ(Balance("x"), 10);
}

}  // namespace
}  // namespace crm::loyalty

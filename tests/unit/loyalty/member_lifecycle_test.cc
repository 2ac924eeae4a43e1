// Merges and erasures from customer-profile's feed over the in-memory fakes:
// a merge moves every open lot by new entries on both ledgers (history kept,
// times kept), adds debts, moves order earnings and coupons, re-evaluates the
// survivor's tier on the points both earned, and sends the duplicate's late
// events to the survivor; an erasure forfeits the points, cancels issued
// coupons and leaves no record holding the customer id. Both ledgers are
// verified after every scenario.
#include "services/loyalty/member_lifecycle.h"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/status_macros.h"
#include "services/loyalty/account_family.h"
#include "services/loyalty/ledger_rules.h"
#include "services/loyalty/order_earning.h"
#include "services/loyalty/profile_feed_apply.h"
#include "tests/testing/fakes/consents/in_memory_consent_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
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

cp::ChangeEvent MergeEvent(const std::string& survivor,
                           const std::string& duplicate) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_MERGED);
  event.set_customer_name(absl::StrCat("customers/", survivor));
  event.mutable_merge()->set_survivor(absl::StrCat("customers/", survivor));
  event.mutable_merge()->set_duplicate(absl::StrCat("customers/", duplicate));
  return event;
}

cp::ChangeEvent EraseEvent(const std::string& customer) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  event.set_customer_name(absl::StrCat("customers/", customer));
  return event;
}

class MemberLifecycleTest : public ::testing::Test {
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
    gold->set_min_qualifying_points(150);
    gold->set_multiplier_percent(100);
    program.settings.mutable_expiry_policy()->set_mode(
        v1::ExpiryPolicy::MONTHS_AFTER_EARN);
    program.settings.mutable_expiry_policy()->set_months(12);
    programs_.Put(program);
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

  // Debits `points` from `customer` as a redemption.
  void Spend(const std::string& customer, int64_t points) {
    ASSERT_THAT(
        unit_of_work_.Run(
            {},
            [&](crm::common::Transaction& tx) -> absl::Status {
              CRM_ASSIGN_OR_RETURN(
                  AccountRecord account,
                  accounts_.LockOrCreate(tx, customer, clock_.Now()));
              LedgerPoster poster(accounts_, ids_);
              Posting spend;
              spend.type = v1::LedgerEntry::REDEEM;
              spend.points = points;
              spend.reason = "gift for Zhang San, 13800000000";
              spend.source = absl::StrCat("redeem:", customer);
              spend.time = clock_.Now();
              return poster.Debit(tx, account, spend, "points").status();
            }),
        IsOk());
  }

  void IssueCoupon(const std::string& id, const std::string& customer) {
    CouponRecord coupon;
    coupon.id = id;
    coupon.code = absl::StrCat("CODE", id);
    coupon.customer_id = customer;
    coupon.reward_id = "r1";
    coupon.state = v1::Coupon::ISSUED;
    coupon.issue_time = clock_.Now();
    coupon.expire_time = clock_.Now() + absl::Hours(24 * 30);
    ASSERT_THAT(unit_of_work_.Run({},
                                  [&](crm::common::Transaction& tx) {
                                    return rewards_.InsertCoupon(tx, coupon);
                                  }),
                IsOk());
  }

  void ExpectLedgerAddsUp(const std::string& customer) {
    std::optional<AccountRecord> account = accounts_.Account(customer);
    ASSERT_TRUE(account.has_value()) << customer;
    int64_t lots = 0;
    for (const LotRecord& lot : accounts_.Lots(customer)) {
      lots += lot.remaining_points;
    }
    const v1::LedgerVerification proof =
        VerifyLedgerRecords(absl::StrCat("accounts/", customer), account,
                            accounts_.Entries(customer), lots);
    EXPECT_TRUE(proof.consistent()) << proof.DebugString();
  }

  int64_t Balance(const std::string& customer) {
    std::optional<AccountRecord> account = accounts_.Account(customer);
    return account.has_value() ? account->points_balance : -1;
  }

  int64_t QualifyingPoints(const std::string& customer) {
    int64_t points = -1;
    EXPECT_THAT(
        unit_of_work_.Run({},
                          [&](crm::common::Transaction& tx) -> absl::Status {
                            CRM_ASSIGN_OR_RETURN(points,
                                                 MemberQualifyingPoints(
                                                     accounts_, tx, customer,
                                                     kStart - absl::Hours(1)));
                            return absl::OkStatus();
                          }),
        IsOk());
    return points;
  }

  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"e"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryAccountRepository accounts_{&unit_of_work_};
  crm::testing::InMemoryProgramRepository programs_{&unit_of_work_};
  crm::testing::InMemoryCampaignRepository campaigns_{&unit_of_work_};
  crm::testing::InMemoryConsentRepository consents_{&unit_of_work_};
  crm::testing::InMemoryRewardRepository rewards_{&unit_of_work_};
  OrderEarning earning_{accounts_, programs_, campaigns_,
                        consents_, ids_,      clock_};
  MemberLifecycle lifecycle_{accounts_, rewards_, programs_, ids_, clock_};
  crm::consents::ConsentTracker consent_tracker_{consents_};
};

TEST_F(MemberLifecycleTest, MergeMovesEveryOpenLotByNewEntriesKeepingTimes) {
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "s", "o1", 10000, 0, 1));
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "d", "o2", 3000, 0, 2));
  clock_.Advance(absl::Hours(24));
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "d", "o3", 4000, 0, 3));
  Spend("d", 50);  // The first lot of d keeps 0 of 30; the second 20 of 40.
  const std::vector<LedgerEntryRecord> before = accounts_.Entries("d");
  const std::vector<LotRecord> d_lots = accounts_.Lots("d");
  ASSERT_EQ(d_lots.size(), 2u);
  clock_.Advance(absl::Hours(24));

  Apply(MergeEvent("s", "d"));

  EXPECT_EQ(Balance("s"), 100 + 20);
  EXPECT_EQ(Balance("d"), 0);
  EXPECT_EQ(accounts_.Account("d")->merged_into, "s");
  EXPECT_EQ(accounts_.Account("d")->merge_time, clock_.Now());
  // The duplicate's earlier entries are untouched; one MERGE_OUT follows for
  // the one lot with points left.
  const std::vector<LedgerEntryRecord> d_after = accounts_.Entries("d");
  ASSERT_EQ(d_after.size(), before.size() + 1);
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(d_after[i].id, before[i].id);
    EXPECT_EQ(d_after[i].points_delta, before[i].points_delta);
    EXPECT_EQ(d_after[i].idempotency_key, before[i].idempotency_key);
  }
  EXPECT_EQ(d_after.back().type, v1::LedgerEntry::MERGE_OUT);
  EXPECT_EQ(d_after.back().points_delta, -20);
  EXPECT_EQ(d_after.back().idempotency_key,
            absl::StrCat("merge:", d_lots[1].id));
  // The survivor receives it as a lot earned and expiring when d's was.
  const LedgerEntryRecord received = accounts_.Entries("s").back();
  EXPECT_EQ(received.type, v1::LedgerEntry::MERGE_IN);
  EXPECT_EQ(received.points_delta, 20);
  EXPECT_EQ(received.qualifying_delta, 0);
  EXPECT_EQ(received.idempotency_key, absl::StrCat("merge:d:", d_lots[1].id));
  const std::vector<LotRecord> s_lots = accounts_.Lots("s");
  ASSERT_EQ(s_lots.size(), 2u);
  EXPECT_EQ(s_lots[1].id, received.id);
  EXPECT_EQ(s_lots[1].remaining_points, 20);
  EXPECT_EQ(s_lots[1].earn_time, d_lots[1].earn_time);
  EXPECT_EQ(s_lots[1].expire_time, d_lots[1].expire_time);
  // The order earnings followed.
  EXPECT_EQ(accounts_.Earnings("d").size(), 0u);
  EXPECT_EQ(accounts_.Earnings("s").size(), 3u);
  ExpectLedgerAddsUp("s");
  ExpectLedgerAddsUp("d");
}

TEST_F(MemberLifecycleTest, TheSurvivorsTierCountsThePointsBothEarned) {
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "s", "o1", 10000, 0, 1));
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "d", "o2", 10000, 0, 2));
  Spend("d", 80);
  EXPECT_EQ(accounts_.Account("s")->tier, "");
  Apply(MergeEvent("s", "d"));
  // 100 + 100 earned (not the 120 balance) qualifies for gold at 150.
  EXPECT_EQ(Balance("s"), 120);
  EXPECT_EQ(QualifyingPoints("s"), 200);
  EXPECT_EQ(accounts_.Account("s")->tier, "gold");
  EXPECT_EQ(accounts_.Account("d")->tier, "");
  ExpectLedgerAddsUp("s");
  ExpectLedgerAddsUp("d");
}

TEST_F(MemberLifecycleTest, AMergeAppliedTwiceChangesNothingTheSecondTime) {
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "d", "o1", 5000, 0, 1));
  Apply(MergeEvent("s", "d"));
  const size_t s_entries = accounts_.Entries("s").size();
  const size_t d_entries = accounts_.Entries("d").size();
  Apply(MergeEvent("s", "d"));
  Apply(MergeEvent("d", "s"));  // The survivor back into its duplicate.
  Apply(MergeEvent("s", "s"));
  EXPECT_EQ(accounts_.Entries("s").size(), s_entries);
  EXPECT_EQ(accounts_.Entries("d").size(), d_entries);
  EXPECT_EQ(Balance("s"), 50);
  EXPECT_EQ(Balance("d"), 0);
  EXPECT_EQ(accounts_.Account("s")->merged_into, "");
  ExpectLedgerAddsUp("s");
  ExpectLedgerAddsUp("d");
}

TEST_F(MemberLifecycleTest, LateEventsOfTheDuplicateReachTheSurvivor) {
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "d", "o1", 10000, 0, 1));
  Apply(MergeEvent("s", "d"));
  // A new order and a refund of the pre-merge order, both still naming d.
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "d", "o2", 3000, 0, 3));
  Apply(OrderEvent(cp::ChangeEvent::ORDER_REFUNDED, "d", "o1", 10000, 5000, 4));
  EXPECT_EQ(Balance("s"), 100 + 30 - 50);
  EXPECT_EQ(Balance("d"), 0);
  EXPECT_EQ(accounts_.Entries("s").back().idempotency_key,
            "refund:customers/d/orders/o1:4");
  EXPECT_EQ(QualifyingPoints("s"), 100 + 30 - 50);
  ExpectLedgerAddsUp("s");
  ExpectLedgerAddsUp("d");
}

TEST_F(MemberLifecycleTest, AMergedAccountTakesNoFurtherEntries) {
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "d", "o1", 10000, 0, 1));
  Apply(MergeEvent("s", "d"));
  absl::Status credit =
      unit_of_work_.Run({}, [&](crm::common::Transaction& tx) -> absl::Status {
        CRM_ASSIGN_OR_RETURN(AccountRecord account,
                             accounts_.LockOrCreate(tx, "d", clock_.Now()));
        LedgerPoster poster(accounts_, ids_);
        Posting posting;
        posting.type = v1::LedgerEntry::ADJUST;
        posting.points = 5;
        posting.source = "adjust:late";
        posting.time = clock_.Now();
        return poster.Credit(tx, account, posting).status();
      });
  EXPECT_EQ(credit.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(credit.message(), "accounts/s")) << credit;
  ExpectLedgerAddsUp("d");
}

TEST_F(MemberLifecycleTest, ChainsOfMergesEndAtTheLastSurvivor) {
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "a", "o1", 10000, 0, 1));
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "b", "o2", 2000, 0, 2));
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "c", "o3", 1000, 0, 3));
  Apply(MergeEvent("b", "a"));
  Apply(MergeEvent("c", "b"));
  EXPECT_EQ(Balance("c"), 130);
  EXPECT_EQ(Balance("b"), 0);
  EXPECT_EQ(Balance("a"), 0);
  EXPECT_EQ(QualifyingPoints("c"), 130);
  EXPECT_EQ(accounts_.Account("c")->tier, "");
  // An event naming a reaches c.
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "a", "o4", 2000, 0, 6));
  EXPECT_EQ(Balance("c"), 150);
  EXPECT_EQ(accounts_.Account("c")->tier, "gold");
  for (const char* customer : {"a", "b", "c"}) ExpectLedgerAddsUp(customer);
}

TEST_F(MemberLifecycleTest, DebtAndCouponsFollowTheMerge) {
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "d", "o1", 10000, 0, 1));
  Spend("d", 100);
  Apply(
      OrderEvent(cp::ChangeEvent::ORDER_REFUNDED, "d", "o1", 10000, 10000, 2));
  EXPECT_EQ(accounts_.Account("d")->points_debt, 100);
  IssueCoupon("k1", "d");
  Apply(MergeEvent("s", "d"));
  EXPECT_EQ(accounts_.Account("s")->points_debt, 100);
  EXPECT_EQ(accounts_.Account("d")->points_debt, 0);
  EXPECT_EQ(rewards_.Coupon("k1")->customer_id, "s");
  // The survivor's next earning settles the debt.
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "s", "o2", 15000, 0, 4));
  EXPECT_EQ(Balance("s"), 50);
  EXPECT_EQ(accounts_.Account("s")->points_debt, 0);
  ExpectLedgerAddsUp("s");
  ExpectLedgerAddsUp("d");
}

TEST_F(MemberLifecycleTest, ErasureKeepsOnlyAmountsAndDatesUnderATombstone) {
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "s", "o1", 10000, 0, 1));
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "d", "o2", 5000, 0, 2));
  Spend("s", 30);
  IssueCoupon("k1", "s");
  IssueCoupon("k2", "s");
  ASSERT_THAT(unit_of_work_.Run({},
                                [&](crm::common::Transaction& tx) {
                                  CouponRecord used = *rewards_.Coupon("k2");
                                  used.state = v1::Coupon::REDEEMED;
                                  used.redeem_time = clock_.Now();
                                  return rewards_.UpdateCoupon(tx, used);
                                }),
              IsOk());
  Apply(MergeEvent("s", "d"));
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "bystander", "o3", 900, 0,
                   4));
  const size_t s_entries = accounts_.Entries("s").size();

  Apply(EraseEvent("s"));

  for (const std::string& id : accounts_.CustomerIds()) {
    EXPECT_NE(id, "s");
    EXPECT_NE(id, "d");
  }
  for (const LedgerEntryRecord& entry : accounts_.AllLedgers()) {
    EXPECT_FALSE(absl::StrContains(entry.reason, "Zhang")) << entry.reason;
    EXPECT_FALSE(absl::StrContains(entry.idempotency_key, "customers/s"));
    EXPECT_FALSE(absl::StrContains(entry.idempotency_key, "customers/d"));
  }
  EXPECT_EQ(Balance("bystander"), 9);
  // Two tombstones: s's with the forfeit of its 120 points, and d's.
  std::vector<std::string> tombstones;
  for (const std::string& id : accounts_.CustomerIds()) {
    if (absl::StartsWith(id, "erased-")) tombstones.push_back(id);
  }
  ASSERT_EQ(tombstones.size(), 2u);
  const std::string s_tomb =
      accounts_.Account(tombstones[0])->merged_into.empty() ? tombstones[0]
                                                            : tombstones[1];
  const std::string d_tomb =
      s_tomb == tombstones[0] ? tombstones[1] : tombstones[0];
  EXPECT_EQ(accounts_.Account(d_tomb)->merged_into, s_tomb);
  const std::vector<LedgerEntryRecord> kept = accounts_.Entries(s_tomb);
  ASSERT_EQ(kept.size(), s_entries + 1);
  EXPECT_EQ(kept.back().type, v1::LedgerEntry::FORFEIT);
  EXPECT_EQ(kept.back().points_delta, -120);
  EXPECT_EQ(kept[0].points_delta, 100);
  EXPECT_EQ(kept[0].create_time, kStart);
  EXPECT_EQ(Balance(s_tomb), 0);
  EXPECT_EQ(accounts_.Earnings(s_tomb).size(), 0u);
  // The issued coupon is cancelled; the redeemed one stays redeemed.
  EXPECT_EQ(rewards_.Coupon("k1")->state, v1::Coupon::CANCELLED);
  EXPECT_EQ(rewards_.Coupon("k1")->customer_id, s_tomb);
  EXPECT_EQ(rewards_.Coupon("k2")->state, v1::Coupon::REDEEMED);
  ExpectLedgerAddsUp(s_tomb);
  ExpectLedgerAddsUp(d_tomb);
  ExpectLedgerAddsUp("bystander");

  // A second erasure finds nothing to erase.
  Apply(EraseEvent("s"));
  EXPECT_EQ(accounts_.Entries(s_tomb).size(), s_entries + 1);
}

}  // namespace
}  // namespace crm::loyalty

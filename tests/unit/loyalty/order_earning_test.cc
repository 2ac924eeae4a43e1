// Earning from order events over the in-memory fakes: rate × tier
// multiplier, one credit per order whatever the redeliveries, proportional
// clawback with debt settled by later earnings, other events ignored.
#include "services/loyalty/order_earning.h"

#include <string>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/loyalty/ledger_rules.h"
#include "tests/testing/fakes/consents/in_memory_consent_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/loyalty/in_memory_account_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_campaign_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_program_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
namespace cp = ::crm::customerprofile::v1;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

cp::ChangeEvent OrderEvent(cp::ChangeEvent::Type type, const std::string& order,
                           int64_t amount, int64_t refunded, int64_t sequence) {
  cp::ChangeEvent event;
  event.set_type(type);
  event.set_sequence(sequence);
  event.set_customer_name("customers/c1");
  event.mutable_order()->set_name(absl::StrCat("customers/c1/orders/", order));
  event.mutable_order()->mutable_amount()->set_currency_code("CNY");
  event.mutable_order()->mutable_amount()->set_amount_minor(amount);
  event.mutable_order()->mutable_refunded_amount()->set_currency_code("CNY");
  event.mutable_order()->mutable_refunded_amount()->set_amount_minor(refunded);
  return event;
}

class OrderEarningTest : public ::testing::Test {
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
    gold->set_multiplier_percent(200);
    programs_.Put(program);
  }

  void Apply(const cp::ChangeEvent& event) {
    ASSERT_THAT(unit_of_work_.Run({},
                                  [&](crm::common::Transaction& tx) {
                                    return earning_.Apply(tx, event);
                                  }),
                IsOk());
  }

  void ExpectLedgerAddsUp() {
    std::optional<AccountRecord> account = accounts_.Account("c1");
    ASSERT_TRUE(account.has_value());
    int64_t lots = 0;
    for (const LotRecord& lot : accounts_.Lots("c1")) {
      lots += lot.remaining_points;
    }
    std::vector<LedgerEntryRecord> entries = accounts_.Entries("c1");
    const v1::LedgerVerification proof =
        VerifyLedgerRecords("accounts/c1", account, entries, lots);
    EXPECT_TRUE(proof.consistent()) << proof.DebugString();
  }

  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"e"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryAccountRepository accounts_{&unit_of_work_};
  crm::testing::InMemoryProgramRepository programs_{&unit_of_work_};
  crm::testing::InMemoryCampaignRepository campaigns_{&unit_of_work_};
  crm::testing::InMemoryConsentRepository consents_{&unit_of_work_};
  OrderEarning earning_{accounts_, programs_, campaigns_,
                        consents_, ids_,      clock_};
};

TEST_F(OrderEarningTest, EarnsOncePerOrderAndTheTierMultiplies) {
  const cp::ChangeEvent first =
      OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "o1", 20000, 0, 1);
  for (int delivery = 0; delivery < 3; ++delivery) Apply(first);
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 200);
  EXPECT_EQ(accounts_.Account("c1")->tier, "gold");
  // Gold earns double.
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "o2", 1000, 0, 2));
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 220);
  ASSERT_EQ(accounts_.Entries("c1").size(), 2u);
  EXPECT_EQ(accounts_.Entries("c1")[1].idempotency_key,
            "order:customers/c1/orders/o2");
  EXPECT_EQ(accounts_.Entries("c1")[1].qualifying_delta, 20);
  ExpectLedgerAddsUp();
}

TEST_F(OrderEarningTest, ClawbackIsProportionalAndDebtIsSettledLater) {
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "o1", 10000, 0, 1));
  // Spend 90 of the 100 points.
  AccountRecord account = *accounts_.Account("c1");
  std::vector<LotRecord> lots = accounts_.Lots("c1");
  ASSERT_EQ(lots.size(), 1u);
  ASSERT_THAT(unit_of_work_.Run(
                  {},
                  [&](crm::common::Transaction& tx) {
                    LedgerPoster poster(accounts_, ids_);
                    Posting spend;
                    spend.type = v1::LedgerEntry::REDEEM;
                    spend.points = 90;
                    spend.reason = "gift";
                    spend.source = "redeem:gift";
                    spend.time = kStart;
                    return poster.Debit(tx, account, spend, "points").status();
                  }),
              IsOk());
  // A third refunded: 33 points back, 10 taken, 23 owed.
  Apply(OrderEvent(cp::ChangeEvent::ORDER_REFUNDED, "o1", 10000, 3333, 2));
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 0);
  EXPECT_EQ(accounts_.Account("c1")->points_debt, 23);
  // The same refund again changes nothing.
  Apply(OrderEvent(cp::ChangeEvent::ORDER_REFUNDED, "o1", 10000, 3333, 2));
  EXPECT_EQ(accounts_.Account("c1")->points_debt, 23);
  // A new order of 50 points settles the 23 first.
  Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "o2", 5000, 0, 3));
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 27);
  EXPECT_EQ(accounts_.Account("c1")->points_debt, 0);
  ExpectLedgerAddsUp();
}

TEST_F(OrderEarningTest, OtherEventsAndUnknownCurrenciesEarnNothing) {
  cp::ChangeEvent created;
  created.set_type(cp::ChangeEvent::CUSTOMER_CREATED);
  created.set_customer_name("customers/c1");
  Apply(created);
  EXPECT_FALSE(accounts_.Account("c1").has_value());
  cp::ChangeEvent usd =
      OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "o1", 10000, 0, 1);
  usd.mutable_order()->mutable_amount()->set_currency_code("USD");
  Apply(usd);
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 0);
  EXPECT_TRUE(accounts_.Entries("c1").empty());
  // A refund of an order that earned nothing claws nothing back.
  Apply(OrderEvent(cp::ChangeEvent::ORDER_REFUNDED, "o1", 10000, 10000, 2));
  EXPECT_EQ(accounts_.Account("c1")->points_debt, 0);
}

TEST_F(OrderEarningTest, MalformedOrderEventsAreDataLoss) {
  cp::ChangeEvent bad =
      OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "o1", 10000, 0, 1);
  bad.set_customer_name("nobody");
  EXPECT_EQ(unit_of_work_
                .Run({},
                     [&](crm::common::Transaction& tx) {
                       return earning_.Apply(tx, bad);
                     })
                .code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace crm::loyalty

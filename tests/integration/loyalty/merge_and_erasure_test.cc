// Merges and erasures from customer-profile's feed through the exactly-once
// consumer on a real MariaDB: exact balances on both accounts after a merge
// (delivered again, and after failures mid-apply), late events of the
// duplicate credited to the survivor, the survivor's tier on both earnings,
// an erasure that leaves no row holding the customer id while amounts and
// dates stay, and the export of everything held on a customer. Every test
// ends with VerifyLedger passing for every account in the database.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/transaction.h"
#include "services/consents/mysql_consent_repository.h"
#include "services/loyalty/account_export.h"
#include "services/loyalty/account_manager.h"
#include "services/loyalty/member_lifecycle.h"
#include "services/loyalty/migrations.h"
#include "services/loyalty/mysql_account_repository.h"
#include "services/loyalty/mysql_campaign_repository.h"
#include "services/loyalty/mysql_program_repository.h"
#include "services/loyalty/mysql_reward_repository.h"
#include "services/loyalty/order_earning.h"
#include "services/loyalty/profile_feed_apply.h"
#include "services/loyalty/program_manager.h"
#include "tests/integration/loyalty/profile_events.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
namespace cp = ::crm::customerprofile::v1;
using ::crm::loyalty::testing::MergeEvent;
using ::crm::loyalty::testing::OrderEvent;

absl::Time Utc(int y, int m, int d) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, 0, 0, 0),
                         absl::UTCTimeZone());
}

std::string EraseEvent(const std::string& customer) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  event.set_customer_name(absl::StrCat("customers/", customer));
  return event.SerializeAsString();
}

class MemberLifecycleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<crm::testing::TestDatabase>> database =
        crm::testing::TestDatabase::Create("loyalty_lifecycle");
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = std::move(database).value().release();
    absl::StatusOr<std::unique_ptr<crm::common::MySqlPool>> pool =
        database_->NewMigratedPool(Migrations(), 4);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(pool).value().release();
  }
  static void TearDownTestSuite() {
    delete pool_;
    delete database_;
  }

  void SetUp() override {
    ASSERT_NE(pool_, nullptr);
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    manager_ = std::make_unique<AccountManager>(
        *unit_of_work_, accounts_, programs_, idempotency_, clock_, ids_);
    program_manager_ = std::make_unique<ProgramManager>(
        *unit_of_work_, programs_, idempotency_, clock_);
    earning_ = std::make_unique<OrderEarning>(accounts_, programs_, campaigns_,
                                              consents_, ids_, clock_);
    lifecycle_ = std::make_unique<MemberLifecycle>(
        accounts_, rewards_, programs_, ids_, clock_, &idempotency_);
    exporter_ = std::make_unique<AccountExport>(*unit_of_work_, accounts_,
                                                rewards_, programs_, clock_);
    // 1 point per CNY; gold from 400 points earned; points last 12 months.
    v1::UpdateProgramRequest request;
    request.mutable_program()->set_name("programs/default");
    v1::EarnRate* rate = request.mutable_program()->add_earn_rates();
    rate->set_currency_code("CNY");
    rate->set_points(1);
    rate->set_per_amount_minor(100);
    v1::Tier* gold = request.mutable_program()->add_tiers();
    gold->set_tier_id("gold");
    gold->set_min_qualifying_points(400);
    gold->set_multiplier_percent(100);
    request.mutable_program()->mutable_expiry_policy()->set_mode(
        v1::ExpiryPolicy::MONTHS_AFTER_EARN);
    request.mutable_program()->mutable_expiry_policy()->set_months(12);
    request.mutable_update_mask()->add_paths("*");
    ASSERT_THAT(program_manager_->UpdateProgram({}, request).status(), IsOk());
  }

  // Every account's ledger adds up, tombstones included.
  void TearDown() override {
    for (const std::string& customer :
         Strings("SELECT customer_id FROM accounts")) {
      EXPECT_TRUE(Verify(customer).consistent()) << customer;
    }
  }

  v1::LedgerVerification Verify(const std::string& customer) {
    v1::VerifyLedgerRequest request;
    request.set_account(absl::StrCat("accounts/", customer));
    absl::StatusOr<v1::LedgerVerification> proof =
        manager_->VerifyLedger({}, request);
    EXPECT_TRUE(proof.ok()) << proof.status();
    EXPECT_TRUE(proof.ok() && proof->consistent()) << proof->DebugString();
    return proof.value_or(v1::LedgerVerification());
  }

  crm::common::FeedConsumer NewConsumer(const std::string& name,
                                        crm::common::FeedApplyFunction apply) {
    crm::common::FeedConsumerOptions options;
    options.consumer = name;
    options.initial_backoff = absl::Milliseconds(1);
    options.max_backoff = absl::Milliseconds(5);
    return crm::common::FeedConsumer(
        *pool_,
        [](int64_t)
            -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
          return absl::UnavailableError("not used");
        },
        std::move(apply), options);
  }

  crm::common::FeedConsumer NewConsumer(const std::string& name) {
    return NewConsumer(
        name, MakeProfileFeedApply(*earning_, *lifecycle_, consent_tracker_));
  }

  v1::Account Account(const std::string& customer) {
    v1::GetAccountRequest request;
    request.set_name(absl::StrCat("accounts/", customer));
    absl::StatusOr<v1::Account> account = manager_->GetAccount({}, request);
    EXPECT_TRUE(account.ok()) << account.status();
    return account.value_or(v1::Account());
  }

  void Redeem(const std::string& customer, int64_t points,
              const std::string& reason) {
    v1::RedeemPointsRequest redeem;
    redeem.set_account(absl::StrCat("accounts/", customer));
    redeem.set_points(points);
    redeem.set_reason(reason);
    redeem.set_request_id(absl::StrCat(customer, "-redeem-", points));
    ASSERT_THAT(manager_->RedeemPoints({}, redeem).status(), IsOk());
  }

  void IssueCoupon(const std::string& id, const std::string& customer) {
    CouponRecord coupon;
    coupon.id = id;
    coupon.code = absl::StrCat("C00000000000000000", id).substr(0, 20);
    coupon.customer_id = customer;
    coupon.reward_id = "r1";
    coupon.state = v1::Coupon::ISSUED;
    coupon.issue_time = clock_.Now();
    coupon.expire_time = clock_.Now() + absl::Hours(24 * 30);
    ASSERT_THAT(unit_of_work_->Run({},
                                   [&](crm::common::Transaction& tx) {
                                     return rewards_.InsertCoupon(tx, coupon);
                                   }),
                IsOk());
  }

  std::vector<std::string> Strings(const std::string& query) {
    absl::StatusOr<std::vector<std::string>> values =
        database_->QueryColumn(query);
    EXPECT_TRUE(values.ok()) << values.status();
    return values.value_or(std::vector<std::string>{});
  }

  int64_t QueryInt(const std::string& query) {
    std::vector<std::string> values = Strings(query);
    return values.empty() ? -1 : std::stoll(values[0]);
  }

  static crm::testing::TestDatabase* database_;
  static crm::common::MySqlPool* pool_;

  crm::common::FakeClock clock_{Utc(2026, 3, 1)};
  crm::common::RandomIdGenerator ids_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlAccountRepository accounts_;
  MySqlProgramRepository programs_;
  MySqlRewardRepository rewards_;
  MySqlCampaignRepository campaigns_;
  crm::consents::MySqlConsentRepository consents_;
  crm::consents::ConsentTracker consent_tracker_{consents_};
  crm::common::MySqlIdempotencyRepository idempotency_;
  std::unique_ptr<AccountManager> manager_;
  std::unique_ptr<ProgramManager> program_manager_;
  std::unique_ptr<OrderEarning> earning_;
  std::unique_ptr<MemberLifecycle> lifecycle_;
  std::unique_ptr<AccountExport> exporter_;
};

crm::testing::TestDatabase* MemberLifecycleTest::database_ = nullptr;
crm::common::MySqlPool* MemberLifecycleTest::pool_ = nullptr;

TEST_F(MemberLifecycleTest, AMergeAddsUpExactlyOnceAndLateEventsFollowIt) {
  crm::common::FeedConsumer consumer = NewConsumer("merge");
  int64_t sequence = 0;
  auto deliver = [&](const std::string& payload) {
    ASSERT_THAT(consumer.ApplyOne(++sequence, payload).status(), IsOk());
  };
  deliver(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "m-s", "o1", 10000));
  deliver(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "m-d", "o2", 30000));
  clock_.Advance(absl::Hours(48));
  deliver(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "m-d", "o3", 4000));
  Redeem("m-d", 50, "gift");
  IssueCoupon("m1", "m-d");
  const int64_t d_entries_before =
      QueryInt("SELECT COUNT(*) FROM ledger_entries WHERE customer_id='m-d'");
  EXPECT_EQ(Account("m-s").tier(), "");

  const std::string merge = MergeEvent("m-s", "m-d");
  deliver(merge);
  // The same event again under its sequence (the cursor skips it) and under
  // a new one (the merged duplicate refuses it).
  ASSERT_THAT(consumer.ApplyOne(sequence, merge).status(), IsOk());
  deliver(merge);

  v1::Account survivor = Account("m-s");
  v1::Account duplicate = Account("m-d");
  EXPECT_EQ(survivor.points_balance(), 100 + 300 + 40 - 50);
  EXPECT_EQ(duplicate.points_balance(), 0);
  EXPECT_EQ(duplicate.merged_into(), "accounts/m-s");
  // Earned, not held: 440 qualifies for gold at 400.
  EXPECT_EQ(survivor.qualifying_points(), 440);
  EXPECT_EQ(survivor.tier(), "gold");
  // The duplicate kept its entries and gained one MERGE_OUT per open lot
  // (both lots still hold points: 250 and 40).
  EXPECT_EQ(
      QueryInt("SELECT COUNT(*) FROM ledger_entries WHERE customer_id='m-d'"),
      d_entries_before + 2);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM ledger_entries WHERE "
                     "customer_id='m-s' AND type='MERGE_IN'"),
            2);
  // The received lots keep the earn and expire times of the originals.
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM point_lots s JOIN point_lots d "
                     "ON s.id = (SELECT e.id FROM ledger_entries e WHERE "
                     "e.customer_id='m-s' AND e.idempotency_key = "
                     "CONCAT('merge:m-d:', d.id)) WHERE s.customer_id='m-s' "
                     "AND d.customer_id='m-d' AND s.earn_time = d.earn_time "
                     "AND s.expire_time = d.expire_time"),
            2);
  EXPECT_EQ(Strings("SELECT customer_id FROM coupons WHERE id='m1'"),
            std::vector<std::string>{"m-s"});

  // Late events naming the duplicate: a new order and a full refund of o2.
  deliver(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "m-d", "o4", 2000));
  deliver(
      OrderEvent(cp::ChangeEvent::ORDER_REFUNDED, "m-d", "o2", 30000, 30000));
  EXPECT_EQ(Account("m-s").points_balance(), 390 + 20 - 300);
  EXPECT_EQ(Account("m-d").points_balance(), 0);
  EXPECT_EQ(Account("m-s").qualifying_points(), 440 + 20 - 300);
  EXPECT_TRUE(Verify("m-s").consistent());
  EXPECT_TRUE(Verify("m-d").consistent());
}

TEST_F(MemberLifecycleTest, AMergeThatFailsMidApplyLeavesTheSameOutcome) {
  crm::common::FeedConsumer orders = NewConsumer("orders-before-failures");
  ASSERT_THAT(orders
                  .ApplyOne(1, OrderEvent(cp::ChangeEvent::ORDER_RECORDED,
                                          "f-s", "o1", 10000))
                  .status(),
              IsOk());
  ASSERT_THAT(orders
                  .ApplyOne(2, OrderEvent(cp::ChangeEvent::ORDER_RECORDED,
                                          "f-d", "o2", 7000))
                  .status(),
              IsOk());
  // The first three attempts do all the work, then fail before commit.
  int attempts = 0;
  crm::common::FeedApplyFunction apply =
      MakeProfileFeedApply(*earning_, *lifecycle_, consent_tracker_);
  crm::common::FeedConsumer consumer =
      NewConsumer("failing",
                  [&](sql::Connection& connection, int64_t sequence,
                      absl::string_view payload) -> absl::Status {
                    absl::Status status = apply(connection, sequence, payload);
                    if (!status.ok()) return status;
                    if (++attempts <= 3)
                      return absl::UnavailableError("killed");
                    return absl::OkStatus();
                  });
  const std::string merge = MergeEvent("f-s", "f-d");
  for (int attempt = 0; attempt < 3; ++attempt) {
    EXPECT_FALSE(consumer.ApplyOne(7, merge).ok());
    EXPECT_EQ(Account("f-s").points_balance(), 100);
    EXPECT_EQ(Account("f-d").points_balance(), 70);
    EXPECT_EQ(Account("f-d").merged_into(), "");
  }
  ASSERT_THAT(consumer.ApplyOne(7, merge).status(), IsOk());
  EXPECT_EQ(Account("f-s").points_balance(), 170);
  EXPECT_EQ(Account("f-d").points_balance(), 0);
  EXPECT_EQ(Account("f-d").merged_into(), "accounts/f-s");
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM ledger_entries WHERE "
                     "customer_id='f-s' AND type='MERGE_IN'"),
            1);
}

TEST_F(MemberLifecycleTest, AnErasureLeavesNoRowHoldingTheCustomer) {
  crm::common::FeedConsumer consumer = NewConsumer("erase");
  int64_t sequence = 0;
  auto deliver = [&](const std::string& payload) {
    ASSERT_THAT(consumer.ApplyOne(++sequence, payload).status(), IsOk());
  };
  deliver(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "e-s", "o1", 10000));
  deliver(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "e-d", "o2", 5000));
  deliver(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "e-other", "o3", 900));
  Redeem("e-s", 30, "gift for Zhang San 13800000000");
  Redeem("e-d", 10, "gift for Zhang San");
  Redeem("e-other", 4, "gift for Li Si");
  IssueCoupon("e1", "e-s");
  deliver(MergeEvent("e-s", "e-d"));
  const int64_t entries_before = QueryInt(
      "SELECT COUNT(*) FROM ledger_entries WHERE customer_id IN "
      "('e-s', 'e-d')");
  const std::string earned_before = Strings(
      "SELECT SUM(points_delta) FROM ledger_entries WHERE points_delta > 0 "
      "AND customer_id IN ('e-s', 'e-d')")[0];

  deliver(EraseEvent("e-s"));

  for (const char* table : {"accounts", "ledger_entries", "point_lots",
                            "order_earnings", "coupons"}) {
    EXPECT_EQ(QueryInt(absl::StrCat("SELECT COUNT(*) FROM ", table,
                                    " WHERE customer_id IN ('e-s', 'e-d')")),
              0)
        << table;
  }
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM accounts WHERE merged_into IN "
                     "('e-s', 'e-d')"),
            0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM ledger_entries WHERE "
                     "idempotency_key LIKE '%e-s%' OR idempotency_key LIKE "
                     "'%e-d%' OR reason LIKE '%Zhang%'"),
            0);
  // Amounts and dates stay under two tombstones: the same entries plus the
  // forfeit of the 110 points left, the same credits.
  const std::vector<std::string> tombstones = Strings(
      "SELECT customer_id FROM accounts WHERE customer_id LIKE 'erased-%'");
  ASSERT_EQ(tombstones.size(), 2u);
  const std::string in_list =
      absl::StrCat("('", tombstones[0], "', '", tombstones[1], "')");
  EXPECT_EQ(QueryInt(absl::StrCat(
                "SELECT COUNT(*) FROM ledger_entries WHERE customer_id IN ",
                in_list)),
            entries_before + 1);
  EXPECT_EQ(Strings(absl::StrCat("SELECT SUM(points_delta) FROM "
                                 "ledger_entries WHERE points_delta > 0 AND "
                                 "customer_id IN ",
                                 in_list))[0],
            earned_before);
  EXPECT_EQ(QueryInt(absl::StrCat("SELECT -points_delta FROM ledger_entries "
                                  "WHERE type = 'FORFEIT' AND customer_id IN ",
                                  in_list)),
            110);
  EXPECT_EQ(Strings("SELECT state FROM coupons WHERE id = 'e1'"),
            std::vector<std::string>{"CANCELLED"});
  EXPECT_EQ(Account("e-other").points_balance(), 5);
  for (const std::string& tombstone : tombstones) {
    EXPECT_TRUE(Verify(tombstone).consistent());
  }
  // The stored responses of both members' redemptions (naming the account
  // and the reason) are forgotten; the other customer's stays.
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM idempotency_keys WHERE request_id "
                     "IN ('e-s-redeem-30', 'e-d-redeem-10')"),
            0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM idempotency_key_subjects WHERE "
                     "subject LIKE '%/e-s%' OR subject LIKE '%/e-d%'"),
            0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM idempotency_keys WHERE request_id "
                     "= 'e-other-redeem-4'"),
            1);
  // Delivered again under a new sequence: nothing left to erase.
  deliver(EraseEvent("e-s"));
  EXPECT_EQ(QueryInt(absl::StrCat(
                "SELECT COUNT(*) FROM ledger_entries WHERE customer_id IN ",
                in_list)),
            entries_before + 1);
}

TEST_F(MemberLifecycleTest, TheExportHoldsEveryAccountEntryLotAndCoupon) {
  crm::common::FeedConsumer consumer = NewConsumer("export");
  int64_t sequence = 0;
  auto deliver = [&](const std::string& payload) {
    ASSERT_THAT(consumer.ApplyOne(++sequence, payload).status(), IsOk());
  };
  deliver(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "x-s", "o1", 10000));
  deliver(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "x-d", "o2", 5000));
  IssueCoupon("x1", "x-s");
  deliver(MergeEvent("x-s", "x-d"));

  v1::ExportAccountDataRequest request;
  request.set_name("accounts/x-s");
  absl::StatusOr<v1::AccountDataExport> data =
      exporter_->ExportAccountData({}, request);
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_EQ(data->accounts_size(), 2);
  const v1::AccountData& survivor = data->accounts(0);
  EXPECT_EQ(survivor.account().name(), "accounts/x-s");
  EXPECT_EQ(survivor.account().points_balance(), 150);
  EXPECT_EQ(survivor.account().qualifying_points(), 150);
  ASSERT_EQ(survivor.ledger_entries_size(), 2);
  EXPECT_EQ(survivor.ledger_entries(1).type(), v1::LedgerEntry::MERGE_IN);
  EXPECT_EQ(survivor.lots_size(), 2);
  ASSERT_EQ(survivor.coupons_size(), 1);
  EXPECT_EQ(survivor.coupons(0).name(), "coupons/x1");
  const v1::AccountData& duplicate = data->accounts(1);
  EXPECT_EQ(duplicate.account().name(), "accounts/x-d");
  EXPECT_EQ(duplicate.account().merged_into(), "accounts/x-s");
  EXPECT_EQ(duplicate.ledger_entries_size(), 2);
  EXPECT_EQ(duplicate.lots_size(), 1);
  EXPECT_EQ(duplicate.lots(0).remaining_points(), 0);

  request.set_name("accounts/x-nobody");
  data = exporter_->ExportAccountData({}, request);
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_EQ(data->accounts_size(), 1);
  EXPECT_EQ(data->accounts(0).ledger_entries_size(), 0);
  request.set_name("customers/x-s");
  EXPECT_EQ(exporter_->ExportAccountData({}, request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace crm::loyalty

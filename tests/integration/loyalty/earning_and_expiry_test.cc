// Points from customer-profile's order events through the exactly-once feed
// consumer, refund clawbacks with debt, tiers, the expiry job, and campaign
// bonuses only for members whose marketing consent the feed granted, on a
// real MariaDB. Every test ends with VerifyLedger passing for every account.
// The binary shares one database; each test uses its own customers.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"
#include "services/consents/mysql_consent_repository.h"
#include "services/loyalty/account_manager.h"
#include "services/loyalty/campaign_manager.h"
#include "services/loyalty/member_lifecycle.h"
#include "services/loyalty/migrations.h"
#include "services/loyalty/mysql_account_repository.h"
#include "services/loyalty/mysql_campaign_repository.h"
#include "services/loyalty/mysql_program_repository.h"
#include "services/loyalty/mysql_reward_repository.h"
#include "services/loyalty/order_earning.h"
#include "services/loyalty/points_expiry.h"
#include "services/loyalty/profile_feed_apply.h"
#include "services/loyalty/program_manager.h"
#include "tests/integration/loyalty/profile_events.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/wait.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
namespace cp = ::crm::customerprofile::v1;
using ::crm::loyalty::testing::EmailConsentEvent;
using ::crm::loyalty::testing::OrderEvent;

absl::Time Utc(int y, int m, int d, int hh = 0, int mm = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0),
                         absl::UTCTimeZone());
}

class EarningAndExpiryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<crm::testing::TestDatabase>> database =
        crm::testing::TestDatabase::Create("loyalty_earning");
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = std::move(database).value().release();
    absl::StatusOr<std::unique_ptr<crm::common::MySqlPool>> pool =
        database_->NewMigratedPool(Migrations(), 8);
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
    expiry_ =
        std::make_unique<PointsExpiry>(*unit_of_work_, accounts_, ids_, clock_);
    lifecycle_ = std::make_unique<MemberLifecycle>(accounts_, rewards_,
                                                   programs_, ids_, clock_);
  }

  // Every account's ledger adds up.
  void TearDown() override {
    std::vector<std::string> customers = Customers();
    ASSERT_FALSE(customers.empty());
    for (const std::string& customer : customers) {
      v1::VerifyLedgerRequest request;
      request.set_account(absl::StrCat("accounts/", customer));
      absl::StatusOr<v1::LedgerVerification> proof =
          manager_->VerifyLedger({}, request);
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_TRUE(proof->consistent()) << proof->DebugString();
    }
  }

  std::vector<std::string> Customers() {
    return crm::common::WithConnection<std::vector<std::string>>(
               *pool_,
               [](sql::Connection& connection)
                   -> absl::StatusOr<std::vector<std::string>> {
                 std::unique_ptr<sql::Statement> statement(
                     connection.createStatement());
                 std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(
                     "SELECT customer_id FROM accounts"));
                 std::vector<std::string> ids;
                 while (rows->next()) {
                   ids.push_back(rows->getString(1).asStdString());
                 }
                 return ids;
               })
        .value_or(std::vector<std::string>{});
  }

  int64_t QueryInt(const std::string& query) {
    return crm::common::WithConnection<int64_t>(
               *pool_,
               [&](sql::Connection& connection) -> absl::StatusOr<int64_t> {
                 std::unique_ptr<sql::Statement> statement(
                     connection.createStatement());
                 std::unique_ptr<sql::ResultSet> rows(
                     statement->executeQuery(query));
                 if (!rows->next() || rows->isNull(1)) return 0;
                 return rows->getInt64(1);
               })
        .value_or(-1);
  }

  // Sets the programme: 1 point per CNY, `tiers` and `expiry`.
  void SetProgram(const std::vector<v1::Tier>& tiers,
                  v1::ExpiryPolicy expiry = v1::ExpiryPolicy()) {
    v1::UpdateProgramRequest request;
    request.mutable_program()->set_name("programs/default");
    v1::EarnRate* rate = request.mutable_program()->add_earn_rates();
    rate->set_currency_code("CNY");
    rate->set_points(1);
    rate->set_per_amount_minor(100);
    for (const v1::Tier& tier : tiers) {
      *request.mutable_program()->add_tiers() = tier;
    }
    *request.mutable_program()->mutable_expiry_policy() = expiry;
    request.mutable_update_mask()->add_paths("*");
    ASSERT_THAT(program_manager_->UpdateProgram({}, request).status(), IsOk());
  }

  crm::common::FeedConsumer NewConsumer(const std::string& name) {
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
        MakeProfileFeedApply(*earning_, *lifecycle_, consent_tracker_),
        options);
  }

 public:
  v1::Account Account(const std::string& customer) {
    v1::GetAccountRequest request;
    request.set_name(absl::StrCat("accounts/", customer));
    absl::StatusOr<v1::Account> account = manager_->GetAccount({}, request);
    EXPECT_TRUE(account.ok()) << account.status();
    return account.value_or(v1::Account());
  }

 protected:
  static crm::testing::TestDatabase* database_;
  static crm::common::MySqlPool* pool_;

  crm::common::FakeClock clock_{Utc(2026, 1, 1)};
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
  std::unique_ptr<PointsExpiry> expiry_;
  std::unique_ptr<MemberLifecycle> lifecycle_;
};

crm::testing::TestDatabase* EarningAndExpiryTest::database_ = nullptr;
crm::common::MySqlPool* EarningAndExpiryTest::pool_ = nullptr;

TEST_F(EarningAndExpiryTest, AnOrderDeliveredAThousandTimesCreditsOnce) {
  SetProgram({});
  crm::common::FeedConsumer consumer = NewConsumer("thousand");
  const std::string payload =
      OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "k1", "o1", 12345);
  int applied = 0;
  for (int delivery = 0; delivery < 1000; ++delivery) {
    // Half are redeliveries of the same sequence (the consumer's cursor
    // skips them), half arrive under new sequences (the ledger's source key
    // and the recorded earning refuse them).
    const int64_t sequence = delivery < 500 ? 1 : delivery;
    absl::StatusOr<bool> result = consumer.ApplyOne(sequence, payload);
    ASSERT_TRUE(result.ok()) << result.status();
    if (*result) ++applied;
  }
  EXPECT_EQ(applied, 501);  // Sequence 1 once, then 500..999.
  EXPECT_EQ(Account("k1").points_balance(), 123);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM ledger_entries "
                     "WHERE customer_id = 'k1'"),
            1);
}

TEST_F(EarningAndExpiryTest, RefundsClawBackProportionallyAndDebtIsSettled) {
  SetProgram({});
  crm::common::FeedConsumer consumer = NewConsumer("refunds");
  int64_t sequence = 0;
  auto deliver = [&](const std::string& payload) {
    ASSERT_THAT(consumer.ApplyOne(++sequence, payload).status(), IsOk());
  };
  deliver(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "k2", "o1", 10000));
  EXPECT_EQ(Account("k2").points_balance(), 100);
  v1::RedeemPointsRequest redeem;
  redeem.set_account("accounts/k2");
  redeem.set_points(80);
  redeem.set_reason("gift");
  redeem.set_request_id("k2-gift");
  ASSERT_THAT(manager_->RedeemPoints({}, redeem).status(), IsOk());

  // Half refunded: 50 points back; the balance holds 20, 30 become debt.
  deliver(OrderEvent(cp::ChangeEvent::ORDER_REFUNDED, "k2", "o1", 10000, 5000));
  v1::Account account = Account("k2");
  EXPECT_EQ(account.points_balance(), 0);
  EXPECT_EQ(account.points_debt(), 30);

  // The next order's 40 points settle the debt first.
  deliver(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "k2", "o2", 4000));
  account = Account("k2");
  EXPECT_EQ(account.points_balance(), 10);
  EXPECT_EQ(account.points_debt(), 0);

  // The rest refunded: the other 50 points, 10 taken and 40 owed. The same
  // refund delivered again changes nothing.
  const std::string full =
      OrderEvent(cp::ChangeEvent::ORDER_REFUNDED, "k2", "o1", 10000, 10000);
  deliver(full);
  deliver(full);
  account = Account("k2");
  EXPECT_EQ(account.points_balance(), 0);
  EXPECT_EQ(account.points_debt(), 40);
  EXPECT_EQ(QueryInt("SELECT points_clawed FROM order_earnings "
                     "WHERE customer_id = 'k2' AND order_name = "
                     "'customers/k2/orders/o1'"),
            100);
}

TEST_F(EarningAndExpiryTest, TiersQualifyOnEarnedPointsAndMultiplyEarning) {
  v1::Tier member;
  member.set_tier_id("member");
  v1::Tier gold;
  gold.set_tier_id("gold");
  gold.set_min_qualifying_points(100);
  gold.set_multiplier_percent(200);
  SetProgram({member, gold});
  crm::common::FeedConsumer consumer = NewConsumer("tiers");
  ASSERT_THAT(consumer
                  .ApplyOne(1, OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "k3",
                                          "o1", 10000))
                  .status(),
              IsOk());
  EXPECT_EQ(Account("k3").tier(), "gold");
  // Spending does not lower the tier: it is qualified on points earned.
  v1::RedeemPointsRequest redeem;
  redeem.set_account("accounts/k3");
  redeem.set_points(100);
  redeem.set_reason("gift");
  redeem.set_request_id("k3-gift");
  ASSERT_THAT(manager_->RedeemPoints({}, redeem).status(), IsOk());
  // Gold earns double.
  ASSERT_THAT(consumer
                  .ApplyOne(2, OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "k3",
                                          "o2", 5000))
                  .status(),
              IsOk());
  v1::Account account = Account("k3");
  EXPECT_EQ(account.tier(), "gold");
  EXPECT_EQ(account.points_balance(), 100);
  EXPECT_EQ(account.qualifying_points(), 200);
}

TEST_F(EarningAndExpiryTest, ExpiryIsFifoAcrossMonthEndsAndLeapDays) {
  v1::ExpiryPolicy policy;
  policy.set_mode(v1::ExpiryPolicy::MONTHS_AFTER_EARN);
  policy.set_months(1);
  SetProgram({}, policy);
  crm::common::FeedConsumer consumer = NewConsumer("expiry");
  // 31 January 2028 (a leap year): expires 29 February 10:00.
  clock_.Set(Utc(2028, 1, 31, 10));
  ASSERT_THAT(consumer
                  .ApplyOne(1, OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "k4",
                                          "o1", 10000))
                  .status(),
              IsOk());
  clock_.Set(Utc(2028, 2, 15));
  ASSERT_THAT(consumer
                  .ApplyOne(2, OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "k4",
                                          "o2", 5000))
                  .status(),
              IsOk());
  // Spending 120 empties the older lot and takes 20 of the newer.
  v1::RedeemPointsRequest redeem;
  redeem.set_account("accounts/k4");
  redeem.set_points(120);
  redeem.set_reason("gift");
  redeem.set_request_id("k4-gift");
  ASSERT_THAT(manager_->RedeemPoints({}, redeem).status(), IsOk());

  // (The expiry job is global; only k4's ledger is asserted, so other
  // tests' customers sharing the database do not matter.)
  const std::string k4_expiries =
      "SELECT COUNT(*) FROM ledger_entries WHERE customer_id = 'k4' "
      "AND type = 'EXPIRE'";
  clock_.Set(Utc(2028, 2, 29, 9, 59));
  ASSERT_THAT(expiry_->ExpireDue({}).status(), IsOk());
  EXPECT_EQ(QueryInt(k4_expiries), 0);
  // The older lot is due but was already spent: nothing to expire.
  clock_.Set(Utc(2028, 2, 29, 10));
  ASSERT_THAT(expiry_->ExpireDue({}).status(), IsOk());
  EXPECT_EQ(QueryInt(k4_expiries), 0);
  EXPECT_EQ(Account("k4").points_balance(), 30);
  // The newer lot, earned 15 February, is due 15 March.
  clock_.Set(Utc(2028, 3, 15) - absl::Microseconds(1));
  ASSERT_THAT(expiry_->ExpireDue({}).status(), IsOk());
  EXPECT_EQ(Account("k4").points_balance(), 30);
  clock_.Set(Utc(2028, 3, 15));
  ASSERT_THAT(expiry_->ExpireDue({}).status(), IsOk());
  EXPECT_EQ(QueryInt(k4_expiries), 1);
  EXPECT_EQ(QueryInt("SELECT points_delta FROM ledger_entries WHERE "
                     "customer_id = 'k4' AND type = 'EXPIRE'"),
            -30);
  EXPECT_EQ(Account("k4").points_balance(), 0);
  // Twice is safe.
  ASSERT_THAT(expiry_->ExpireDue({}).status(), IsOk());
  EXPECT_EQ(QueryInt(k4_expiries), 1);
}

TEST_F(EarningAndExpiryTest, TwoReplicasExpiringAtOnceExpireEachLotOnce) {
  v1::ExpiryPolicy policy;
  policy.set_mode(v1::ExpiryPolicy::END_OF_MONTH_AFTER_MONTHS);
  policy.set_months(0);
  SetProgram({}, policy);
  crm::common::FeedConsumer consumer = NewConsumer("replicas");
  clock_.Set(Utc(2026, 5, 10));
  constexpr int kCustomers = 30;
  for (int i = 0; i < kCustomers; ++i) {
    ASSERT_THAT(consumer
                    .ApplyOne(i + 1, OrderEvent(cp::ChangeEvent::ORDER_RECORDED,
                                                absl::StrCat("r", i), "o",
                                                (i + 1) * 100))
                    .status(),
                IsOk());
  }
  clock_.Set(Utc(2026, 6, 1));
  const int64_t before =
      QueryInt("SELECT COUNT(*) FROM ledger_entries WHERE type = 'EXPIRE'");
  std::atomic<int64_t> points{0};
  std::atomic<int64_t> lots{0};
  std::vector<std::thread> replicas;
  for (int r = 0; r < 2; ++r) {
    replicas.emplace_back([&] {
      // Each replica has its own unit of work over the shared pool.
      crm::common::MySqlUnitOfWork unit_of_work(*pool_);
      PointsExpiry replica(unit_of_work, accounts_, ids_, clock_);
      absl::StatusOr<ExpiryRun> run = replica.ExpireDue({}, /*batch=*/7);
      ASSERT_TRUE(run.ok()) << run.status();
      points += run->points;
      lots += run->lots;
    });
  }
  for (std::thread& replica : replicas) replica.join();
  // Between them the replicas expired each due lot once.
  EXPECT_EQ(lots.load(), kCustomers);
  EXPECT_EQ(points.load(), kCustomers * (kCustomers + 1) / 2);
  EXPECT_EQ(
      QueryInt("SELECT COUNT(*) FROM ledger_entries WHERE type = 'EXPIRE'"),
      before + kCustomers);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM ledger_entries "
                     "WHERE type = 'EXPIRE' AND customer_id LIKE 'r%'"),
            kCustomers);
  EXPECT_EQ(QueryInt("SELECT COALESCE(SUM(points_balance), 0) FROM accounts "
                     "WHERE customer_id LIKE 'r%'"),
            0);
}

// A stream over `events` (payloads by sequence 1..n) after a cursor that
// breaks (ends UNAVAILABLE) after a random number of events.
class BreakingStream final : public crm::common::FeedStream {
 public:
  BreakingStream(const std::vector<std::string>& events, int64_t after,
                 int break_after)
      : events_(events), next_(after + 1), left_(break_after) {}
  bool Next(crm::common::FeedItem* item) override {
    if (cancelled_ || left_-- <= 0 ||
        next_ > static_cast<int64_t>(events_.size())) {
      return false;
    }
    item->sequence = next_;
    item->payload = events_[next_ - 1];
    ++next_;
    return true;
  }
  absl::Status Finish() override {
    return absl::UnavailableError("stream broken");
  }
  void Cancel() override { cancelled_ = true; }

 private:
  const std::vector<std::string>& events_;
  int64_t next_;
  int left_;
  std::atomic<bool> cancelled_{false};
};

// Runs 60 orders of five customers `prefix`0..4 (every 4th refunded in full
// right after it was recorded) through a consumer whose streams break after
// a random number of events and whose transactions fail after their effects
// (at least 20 times in the run); every balance must come out exact. `batched`:
// the consumer applies batches through MakeProfileFeedBatchApply (earning
// runs), as crm-loyalty does; otherwise one event per call through
// MakeProfileFeedApply.
void ExpectExactBalancesWhenInterrupted(
    EarningAndExpiryTest& test, crm::common::MySqlPool& pool,
    OrderEarning& earning, MemberLifecycle& lifecycle,
    crm::consents::ConsentTracker& consent_tracker, const std::string& prefix,
    bool batched) {
  std::vector<std::string> events;
  std::map<std::string, int64_t> expected;
  for (int i = 1; i <= 60; ++i) {
    const std::string customer = absl::StrCat(prefix, i % 5);
    const std::string order = absl::StrCat("o", i);
    events.push_back(
        OrderEvent(cp::ChangeEvent::ORDER_RECORDED, customer, order, i * 100));
    expected[customer] += i;
    if (i % 4 == 0) {
      events.push_back(OrderEvent(cp::ChangeEvent::ORDER_REFUNDED, customer,
                                  order, i * 100, i * 100));
      expected[customer] -= i;
    }
  }
  std::mt19937 random(20261202);
  absl::Mutex mu;
  int interruptions = 0;
  auto interrupt = [&](int one_in) {
    absl::MutexLock lock(&mu);
    if (std::uniform_int_distribution<int>(1, one_in)(random) != 1) {
      return false;
    }
    ++interruptions;
    return true;
  };
  crm::common::FeedConsumerOptions options;
  options.consumer = absl::StrCat("interrupted-", prefix);
  options.initial_backoff = absl::Milliseconds(1);
  options.max_backoff = absl::Milliseconds(2);
  auto open = [&](int64_t after)
      -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
    int break_after = 0;
    {
      absl::MutexLock lock(&mu);
      break_after = std::uniform_int_distribution<int>(1, 12)(random);
    }
    return std::make_unique<BreakingStream>(events, after, break_after);
  };
  const crm::common::FeedBatchApplyFunction apply_batch =
      MakeProfileFeedBatchApply(earning, lifecycle, consent_tracker);
  const crm::common::FeedApplyFunction apply =
      MakeProfileFeedApply(earning, lifecycle, consent_tracker);
  // Batches are few, so they fail by count rather than by chance: every
  // other transaction until 25 have failed; with at most 3 events per batch
  // the 75 events take at least 25 that commit, so all 25 failures happen.
  int attempts = 0;
  auto interrupt_every_other = [&] {
    absl::MutexLock lock(&mu);
    if (attempts++ % 2 != 0 || interruptions >= 25) return false;
    ++interruptions;
    return true;
  };
  std::unique_ptr<crm::common::FeedConsumer> consumer;
  if (batched) {
    options.max_batch_events = 3;
    consumer = std::make_unique<crm::common::FeedConsumer>(
        pool, open,
        [&](sql::Connection& connection,
            const std::vector<crm::common::FeedItem>& items) -> absl::Status {
          CRM_RETURN_IF_ERROR(apply_batch(connection, items));
          // Dies after the effects, before the commit: all rolled back.
          if (interrupt_every_other()) {
            return absl::AbortedError("interrupted");
          }
          return absl::OkStatus();
        },
        options);
  } else {
    consumer = std::make_unique<crm::common::FeedConsumer>(
        pool, open,
        [&](sql::Connection& connection, int64_t sequence,
            absl::string_view payload) -> absl::Status {
          CRM_RETURN_IF_ERROR(apply(connection, sequence, payload));
          // Dies after the effects, before the commit: all rolled back.
          if (interrupt(3)) return absl::AbortedError("interrupted");
          return absl::OkStatus();
        },
        options);
  }
  consumer->Start();
  const int64_t last = static_cast<int64_t>(events.size());
  EXPECT_TRUE(crm::testing::WaitUntil(
      [&] { return consumer->last_sequence() >= last; }, absl::Seconds(60)));
  consumer->Stop();
  EXPECT_GE(interruptions, 20);
  for (const auto& [customer, points] : expected) {
    EXPECT_EQ(test.Account(customer).points_balance(), points) << customer;
  }
}

TEST_F(EarningAndExpiryTest, InterruptedConsumerLeavesExactBalances) {
  SetProgram({});
  ExpectExactBalancesWhenInterrupted(*this, *pool_, *earning_, *lifecycle_,
                                     consent_tracker_, "x", /*batched=*/false);
}

TEST_F(EarningAndExpiryTest, InterruptedBatchingConsumerLeavesExactBalances) {
  SetProgram({});
  ExpectExactBalancesWhenInterrupted(*this, *pool_, *earning_, *lifecycle_,
                                     consent_tracker_, "y", /*batched=*/true);
}

TEST_F(EarningAndExpiryTest, ConcurrentOrdersNeverOverspendACampaignBudget) {
  SetProgram({});
  CampaignManager campaigns(*unit_of_work_, campaigns_, idempotency_, clock_,
                            ids_);
  v1::CreateCampaignRequest create;
  create.mutable_campaign()->set_display_name("Double points");
  *create.mutable_campaign()->mutable_start_time() =
      crm::common::ToProtoTimestamp(clock_.Now());
  *create.mutable_campaign()->mutable_end_time() =
      crm::common::ToProtoTimestamp(clock_.Now() + absl::Hours(24));
  create.mutable_campaign()->set_multiplier_percent(200);
  create.mutable_campaign()->set_points_budget(2550);
  absl::StatusOr<v1::Campaign> campaign = campaigns.CreateCampaign({}, create);
  ASSERT_TRUE(campaign.ok()) << campaign.status();

  // 40 orders of 100 points at once, each in its own transaction: the
  // budget covers 25 bonuses and a half. Every member agreed to SMS
  // marketing.
  constexpr int kOrders = 40;
  for (int i = 0; i < kOrders; ++i) {
    ASSERT_THAT(unit_of_work_->Run({},
                                   [&](crm::common::Transaction& tx) {
                                     crm::consents::ConsentAnswer sms;
                                     sms.purpose = cp::Consent::SMS_MARKETING;
                                     sms.status = cp::Consent::GRANTED;
                                     return consents_
                                         .Replace(tx, absl::StrCat("cb", i),
                                                  {sms}, 1)
                                         .status();
                                   }),
                IsOk());
  }
  std::vector<std::thread> tills;
  std::atomic<int> failures{0};
  for (int i = 0; i < kOrders; ++i) {
    tills.emplace_back([&, i] {
      cp::ChangeEvent event;
      event.ParseFromString(OrderEvent(cp::ChangeEvent::ORDER_RECORDED,
                                       absl::StrCat("cb", i), "o", 10000));
      crm::common::MySqlUnitOfWork unit_of_work(*pool_);
      absl::Status applied =
          unit_of_work.Run({}, [&](crm::common::Transaction& tx) {
            return earning_->Apply(tx, event);
          });
      if (!applied.ok()) ++failures;
    });
  }
  for (std::thread& till : tills) till.join();
  EXPECT_EQ(failures.load(), 0);

  v1::GetCampaignRequest get;
  get.set_name(campaign->name());
  absl::StatusOr<v1::Campaign> used = campaigns.GetCampaign({}, get);
  ASSERT_TRUE(used.ok()) << used.status();
  EXPECT_EQ(used->points_awarded(), 2550);
  EXPECT_EQ(used->orders_rewarded(), 26);
  EXPECT_EQ(QueryInt("SELECT SUM(points_delta) FROM ledger_entries "
                     "WHERE type = 'BONUS' AND customer_id LIKE 'cb%'"),
            2550);
  EXPECT_EQ(QueryInt("SELECT SUM(points_balance) FROM accounts "
                     "WHERE customer_id LIKE 'cb%'"),
            kOrders * 100 + 2550);
}

TEST_F(EarningAndExpiryTest, CampaignsReachOnlyMembersWhoseConsentAllowsIt) {
  SetProgram({});
  // A window of its own, after every other test's campaigns.
  clock_.Set(Utc(2031, 6, 1));
  CampaignManager campaigns(*unit_of_work_, campaigns_, idempotency_, clock_,
                            ids_);
  v1::CreateCampaignRequest create;
  create.mutable_campaign()->set_display_name("Email offer");
  *create.mutable_campaign()->mutable_start_time() =
      crm::common::ToProtoTimestamp(clock_.Now());
  *create.mutable_campaign()->mutable_end_time() =
      crm::common::ToProtoTimestamp(clock_.Now() + absl::Hours(24));
  create.mutable_campaign()->set_bonus_points_per_order(50);
  create.mutable_campaign()->set_points_budget(100000);
  create.mutable_campaign()->set_marketing_channel(v1::Campaign::EMAIL);
  absl::StatusOr<v1::Campaign> campaign = campaigns.CreateCampaign({}, create);
  ASSERT_TRUE(campaign.ok()) << campaign.status();

  crm::common::FeedConsumer consumer = NewConsumer("consents");
  int64_t sequence = 0;
  // cy1 granted email marketing, cn1 denied it, cu1 never answered.
  ASSERT_THAT(
      consumer
          .ApplyOne(++sequence, EmailConsentEvent("cy1", cp::Consent::GRANTED))
          .status(),
      IsOk());
  ASSERT_THAT(
      consumer
          .ApplyOne(++sequence, EmailConsentEvent("cn1", cp::Consent::DENIED))
          .status(),
      IsOk());
  for (const char* customer : {"cy1", "cn1", "cu1"}) {
    ASSERT_THAT(
        consumer
            .ApplyOne(++sequence, OrderEvent(cp::ChangeEvent::ORDER_RECORDED,
                                             customer, "o1", 10000))
            .status(),
        IsOk());
  }
  EXPECT_EQ(Account("cy1").points_balance(), 100 + 50);
  EXPECT_EQ(Account("cn1").points_balance(), 100);
  EXPECT_EQ(Account("cu1").points_balance(), 100);

  // cy1 revokes; the event is applied twice (the second time under a new
  // sequence, past the consumer's cursor): one row, still revoked.
  const std::string revoked = EmailConsentEvent("cy1", cp::Consent::REVOKED);
  ASSERT_THAT(consumer.ApplyOne(++sequence, revoked).status(), IsOk());
  ASSERT_THAT(consumer.ApplyOne(++sequence, revoked).status(), IsOk());
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM customer_consents "
                     "WHERE customer_id = 'cy1' AND status = 'REVOKED'"),
            1);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM customer_consents "
                     "WHERE customer_id = 'cy1'"),
            1);
  ASSERT_THAT(
      consumer
          .ApplyOne(++sequence, OrderEvent(cp::ChangeEvent::ORDER_RECORDED,
                                           "cy1", "o2", 10000))
          .status(),
      IsOk());
  EXPECT_EQ(Account("cy1").points_balance(), 150 + 100);

  // An older grant delivered late does not undo the revocation.
  ASSERT_THAT(unit_of_work_->Run({},
                                 [&](crm::common::Transaction& tx) {
                                   cp::ChangeEvent stale;
                                   stale.ParseFromString(EmailConsentEvent(
                                       "cy1", cp::Consent::GRANTED));
                                   stale.set_sequence(1);
                                   return consent_tracker_.Apply(tx, stale);
                                 }),
              IsOk());
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM customer_consents "
                     "WHERE customer_id = 'cy1' AND status = 'REVOKED'"),
            1);

  v1::GetCampaignRequest get;
  get.set_name(campaign->name());
  absl::StatusOr<v1::Campaign> used = campaigns.GetCampaign({}, get);
  ASSERT_TRUE(used.ok()) << used.status();
  EXPECT_EQ(used->marketing_channel(), v1::Campaign::EMAIL);
  EXPECT_EQ(used->orders_rewarded(), 1);
  EXPECT_EQ(used->points_awarded(), 50);
  EXPECT_EQ(used->orders_skipped_without_consent(), 3);  // cn1, cu1, cy1.

  // An erasure forgets the customer's answers.
  cp::ChangeEvent erased;
  erased.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  erased.set_customer_name("customers/cn1");
  ASSERT_THAT(
      consumer.ApplyOne(++sequence, erased.SerializeAsString()).status(),
      IsOk());
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM customer_consents "
                     "WHERE customer_id = 'cn1'"),
            0);
}

}  // namespace
}  // namespace crm::loyalty

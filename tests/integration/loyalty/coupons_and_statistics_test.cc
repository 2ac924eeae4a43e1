// ListCoupons and GetProgramStatistics on a real MariaDB, a fresh database
// per test: keyset pages newest issue first across pages with a filter,
// every filter field, bad filters and tokens, EXPIRED / ISSUED evaluated at
// the injected clock, coupons following a merge and leaving an erased
// customer; the statistics after earnings, a redemption, an expiry, a merge,
// an erasure and a refund debt, cross-checked against the accounts' balances
// (the VerifyLedger-style sums), and every ledger verified at the end.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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
#include "services/common/timestamps.h"
#include "services/common/transaction.h"
#include "services/consents/mysql_consent_repository.h"
#include "services/loyalty/account_manager.h"
#include "services/loyalty/coupon_codes.h"
#include "services/loyalty/member_lifecycle.h"
#include "services/loyalty/migrations.h"
#include "services/loyalty/mysql_account_repository.h"
#include "services/loyalty/mysql_campaign_repository.h"
#include "services/loyalty/mysql_program_repository.h"
#include "services/loyalty/mysql_program_statistics_repository.h"
#include "services/loyalty/mysql_reward_repository.h"
#include "services/loyalty/order_earning.h"
#include "services/loyalty/points_expiry.h"
#include "services/loyalty/profile_feed_apply.h"
#include "services/loyalty/program_manager.h"
#include "services/loyalty/program_statistics.h"
#include "services/loyalty/reward_manager.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
namespace cp = ::crm::customerprofile::v1;

absl::Time Utc(int y, int m, int d) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, 0, 0, 0),
                         absl::UTCTimeZone());
}

cp::ChangeEvent CustomerEvent(cp::ChangeEvent::Type type,
                              const std::string& customer) {
  cp::ChangeEvent event;
  event.set_type(type);
  event.set_customer_name(absl::StrCat("customers/", customer));
  return event;
}

// An order event of `amount_cny` CNY (refunded: `refunded_cny`).
std::string Order(cp::ChangeEvent::Type type, const std::string& customer,
                  const std::string& order, int64_t amount_cny,
                  int64_t refunded_cny = 0) {
  cp::ChangeEvent event = CustomerEvent(type, customer);
  cp::Order* placed = event.mutable_order();
  placed->set_name(absl::StrCat("customers/", customer, "/orders/", order));
  placed->set_customer(event.customer_name());
  placed->mutable_amount()->set_currency_code("CNY");
  placed->mutable_amount()->set_amount_minor(amount_cny * 100);
  placed->mutable_refunded_amount()->set_currency_code("CNY");
  placed->mutable_refunded_amount()->set_amount_minor(refunded_cny * 100);
  return event.SerializeAsString();
}

std::string Merge(const std::string& survivor, const std::string& duplicate) {
  cp::ChangeEvent event =
      CustomerEvent(cp::ChangeEvent::CUSTOMER_MERGED, survivor);
  event.mutable_merge()->set_survivor(absl::StrCat("customers/", survivor));
  event.mutable_merge()->set_duplicate(absl::StrCat("customers/", duplicate));
  return event.SerializeAsString();
}

std::string Erase(const std::string& customer) {
  return CustomerEvent(cp::ChangeEvent::CUSTOMER_ERASED, customer)
      .SerializeAsString();
}

class CouponsAndStatisticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(
        database_, crm::testing::TestDatabase::Create("loyalty_stats"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_,
                             database_->NewMigratedPool(Migrations(), 4));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    accounts_manager_ = std::make_unique<AccountManager>(
        *unit_of_work_, accounts_, programs_, idempotency_, clock_, ids_);
    program_manager_ = std::make_unique<ProgramManager>(
        *unit_of_work_, programs_, idempotency_, clock_);
    reward_manager_ = std::make_unique<RewardManager>(
        *unit_of_work_, rewards_, accounts_, idempotency_, clock_, ids_,
        CsprngCouponCodes::Instance());
    earning_ = std::make_unique<OrderEarning>(accounts_, programs_, campaigns_,
                                              consents_, ids_, clock_);
    lifecycle_ = std::make_unique<MemberLifecycle>(
        accounts_, rewards_, programs_, ids_, clock_, &idempotency_);
    expiry_ =
        std::make_unique<PointsExpiry>(*unit_of_work_, accounts_, ids_, clock_);
    reader_ = std::make_unique<ProgramStatisticsReader>(
        *unit_of_work_, statistics_, programs_, clock_);
    crm::common::FeedConsumerOptions options;
    options.consumer = "loyalty.orders";
    consumer_ = std::make_unique<crm::common::FeedConsumer>(
        *pool_,
        [](int64_t)
            -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
          return absl::UnavailableError("not used");
        },
        MakeProfileFeedApply(*earning_, *lifecycle_, consent_tracker_),
        options);
  }

  // Every account's ledger adds up, tombstones included.
  void TearDown() override {
    if (pool_ == nullptr) return;
    for (const std::string& customer :
         Strings("SELECT customer_id FROM accounts")) {
      v1::VerifyLedgerRequest request;
      request.set_account(absl::StrCat("accounts/", customer));
      absl::StatusOr<v1::LedgerVerification> proof =
          accounts_manager_->VerifyLedger({}, request);
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_TRUE(proof->consistent()) << proof->DebugString();
    }
  }

  // 1 point per CNY; silver from 100 and gold from 400 points earned; points
  // last 2 months.
  void SetProgram() {
    v1::UpdateProgramRequest request;
    v1::Program* program = request.mutable_program();
    program->set_name("programs/default");
    v1::EarnRate* rate = program->add_earn_rates();
    rate->set_currency_code("CNY");
    rate->set_points(1);
    rate->set_per_amount_minor(100);
    v1::Tier* silver = program->add_tiers();
    silver->set_tier_id("silver");
    silver->set_min_qualifying_points(100);
    silver->set_multiplier_percent(100);
    v1::Tier* gold = program->add_tiers();
    gold->set_tier_id("gold");
    gold->set_min_qualifying_points(400);
    gold->set_multiplier_percent(100);
    program->mutable_expiry_policy()->set_mode(
        v1::ExpiryPolicy::MONTHS_AFTER_EARN);
    program->mutable_expiry_policy()->set_months(2);
    request.mutable_update_mask()->add_paths("*");
    ASSERT_THAT(program_manager_->UpdateProgram({}, request).status(), IsOk());
  }

  void Deliver(const std::string& payload) {
    ASSERT_THAT(consumer_->ApplyOne(++sequence_, payload).status(), IsOk());
  }

  void InsertCoupon(const std::string& id, const std::string& customer,
                    const std::string& reward, absl::Time issue_time,
                    absl::Duration validity,
                    v1::Coupon::State state = v1::Coupon::ISSUED) {
    CouponRecord coupon;
    coupon.id = id;
    coupon.code = CsprngCouponCodes::Instance().NewCode().value();
    coupon.customer_id = customer;
    coupon.reward_id = reward;
    coupon.state = state;
    coupon.issue_time = issue_time;
    coupon.expire_time = issue_time + validity;
    if (state == v1::Coupon::REDEEMED) coupon.redeem_time = issue_time;
    ASSERT_THAT(unit_of_work_->Run({},
                                   [&](crm::common::Transaction& tx) {
                                     return rewards_.InsertCoupon(tx, coupon);
                                   }),
                IsOk());
  }

  absl::StatusOr<v1::ListCouponsResponse> List(const std::string& filter,
                                               int page_size = 0,
                                               const std::string& token = "") {
    v1::ListCouponsRequest request;
    request.set_filter(filter);
    request.set_page_size(page_size);
    request.set_page_token(token);
    return reward_manager_->ListCoupons({}, request);
  }

  // The coupon ids of every page of `filter`, `page_size` at a time.
  std::vector<std::string> ListAll(const std::string& filter, int page_size,
                                   int* pages = nullptr) {
    std::vector<std::string> ids;
    std::string token;
    int count = 0;
    do {
      absl::StatusOr<v1::ListCouponsResponse> page =
          List(filter, page_size, token);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      ++count;
      for (const v1::Coupon& coupon : page->coupons()) {
        ids.push_back(coupon.name().substr(sizeof("coupons/") - 1));
      }
      token = page->next_page_token();
    } while (!token.empty() && count < 100);
    if (pages != nullptr) *pages = count;
    return ids;
  }

  v1::ProgramStatistics Statistics() {
    v1::GetProgramStatisticsRequest request;
    request.set_name("programs/default/statistics");
    absl::StatusOr<v1::ProgramStatistics> statistics =
        reader_->GetProgramStatistics({}, request);
    EXPECT_TRUE(statistics.ok()) << statistics.status();
    return statistics.value_or(v1::ProgramStatistics());
  }

  v1::Account Account(const std::string& customer) {
    v1::GetAccountRequest request;
    request.set_name(absl::StrCat("accounts/", customer));
    absl::StatusOr<v1::Account> account =
        accounts_manager_->GetAccount({}, request);
    EXPECT_TRUE(account.ok()) << account.status();
    return account.value_or(v1::Account());
  }

  std::vector<std::string> Strings(const std::string& query) {
    absl::StatusOr<std::vector<std::string>> values =
        database_->QueryColumn(query);
    EXPECT_TRUE(values.ok()) << values.status();
    return values.value_or(std::vector<std::string>{});
  }

  int64_t QueryInt(const std::string& query) {
    std::vector<std::string> values = Strings(query);
    return values.empty() || values[0].empty() ? 0 : std::stoll(values[0]);
  }

  crm::common::FakeClock clock_{Utc(2026, 3, 1)};
  crm::common::RandomIdGenerator ids_;
  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlAccountRepository accounts_;
  MySqlProgramRepository programs_;
  MySqlRewardRepository rewards_;
  MySqlCampaignRepository campaigns_;
  crm::consents::MySqlConsentRepository consents_;
  MySqlProgramStatisticsRepository statistics_;
  crm::consents::ConsentTracker consent_tracker_{consents_};
  crm::common::MySqlIdempotencyRepository idempotency_;
  std::unique_ptr<AccountManager> accounts_manager_;
  std::unique_ptr<ProgramManager> program_manager_;
  std::unique_ptr<RewardManager> reward_manager_;
  std::unique_ptr<OrderEarning> earning_;
  std::unique_ptr<MemberLifecycle> lifecycle_;
  std::unique_ptr<PointsExpiry> expiry_;
  std::unique_ptr<ProgramStatisticsReader> reader_;
  std::unique_ptr<crm::common::FeedConsumer> consumer_;
  int64_t sequence_ = 0;
};

TEST_F(CouponsAndStatisticsTest,
       PagesAreNewestIssueFirstAcrossPagesWithAFilter) {
  const absl::Time t = Utc(2026, 2, 1);
  const absl::Duration month = absl::Hours(24 * 30);
  // c1: seven coupons, three issued at the same instant (ties by id); c2's
  // interleave in time.
  InsertCoupon("k1", "c1", "r1", t, month);
  InsertCoupon("k2", "c1", "r1", t + absl::Hours(1), month);
  InsertCoupon("k5", "c1", "r2", t + absl::Hours(2), month);
  InsertCoupon("k3", "c1", "r1", t + absl::Hours(2), month);
  InsertCoupon("k4", "c1", "r2", t + absl::Hours(2), month);
  InsertCoupon("k6", "c1", "r1", t + absl::Hours(3), month);
  InsertCoupon("k7", "c1", "r2", t + absl::Hours(4), month);
  InsertCoupon("x1", "c2", "r1", t + absl::Minutes(30), month);
  InsertCoupon("x2", "c2", "r1", t + absl::Hours(2), month);
  InsertCoupon("x3", "c2", "r2", t + absl::Hours(5), month);

  int pages = 0;
  EXPECT_EQ(
      ListAll("customer = \"customers/c1\"", 3, &pages),
      (std::vector<std::string>{"k7", "k6", "k5", "k4", "k3", "k2", "k1"}));
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(ListAll("", 4, &pages),
            (std::vector<std::string>{"x3", "k7", "k6", "x2", "k5", "k4", "k3",
                                      "k2", "x1", "k1"}));
  EXPECT_EQ(pages, 3);
  // Ties across a page boundary: 2 per page splits the three at +2h.
  EXPECT_EQ(ListAll("customer = \"customers/c1\" AND reward = \"rewards/r2\"",
                    2, &pages),
            (std::vector<std::string>{"k7", "k5", "k4"}));
  EXPECT_EQ(pages, 2);

  // 0 means 50 (everything here, one page); the page sizes.
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCouponsResponse all, List(""));
  EXPECT_EQ(all.coupons_size(), 10);
  EXPECT_TRUE(all.next_page_token().empty());
  EXPECT_EQ(all.coupons(0).customer(), "customers/c2");
  EXPECT_EQ(all.coupons(0).reward(), "rewards/r2");
  EXPECT_EQ(all.coupons(0).state(), v1::Coupon::ISSUED);
  absl::StatusOr<v1::ListCouponsResponse> negative = List("", -1);
  EXPECT_TRUE(absl::IsInvalidArgument(negative.status()));

  // A token is bound to its filter.
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCouponsResponse first,
                           List("customer = \"customers/c1\"", 2));
  ASSERT_FALSE(first.next_page_token().empty());
  absl::StatusOr<v1::ListCouponsResponse> other =
      List("customer = \"customers/c2\"", 2, first.next_page_token());
  EXPECT_TRUE(absl::IsInvalidArgument(other.status()));
  EXPECT_EQ(crm::common::ReasonOf(other.status()),
            crm::type::v1::PAGE_TOKEN_INVALID);
  EXPECT_TRUE(absl::IsInvalidArgument(
      List("customer = \"customers/c1\"", 2, "garbage").status()));
}

TEST_F(CouponsAndStatisticsTest, EveryFilterFieldSelectsTheRightCoupons) {
  const absl::Time t = Utc(2026, 2, 1);
  const absl::Duration day = absl::Hours(24);
  InsertCoupon("a1", "c1", "r1", t, 10 * day);
  InsertCoupon("a2", "c1", "r2", t + day, 60 * day, v1::Coupon::REDEEMED);
  InsertCoupon("a3", "c2", "r1", t + 2 * day, 60 * day, v1::Coupon::CANCELLED);
  InsertCoupon("a4", "c2", "r2", t + 3 * day, 60 * day);
  // now = 2026-03-01: a1 expired on 2026-02-11; a4 is issued and live.
  EXPECT_EQ(ListAll("customer = \"customers/c2\"", 10),
            (std::vector<std::string>{"a4", "a3"}));
  EXPECT_EQ(ListAll("customer != \"customers/c2\"", 10),
            (std::vector<std::string>{"a2", "a1"}));
  EXPECT_EQ(ListAll("reward = \"rewards/r1\"", 10),
            (std::vector<std::string>{"a3", "a1"}));
  EXPECT_EQ(ListAll("reward != \"rewards/r1\"", 10),
            (std::vector<std::string>{"a4", "a2"}));
  EXPECT_EQ(ListAll("state = ISSUED", 10), (std::vector<std::string>{"a4"}));
  EXPECT_EQ(ListAll("state = EXPIRED", 10), (std::vector<std::string>{"a1"}));
  EXPECT_EQ(ListAll("state = REDEEMED", 10), (std::vector<std::string>{"a2"}));
  EXPECT_EQ(ListAll("state = CANCELLED", 10), (std::vector<std::string>{"a3"}));
  EXPECT_EQ(ListAll("state != ISSUED", 10),
            (std::vector<std::string>{"a3", "a2", "a1"}));
  EXPECT_EQ(ListAll("state = ISSUED OR state = EXPIRED", 10),
            (std::vector<std::string>{"a4", "a1"}));
  EXPECT_EQ(ListAll("issue_time >= \"2026-02-02T00:00:00Z\" AND issue_time < "
                    "\"2026-02-04T00:00:00Z\"",
                    10),
            (std::vector<std::string>{"a3", "a2"}));
  EXPECT_EQ(ListAll("issue_time = \"2026-02-01T00:00:00Z\"", 10),
            (std::vector<std::string>{"a1"}));
  EXPECT_EQ(ListAll("expire_time < \"2026-03-01T00:00:00Z\"", 10),
            (std::vector<std::string>{"a1"}));
  EXPECT_EQ(ListAll("expire_time > \"2026-04-01T00:00:00Z\"", 10),
            (std::vector<std::string>{"a4", "a3", "a2"}));
  EXPECT_EQ(ListAll("NOT customer = \"customers/c1\" AND state = ISSUED", 10),
            (std::vector<std::string>{"a4"}));
}

TEST_F(CouponsAndStatisticsTest, BadFiltersNameTheFilterField) {
  for (const char* filter :
       {"customer = \"c1\"", "reward = \"coupons/r1\"",
        "customer < "
        "\"customers/c1\"",
        "colour = 1", "state = GONE", "issue_time > \"yesterday\"",
        "state = ISSUED and customer = \"customers/c1\"", "(state = ISSUED",
        "expire_time = 5"}) {
    absl::StatusOr<v1::ListCouponsResponse> listed = List(filter);
    EXPECT_TRUE(absl::IsInvalidArgument(listed.status())) << filter;
    EXPECT_EQ(crm::common::ReasonOf(listed.status()),
              crm::type::v1::FILTER_INVALID)
        << filter;
    EXPECT_EQ(crm::common::ErrorMetadataOf(listed.status())["field"], "filter")
        << filter;
    EXPECT_TRUE(absl::StartsWith(listed.status().message(), "filter"))
        << listed.status();
  }
}

TEST_F(CouponsAndStatisticsTest, ExpiredAndIssuedAreDecidedAtReadTime) {
  const absl::Time expires = Utc(2026, 3, 10);
  InsertCoupon("live", "c1", "r1", Utc(2026, 2, 10),
               expires - Utc(2026, 2, 10));
  InsertCoupon("used", "c1", "r1", Utc(2026, 2, 9), absl::Hours(24),
               v1::Coupon::REDEEMED);
  const std::string issued = "customer = \"customers/c1\" AND state = ISSUED";
  const std::string expired = "customer = \"customers/c1\" AND state = EXPIRED";

  clock_.Set(expires - absl::Microseconds(1));
  EXPECT_EQ(ListAll(issued, 10), (std::vector<std::string>{"live"}));
  EXPECT_TRUE(ListAll(expired, 10).empty());
  // At its expire time exactly it is expired (as GetCoupon and redemption).
  clock_.Set(expires);
  EXPECT_TRUE(ListAll(issued, 10).empty());
  EXPECT_EQ(ListAll(expired, 10), (std::vector<std::string>{"live"}));
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCouponsResponse page, List(expired));
  ASSERT_EQ(page.coupons_size(), 1);
  EXPECT_EQ(page.coupons(0).state(), v1::Coupon::EXPIRED);
  // The stored row is still ISSUED: only reads change.
  EXPECT_EQ(Strings("SELECT state FROM coupons WHERE id = 'live'"),
            std::vector<std::string>{"ISSUED"});
  EXPECT_EQ(ListAll("state != EXPIRED", 10),
            (std::vector<std::string>{"used"}));
}

TEST_F(CouponsAndStatisticsTest, CouponsFollowAMergeAndLeaveAnErasedCustomer) {
  SetProgram();
  Deliver(Order(cp::ChangeEvent::ORDER_RECORDED, "s", "o1", 10));
  Deliver(Order(cp::ChangeEvent::ORDER_RECORDED, "d", "o2", 10));
  Deliver(Order(cp::ChangeEvent::ORDER_RECORDED, "e", "o3", 10));
  const absl::Duration month = absl::Hours(24 * 30);
  InsertCoupon("s1", "s", "r1", Utc(2026, 2, 1), month);
  InsertCoupon("d1", "d", "r1", Utc(2026, 2, 2), month);
  InsertCoupon("e1", "e", "r1", Utc(2026, 2, 3), month);
  InsertCoupon("e2", "e", "r1", Utc(2026, 2, 4), month, v1::Coupon::REDEEMED);

  Deliver(Merge("s", "d"));
  EXPECT_EQ(ListAll("customer = \"customers/s\"", 1),
            (std::vector<std::string>{"d1", "s1"}));
  EXPECT_TRUE(ListAll("customer = \"customers/d\"", 10).empty());

  Deliver(Erase("e"));
  EXPECT_TRUE(ListAll("customer = \"customers/e\"", 10).empty());
  EXPECT_TRUE(ListAll("customer != \"customers/s\" AND customer = "
                      "\"customers/e\"",
                      10)
                  .empty());
  // Still counted in the whole list, under a tombstone that names nobody:
  // the issued one cancelled, the redeemed one kept for accounting.
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCouponsResponse all, List(""));
  std::map<std::string, v1::Coupon> by_id;
  for (const v1::Coupon& coupon : all.coupons()) {
    by_id[coupon.name().substr(sizeof("coupons/") - 1)] = coupon;
  }
  ASSERT_EQ(by_id.size(), 4u);
  EXPECT_EQ(by_id["d1"].customer(), "customers/s");
  EXPECT_EQ(by_id["e1"].state(), v1::Coupon::CANCELLED);
  EXPECT_EQ(by_id["e2"].state(), v1::Coupon::REDEEMED);
  EXPECT_TRUE(absl::StartsWith(by_id["e1"].customer(), "customers/erased-"));
  EXPECT_EQ(by_id["e1"].customer(), by_id["e2"].customer());
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM coupons WHERE customer_id = 'e'"),
            0);
}

TEST_F(CouponsAndStatisticsTest,
       StatisticsFollowEarningSpendingExpiryAndMerges) {
  SetProgram();
  // Before anything: the programme's tiers, empty.
  v1::ProgramStatistics empty = Statistics();
  EXPECT_EQ(empty.name(), "programs/default/statistics");
  EXPECT_EQ(empty.member_count(), 0);
  ASSERT_EQ(empty.tier_members_size(), 3);
  EXPECT_EQ(empty.tier_members(0).tier_id(), "");
  EXPECT_EQ(empty.tier_members(1).tier_id(), "silver");
  EXPECT_EQ(empty.tier_members(2).tier_id(), "gold");
  EXPECT_EQ(empty.outstanding_points(), 0);
  EXPECT_EQ(empty.expiring_points_size(), 0);

  // January: e earns 100 (expiring 10 March).
  clock_.Set(Utc(2026, 1, 10));
  Deliver(Order(cp::ChangeEvent::ORDER_RECORDED, "e", "o1", 100));
  // 15 March: e's lot is past its expiry but the job has not run yet.
  clock_.Set(Utc(2026, 3, 15));
  Deliver(Order(cp::ChangeEvent::ORDER_RECORDED, "a", "o2", 500));
  Deliver(Order(cp::ChangeEvent::ORDER_RECORDED, "b", "o3", 150));
  v1::RedeemPointsRequest redeem;
  redeem.set_account("accounts/b");
  redeem.set_points(30);
  redeem.set_reason("gift");
  redeem.set_request_id("b-gift");
  ASSERT_THAT(accounts_manager_->RedeemPoints({}, redeem).status(), IsOk());
  Deliver(Order(cp::ChangeEvent::ORDER_RECORDED, "c", "o4", 50));
  Deliver(Order(cp::ChangeEvent::ORDER_RECORDED, "d", "o5", 30));
  Deliver(Order(cp::ChangeEvent::ORDER_RECORDED, "f", "o6", 200));
  // h spends everything, then a full refund leaves a debt of 20.
  Deliver(Order(cp::ChangeEvent::ORDER_RECORDED, "h", "o7", 20));
  redeem.set_account("accounts/h");
  redeem.set_points(20);
  redeem.set_request_id("h-all");
  ASSERT_THAT(accounts_manager_->RedeemPoints({}, redeem).status(), IsOk());
  Deliver(Order(cp::ChangeEvent::ORDER_REFUNDED, "h", "o7", 20, 20));
  EXPECT_EQ(Account("h").points_debt(), 20);

  v1::ProgramStatistics before_expiry = Statistics();
  const int64_t balances = QueryInt(
      "SELECT SUM(points_balance) FROM accounts WHERE points_debt = 0");
  EXPECT_EQ(balances, 100 + 500 + 120 + 50 + 30 + 200);
  // e's 100 is not outstanding any more, though still in its balance.
  EXPECT_EQ(before_expiry.outstanding_points(), balances - 100);

  ASSERT_THAT(expiry_->ExpireDue({}).status(), IsOk());
  EXPECT_EQ(Account("e").points_balance(), 0);
  Deliver(Merge("c", "d"));
  Deliver(Erase("f"));
  clock_.Set(Utc(2026, 4, 2));
  Deliver(Order(cp::ChangeEvent::ORDER_RECORDED, "a", "o8", 100));

  v1::ProgramStatistics statistics = Statistics();
  EXPECT_EQ(statistics.compute_time().seconds(),
            absl::ToUnixSeconds(Utc(2026, 4, 2)));
  // Members: a, b, c, e, h; d is merged into c, f's account is a tombstone.
  EXPECT_EQ(statistics.member_count(), 5);
  std::map<std::string, int64_t> expected_tiers = {
      {"", 0}, {"silver", 0}, {"gold", 0}};
  for (const char* member : {"a", "b", "c", "e", "h"}) {
    ++expected_tiers[Account(member).tier()];
  }
  EXPECT_EQ(Account("a").tier(), "gold");
  EXPECT_EQ(Account("c").tier(), "");
  ASSERT_EQ(statistics.tier_members_size(), 3);
  const char* order[] = {"", "silver", "gold"};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(statistics.tier_members(i).tier_id(), order[i]);
    EXPECT_EQ(statistics.tier_members(i).member_count(),
              expected_tiers[order[i]])
        << order[i];
  }
  // The liability: a 600, b 120, c 50 + 30 (merged), e 0 (expired), f 0
  // (forfeited), h 0 (in debt).
  EXPECT_EQ(statistics.outstanding_points(), 600 + 120 + 80);
  EXPECT_EQ(statistics.outstanding_points(),
            QueryInt("SELECT SUM(points_balance) FROM accounts "
                     "WHERE points_debt = 0"));
  EXPECT_EQ(statistics.outstanding_points(),
            QueryInt("SELECT SUM(remaining_points) FROM point_lots"));
  // By month: 15 March's earnings expire 15 May (the merged lot keeps its
  // expiry); 2 April's on 2 June.
  ASSERT_EQ(statistics.expiring_points_size(), 2);
  EXPECT_EQ(statistics.expiring_points(0).month_start_time().seconds(),
            absl::ToUnixSeconds(Utc(2026, 5, 1)));
  EXPECT_EQ(statistics.expiring_points(0).points(), 500 + 120 + 50 + 30);
  EXPECT_EQ(statistics.expiring_points(1).month_start_time().seconds(),
            absl::ToUnixSeconds(Utc(2026, 6, 1)));
  EXPECT_EQ(statistics.expiring_points(1).points(), 100);
}

TEST_F(CouponsAndStatisticsTest, ExpiringPointsCoverThirteenMonthsAtMost) {
  v1::UpdateProgramRequest update;
  update.mutable_program()->set_name("programs/default");
  v1::EarnRate* rate = update.mutable_program()->add_earn_rates();
  rate->set_currency_code("CNY");
  rate->set_points(1);
  rate->set_per_amount_minor(100);
  update.mutable_update_mask()->add_paths("earn_rates");
  update.set_request_id("rates");
  ASSERT_THAT(program_manager_->UpdateProgram({}, update).status(), IsOk());
  auto expire_after = [&](int months) {
    update.mutable_program()->mutable_expiry_policy()->set_mode(
        v1::ExpiryPolicy::MONTHS_AFTER_EARN);
    update.mutable_program()->mutable_expiry_policy()->set_months(months);
    update.mutable_update_mask()->Clear();
    update.mutable_update_mask()->add_paths("expiry_policy");
    update.set_request_id(absl::StrCat("expiry-", months));
    ASSERT_THAT(program_manager_->UpdateProgram({}, update).status(), IsOk());
  };
  clock_.Set(Utc(2025, 3, 20));
  Deliver(Order(cp::ChangeEvent::ORDER_RECORDED, "n", "o1", 7));  // never
  expire_after(12);
  Deliver(Order(cp::ChangeEvent::ORDER_RECORDED, "m", "o2", 11));  // 2026-03-20
  clock_.Set(Utc(2026, 3, 1));
  Deliver(Order(cp::ChangeEvent::ORDER_RECORDED, "m", "o3", 17));  // 2027-03-01
  expire_after(24);
  Deliver(Order(cp::ChangeEvent::ORDER_RECORDED, "m", "o4", 13));  // 2028-03-01

  v1::ProgramStatistics statistics = Statistics();
  EXPECT_EQ(statistics.outstanding_points(), 7 + 11 + 17 + 13);
  // March 2026 to March 2027 (13 months): 2028's points and the never
  // expiring ones are outstanding but not listed.
  ASSERT_EQ(statistics.expiring_points_size(), 2);
  EXPECT_EQ(statistics.expiring_points(0).month_start_time().seconds(),
            absl::ToUnixSeconds(Utc(2026, 3, 1)));
  EXPECT_EQ(statistics.expiring_points(0).points(), 11);
  EXPECT_EQ(statistics.expiring_points(1).month_start_time().seconds(),
            absl::ToUnixSeconds(Utc(2027, 3, 1)));
  EXPECT_EQ(statistics.expiring_points(1).points(), 17);
}

TEST_F(CouponsAndStatisticsTest, OnlyTheDefaultProgrammeHasStatistics) {
  v1::GetProgramStatisticsRequest request;
  request.set_name("programs/other/statistics");
  absl::StatusOr<v1::ProgramStatistics> other =
      reader_->GetProgramStatistics({}, request);
  EXPECT_TRUE(absl::IsNotFound(other.status())) << other.status();
  for (const char* name :
       {"programs/default", "programs/default/stats", "default/statistics",
        "programs//statistics", "programs/default/statistics/x"}) {
    request.set_name(name);
    absl::StatusOr<v1::ProgramStatistics> malformed =
        reader_->GetProgramStatistics({}, request);
    EXPECT_TRUE(absl::IsInvalidArgument(malformed.status())) << name;
    EXPECT_EQ(crm::common::ErrorMetadataOf(malformed.status())["field"], "name")
        << name;
  }
  request.clear_name();
  EXPECT_TRUE(absl::IsInvalidArgument(
      reader_->GetProgramStatistics({}, request).status()));
}

}  // namespace
}  // namespace crm::loyalty

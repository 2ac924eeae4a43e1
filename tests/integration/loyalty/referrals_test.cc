// Referrals on a real MariaDB, a fresh database per test: a member's code is
// created once and stays the same; CreateReferral's validation (required
// fields, malformed and unknown codes, self-referral, a customer already
// referred or who already ordered, request_id idempotency); the first order
// of the referred customer, delivered many times through the feed consumer,
// rewards both sides exactly once by the policy in force at that moment, and
// a second order rewards nothing; merges move referrals and codes to the
// survivor (a referral between the two cancelled, one pending referral
// kept); an erasure leaves no referral row or code naming the customer;
// ListReferrals pages and filters. Every ledger is verified at the end.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
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
#include "services/common/transaction.h"
#include "services/consents/mysql_consent_repository.h"
#include "services/loyalty/account_manager.h"
#include "services/loyalty/coupon_codes.h"
#include "services/loyalty/member_lifecycle.h"
#include "services/loyalty/migrations.h"
#include "services/loyalty/mysql_account_repository.h"
#include "services/loyalty/mysql_campaign_repository.h"
#include "services/loyalty/mysql_program_repository.h"
#include "services/loyalty/mysql_referral_repository.h"
#include "services/loyalty/mysql_reward_repository.h"
#include "services/loyalty/order_earning.h"
#include "services/loyalty/profile_feed_apply.h"
#include "services/loyalty/program_manager.h"
#include "services/loyalty/referral_manager.h"
#include "tests/integration/loyalty/profile_events.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
namespace cp = ::crm::customerprofile::v1;
using ::crm::loyalty::testing::MergeEvent;

absl::Time Utc(int y, int m, int d) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, 0, 0, 0),
                         absl::UTCTimeZone());
}

std::string OrderEvent(const std::string& customer, const std::string& order,
                       int64_t amount_cny) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::ORDER_RECORDED);
  event.set_customer_name(absl::StrCat("customers/", customer));
  cp::Order* placed = event.mutable_order();
  placed->set_name(absl::StrCat("customers/", customer, "/orders/", order));
  placed->set_customer(event.customer_name());
  placed->mutable_amount()->set_currency_code("CNY");
  placed->mutable_amount()->set_amount_minor(amount_cny * 100);
  return event.SerializeAsString();
}

std::string EraseEvent(const std::string& customer) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  event.set_customer_name(absl::StrCat("customers/", customer));
  return event.SerializeAsString();
}

class ReferralsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(
        database_, crm::testing::TestDatabase::Create("loyalty_referrals"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_,
                             database_->NewMigratedPool(Migrations(), 4));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    accounts_manager_ = std::make_unique<AccountManager>(
        *unit_of_work_, accounts_, programs_, idempotency_, clock_, ids_);
    program_manager_ = std::make_unique<ProgramManager>(
        *unit_of_work_, programs_, idempotency_, clock_);
    referral_manager_ = std::make_unique<ReferralManager>(
        *unit_of_work_, referrals_, accounts_, idempotency_, clock_, ids_,
        CsprngCouponCodes::Instance());
    earning_ = std::make_unique<OrderEarning>(
        accounts_, programs_, campaigns_, consents_, ids_, clock_, &referrals_);
    lifecycle_ =
        std::make_unique<MemberLifecycle>(accounts_, rewards_, programs_, ids_,
                                          clock_, &idempotency_, &referrals_);
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

  // 1 point per CNY; the referral policy given.
  void SetProgram(int64_t referrer_points, int64_t referred_points) {
    v1::UpdateProgramRequest request;
    v1::Program* program = request.mutable_program();
    program->set_name("programs/default");
    v1::EarnRate* rate = program->add_earn_rates();
    rate->set_currency_code("CNY");
    rate->set_points(1);
    rate->set_per_amount_minor(100);
    program->mutable_referral_policy()->set_referrer_points(referrer_points);
    program->mutable_referral_policy()->set_referred_points(referred_points);
    request.mutable_update_mask()->add_paths("*");
    ASSERT_THAT(program_manager_->UpdateProgram({}, request).status(), IsOk());
  }

  void Deliver(const std::string& payload) {
    ASSERT_THAT(consumer_->ApplyOne(++sequence_, payload).status(), IsOk());
  }

  std::string Code(const std::string& customer) {
    v1::GetReferralCodeRequest request;
    request.set_name(absl::StrCat("customers/", customer, "/referralCode"));
    absl::StatusOr<v1::ReferralCode> code =
        referral_manager_->GetReferralCode({}, request);
    EXPECT_TRUE(code.ok()) << code.status();
    return code.ok() ? code->code() : "";
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
    return referral_manager_->CreateReferral({}, request);
  }

  // `referrer` refers `referred`; the referral's id.
  std::string MustRefer(const std::string& referrer,
                        const std::string& referred) {
    absl::StatusOr<v1::Referral> referral =
        Refer(referred, Code(referrer), absl::StrCat(referrer, "-", referred));
    EXPECT_TRUE(referral.ok()) << referral.status();
    return referral.ok() ? referral->name().substr(sizeof("referrals/") - 1)
                         : "";
  }

  absl::StatusOr<v1::ListReferralsResponse> List(
      const std::string& filter, int page_size = 0,
      const std::string& token = "") {
    v1::ListReferralsRequest request;
    request.set_filter(filter);
    request.set_page_size(page_size);
    request.set_page_token(token);
    return referral_manager_->ListReferrals({}, request);
  }

  // The one referral `filter` lists.
  v1::Referral Only(const std::string& filter) {
    absl::StatusOr<v1::ListReferralsResponse> listed = List(filter);
    EXPECT_TRUE(listed.ok()) << listed.status();
    if (!listed.ok() || listed->referrals_size() != 1) {
      ADD_FAILURE() << "not one referral for " << filter;
      return v1::Referral();
    }
    return listed->referrals(0);
  }

  int64_t Balance(const std::string& customer) {
    v1::GetAccountRequest request;
    request.set_name(absl::StrCat("accounts/", customer));
    absl::StatusOr<v1::Account> account =
        accounts_manager_->GetAccount({}, request);
    EXPECT_TRUE(account.ok()) << account.status();
    return account.ok() ? account->points_balance() : -1;
  }

  std::vector<std::string> Strings(const std::string& query) {
    return crm::common::WithConnection<std::vector<std::string>>(
               *pool_,
               [&](sql::Connection& connection)
                   -> absl::StatusOr<std::vector<std::string>> {
                 std::unique_ptr<sql::Statement> statement(
                     connection.createStatement());
                 std::unique_ptr<sql::ResultSet> rows(
                     statement->executeQuery(query));
                 std::vector<std::string> values;
                 while (rows->next()) {
                   values.push_back(rows->getString(1).asStdString());
                 }
                 return values;
               })
        .value_or(std::vector<std::string>{});
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
  MySqlReferralRepository referrals_;
  crm::consents::ConsentTracker consent_tracker_{consents_};
  crm::common::MySqlIdempotencyRepository idempotency_;
  std::unique_ptr<AccountManager> accounts_manager_;
  std::unique_ptr<ProgramManager> program_manager_;
  std::unique_ptr<ReferralManager> referral_manager_;
  std::unique_ptr<OrderEarning> earning_;
  std::unique_ptr<MemberLifecycle> lifecycle_;
  std::unique_ptr<crm::common::FeedConsumer> consumer_;
  int64_t sequence_ = 0;
};

TEST_F(ReferralsTest, CodeIsCreatedOnceAndStaysTheSame) {
  const std::string first = Code("alice");
  ASSERT_EQ(first.size(), static_cast<size_t>(kCouponCodeLength));
  EXPECT_TRUE(IsCouponCodeShape(first));
  EXPECT_EQ(Code("alice"), first);
  EXPECT_NE(Code("bob"), first);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM referral_codes"), 2);

  v1::GetReferralCodeRequest request;
  request.set_name("customers/alice/code");
  absl::StatusOr<v1::ReferralCode> bad =
      referral_manager_->GetReferralCode({}, request);
  EXPECT_THAT(bad.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(crm::common::ErrorMetadataOf(bad.status())["field"], "name");
}

TEST_F(ReferralsTest, ConcurrentFirstReadsReturnOneCode) {
  std::vector<std::string> seen(8);
  std::vector<std::thread> readers;
  for (size_t i = 0; i < seen.size(); ++i) {
    readers.emplace_back([this, &seen, i] {
      v1::GetReferralCodeRequest request;
      request.set_name("customers/many/referralCode");
      absl::StatusOr<v1::ReferralCode> code =
          referral_manager_->GetReferralCode({}, request);
      seen[i] = code.ok() ? code->code() : code.status().ToString();
    });
  }
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 1u)
      << seen[0];
  EXPECT_TRUE(IsCouponCodeShape(seen[0])) << seen[0];
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM referral_codes"), 1);
}

TEST_F(ReferralsTest, CreateReferralValidatesEveryCase) {
  SetProgram(100, 50);
  const std::string code = Code("alice");

  v1::CreateReferralRequest no_request_id;
  no_request_id.mutable_referral()->set_referred("customers/bob");
  no_request_id.mutable_referral()->set_referral_code(code);
  absl::StatusOr<v1::Referral> missing =
      referral_manager_->CreateReferral({}, no_request_id);
  EXPECT_EQ(crm::common::ReasonOf(missing.status()),
            crm::type::v1::FIELD_REQUIRED);
  EXPECT_EQ(crm::common::ErrorMetadataOf(missing.status())["field"],
            "request_id");

  absl::StatusOr<v1::Referral> bad_name = Refer("bob/x", code, "r-name");
  EXPECT_THAT(bad_name.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(crm::common::ErrorMetadataOf(bad_name.status())["field"],
            "referral.referred");

  absl::StatusOr<v1::Referral> malformed = Refer("bob", "short", "r-shape");
  EXPECT_THAT(malformed.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(crm::common::ErrorMetadataOf(malformed.status())["field"],
            "referral.referral_code");

  const std::string unknown = CsprngCouponCodes::Instance().NewCode().value();
  absl::StatusOr<v1::Referral> not_found = Refer("bob", unknown, "r-unknown");
  EXPECT_THAT(not_found.status(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(crm::common::ErrorMetadataOf(not_found.status())["field"],
            "referral.referral_code");
  EXPECT_EQ(not_found.status().message().find(unknown), std::string::npos);

  absl::StatusOr<v1::Referral> self = Refer("alice", code, "r-self");
  EXPECT_THAT(self.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(crm::common::ErrorMetadataOf(self.status())["field"],
            "referral.referral_code");

  // Codes are case-insensitive on input.
  absl::StatusOr<v1::Referral> created =
      Refer("bob", absl::AsciiStrToLower(code), "r-bob");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->referrer(), "customers/alice");
  EXPECT_EQ(created->referred(), "customers/bob");
  EXPECT_EQ(created->state(), v1::Referral::PENDING);
  EXPECT_TRUE(created->referral_code().empty());

  // The same request again: the first answer, nothing written.
  v1::CreateReferralRequest again;
  again.mutable_referral()->set_referred("customers/bob");
  again.mutable_referral()->set_referral_code(absl::AsciiStrToLower(code));
  again.set_request_id("r-bob");
  absl::StatusOr<v1::Referral> repeated =
      referral_manager_->CreateReferral({}, again);
  ASSERT_TRUE(repeated.ok()) << repeated.status();
  EXPECT_EQ(repeated->name(), created->name());
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM referrals"), 1);

  // Referred already, by anyone.
  absl::StatusOr<v1::Referral> twice = Refer("bob", Code("carol"), "r-bob-2");
  EXPECT_THAT(twice.status(), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(crm::common::ReasonOf(twice.status()),
            crm::type::v1::RESOURCE_ALREADY_EXISTS);
  EXPECT_EQ(crm::common::ErrorMetadataOf(twice.status())["field"],
            "referral.referred");

  // Ordered already (even an order that earned nothing counts).
  Deliver(OrderEvent("dave", "o1", 0));
  absl::StatusOr<v1::Referral> ordered = Refer("dave", code, "r-dave");
  EXPECT_THAT(ordered.status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(crm::common::ReasonOf(ordered.status()),
            crm::type::v1::RESOURCE_STATE_CONFLICT);
  EXPECT_EQ(crm::common::ErrorMetadataOf(ordered.status())["field"],
            "referral.referred");
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM referrals"), 1);
}

TEST_F(ReferralsTest, FirstOrderRewardsBothSidesOnceWhateverTheDeliveries) {
  SetProgram(0, 0);
  const std::string id = MustRefer("alice", "bob");
  // The policy in force when the order arrives applies.
  SetProgram(100, 50);
  const std::string order = OrderEvent("bob", "o1", 30);
  for (int delivery = 0; delivery < 25; ++delivery) Deliver(order);

  EXPECT_EQ(Balance("bob"), 30 + 50);
  EXPECT_EQ(Balance("alice"), 100);
  EXPECT_EQ(QueryInt(absl::StrCat("SELECT COUNT(*) FROM ledger_entries WHERE "
                                  "idempotency_key LIKE 'referral:",
                                  id, ":%'")),
            2);
  const v1::Referral rewarded = Only("referred = \"customers/bob\"");
  EXPECT_EQ(rewarded.state(), v1::Referral::REWARDED);
  EXPECT_EQ(rewarded.referrer_points(), 100);
  EXPECT_EQ(rewarded.referred_points(), 50);
  EXPECT_TRUE(rewarded.has_reward_time());

  // A second order earns its own points only.
  Deliver(OrderEvent("bob", "o2", 20));
  Deliver(OrderEvent("bob", "o2", 20));
  EXPECT_EQ(Balance("bob"), 30 + 50 + 20);
  EXPECT_EQ(Balance("alice"), 100);
}

TEST_F(ReferralsTest, PolicyOffRewardsNothingButTheFirstOrderStillCounts) {
  SetProgram(0, 0);
  MustRefer("alice", "bob");
  Deliver(OrderEvent("bob", "o1", 10));
  SetProgram(100, 50);
  Deliver(OrderEvent("bob", "o2", 10));
  EXPECT_EQ(Balance("bob"), 20);
  EXPECT_EQ(Balance("alice"), 0);
  const v1::Referral referral = Only("referrer = \"customers/alice\"");
  EXPECT_EQ(referral.state(), v1::Referral::REWARDED);
  EXPECT_EQ(referral.referrer_points(), 0);
}

TEST_F(ReferralsTest, MergeMovesReferralsAndTheCode) {
  SetProgram(100, 50);
  // The duplicate referred someone; its code goes to the survivor, which
  // has none.
  const std::string duplicate_code = Code("dup");
  MustRefer("dup", "xavier");
  // A referral between the two is cancelled.
  MustRefer("dup", "surv");
  Deliver(MergeEvent("surv", "dup"));

  EXPECT_EQ(Only("referred = \"customers/xavier\"").referrer(),
            "customers/surv");
  const v1::Referral between = Only("referred = \"customers/surv\"");
  EXPECT_EQ(between.state(), v1::Referral::CANCELLED);
  EXPECT_TRUE(between.has_cancel_time());
  EXPECT_EQ(Code("surv"), duplicate_code);
  // The duplicate's name reads the survivor's code.
  EXPECT_EQ(Code("dup"), duplicate_code);
  absl::StatusOr<v1::ListReferralsResponse> of_duplicate =
      List("referrer = \"customers/dup\" OR referred = \"customers/dup\"");
  ASSERT_TRUE(of_duplicate.ok()) << of_duplicate.status();
  EXPECT_EQ(of_duplicate->referrals_size(), 0);

  // The referred customer's first order rewards the survivor.
  Deliver(OrderEvent("xavier", "o1", 10));
  EXPECT_EQ(Balance("surv"), 100);
  EXPECT_EQ(Balance("dup"), 0);
  EXPECT_EQ(Balance("xavier"), 60);
}

TEST_F(ReferralsTest, MergeKeepsOnePendingReferralOfTheMergedPerson) {
  SetProgram(100, 50);
  MustRefer("p", "s2");  // Older: kept.
  MustRefer("q", "d2");  // Cancelled by the merge.
  Code("s2");
  Code("d2");
  Deliver(MergeEvent("s2", "d2"));
  // Delivered again: nothing changes.
  Deliver(MergeEvent("s2", "d2"));

  EXPECT_EQ(Only("referrer = \"customers/p\"").state(), v1::Referral::PENDING);
  const v1::Referral cancelled = Only("referrer = \"customers/q\"");
  EXPECT_EQ(cancelled.state(), v1::Referral::CANCELLED);
  EXPECT_EQ(cancelled.referred(), "customers/s2");
  // Both had codes: the duplicate's is gone.
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM referral_codes WHERE customer_id "
                     "IN ('s2', 'd2')"),
            1);

  // A late order of the duplicate is the merged person's first.
  Deliver(OrderEvent("d2", "o1", 10));
  EXPECT_EQ(Balance("p"), 100);
  EXPECT_EQ(Balance("q"), 0);
  EXPECT_EQ(Balance("s2"), 60);
}

TEST_F(ReferralsTest, MergeIntoACustomerWhoOrderedCancelsThePendingReferral) {
  SetProgram(100, 50);
  MustRefer("p", "d3");
  Deliver(OrderEvent("s3", "o1", 10));
  Deliver(MergeEvent("s3", "d3"));
  EXPECT_EQ(Only("referrer = \"customers/p\"").state(),
            v1::Referral::CANCELLED);
  Deliver(OrderEvent("s3", "o2", 10));
  EXPECT_EQ(Balance("p"), 0);
  EXPECT_EQ(Balance("s3"), 20);
}

TEST_F(ReferralsTest, ErasureLeavesNothingNamingTheCustomer) {
  SetProgram(100, 50);
  MustRefer("erin", "bob");
  Deliver(OrderEvent("bob", "o1", 10));  // Rewarded: erin has an account.
  MustRefer("erin", "carl");             // Pending.
  MustRefer("zed", "erin");              // Erin referred, pending.
  ASSERT_EQ(Balance("erin"), 100);

  Deliver(EraseEvent("erin"));
  Deliver(EraseEvent("erin"));

  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM referrals WHERE customer_id = "
                     "'erin' OR referrer_id = 'erin'"),
            0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM referral_codes WHERE customer_id "
                     "= 'erin'"),
            0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM referrals WHERE referrer_id LIKE "
                     "'erased-%' OR customer_id LIKE 'erased-%'"),
            3);
  // Amounts and the rewarded state stay; pending ones are cancelled.
  const v1::Referral of_bob = Only("referred = \"customers/bob\"");
  EXPECT_EQ(of_bob.state(), v1::Referral::REWARDED);
  EXPECT_EQ(of_bob.referrer_points(), 100);
  EXPECT_TRUE(of_bob.referrer().rfind("customers/erased-", 0) == 0)
      << of_bob.referrer();
  EXPECT_EQ(Only("referred = \"customers/carl\"").state(),
            v1::Referral::CANCELLED);
  EXPECT_EQ(Only("referrer = \"customers/zed\"").state(),
            v1::Referral::CANCELLED);

  // Carl's first order rewards nobody now.
  Deliver(OrderEvent("carl", "o1", 10));
  EXPECT_EQ(Balance("carl"), 10);
  // The stored CreateReferral responses naming erin are forgotten.
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM idempotency_keys WHERE method = "
                     "'CreateReferral'"),
            0);
}

TEST_F(ReferralsTest, ListPagesNewestFirstAndFilters) {
  std::vector<std::string> made;
  for (int i = 0; i < 7; ++i) {
    made.push_back(
        MustRefer(i % 2 == 0 ? "even" : "odd", absl::StrCat("n", i)));
  }
  // Newest first across pages of 3.
  std::vector<std::string> listed;
  std::string token;
  int pages = 0;
  do {
    absl::StatusOr<v1::ListReferralsResponse> page = List("", 3, token);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const v1::Referral& referral : page->referrals()) {
      listed.push_back(referral.name().substr(sizeof("referrals/") - 1));
    }
    token = page->next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(listed, std::vector<std::string>(made.rbegin(), made.rend()));

  absl::StatusOr<v1::ListReferralsResponse> even =
      List("referrer = \"customers/even\" AND state = PENDING");
  ASSERT_TRUE(even.ok()) << even.status();
  EXPECT_EQ(even->referrals_size(), 4);
  absl::StatusOr<v1::ListReferralsResponse> none =
      List("state = REWARDED OR create_time < \"2020-01-01T00:00:00Z\"");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->referrals_size(), 0);

  absl::StatusOr<v1::ListReferralsResponse> bad = List("referrer = \"x\"");
  EXPECT_EQ(crm::common::ReasonOf(bad.status()), crm::type::v1::FILTER_INVALID);
  absl::StatusOr<v1::ListReferralsResponse> unknown = List("code = \"x\"");
  EXPECT_EQ(crm::common::ReasonOf(unknown.status()),
            crm::type::v1::FILTER_INVALID);
  absl::StatusOr<v1::ListReferralsResponse> first = List("", 3);
  ASSERT_TRUE(first.ok());
  absl::StatusOr<v1::ListReferralsResponse> other_filter =
      List("state = PENDING", 3, first->next_page_token());
  EXPECT_EQ(crm::common::ReasonOf(other_filter.status()),
            crm::type::v1::PAGE_TOKEN_INVALID);
}

}  // namespace
}  // namespace crm::loyalty

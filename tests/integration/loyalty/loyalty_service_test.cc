// loyalty end to end below the binary: the gRPC adapter, the account manager
// and the MySQL repositories in a MySQL unit of work on a fresh database,
// called through a gRPC stub over an in-process channel, including
// concurrent redemptions. Errors are checked by code and reason.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/grpc_status.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/migrations.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"
#include "services/consents/consent_tracker.h"
#include "services/consents/mysql_consent_repository.h"
#include "services/loyalty/account_manager.h"
#include "services/loyalty/loyalty_service.h"
#include "services/loyalty/migrations.h"
#include "services/loyalty/mysql_account_repository.h"
#include "services/loyalty/mysql_campaign_repository.h"
#include "services/loyalty/mysql_program_repository.h"
#include "services/loyalty/mysql_program_statistics_repository.h"
#include "services/loyalty/mysql_referral_repository.h"
#include "services/loyalty/mysql_reward_repository.h"
#include "services/loyalty/program_manager.h"
#include "services/loyalty/referral_manager.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::loyalty {
namespace {

using ::crm::common::ReasonOf;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::StartsWith;
namespace reason = ::crm::type::v1;

// The status of `result` (a Status or StatusOr).
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}

// The ErrorInfo metadata value under `key` (empty if none).
template <typename T>
std::string MetadataOf(const absl::StatusOr<T>& result, const char* key) {
  auto metadata = crm::common::ErrorMetadataOf(result.status());
  auto it = metadata.find(key);
  return it == metadata.end() ? std::string() : it->second;
}

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

class LoyaltyServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("loyalty"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_,
                             database_->NewMigratedPool(Migrations(), 20));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    manager_ = std::make_unique<AccountManager>(
        *unit_of_work_, accounts_, programs_, idempotency_, clock_, ids_);
    program_manager_ = std::make_unique<ProgramManager>(
        *unit_of_work_, programs_, idempotency_, clock_);
    reward_manager_ = std::make_unique<RewardManager>(
        *unit_of_work_, rewards_, accounts_, idempotency_, clock_, ids_,
        CsprngCouponCodes::Instance());
    exporter_ = std::make_unique<AccountExport>(
        *unit_of_work_, accounts_, rewards_, programs_, clock_, &referrals_);
    campaign_manager_ = std::make_unique<CampaignManager>(
        *unit_of_work_, campaigns_, idempotency_, clock_, ids_);
    coupon_issuer_ = std::make_unique<CouponIssuer>(
        *unit_of_work_, rewards_, accounts_, consents_, idempotency_, clock_,
        ids_, CsprngCouponCodes::Instance());
    statistics_reader_ = std::make_unique<ProgramStatisticsReader>(
        *unit_of_work_, statistics_, programs_, clock_);
    referral_manager_ = std::make_unique<ReferralManager>(
        *unit_of_work_, referrals_, accounts_, idempotency_, clock_, ids_,
        CsprngCouponCodes::Instance());
    service_ = std::make_unique<LoyaltyServiceImpl>(
        *manager_, *program_manager_, *reward_manager_, *campaign_manager_,
        *exporter_, *coupon_issuer_, *statistics_reader_, *referral_manager_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::LoyaltyService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
  }

  // Every scenario ends with VerifyLedger passing for every account.
  void TearDown() override {
    if (server_ == nullptr) return;
    const int64_t accounts = QueryInt("SELECT COUNT(*) FROM accounts");
    for (int64_t i = 0; i < accounts; ++i) {
      const std::string customer = QueryString(absl::StrCat(
          "SELECT customer_id FROM accounts ORDER BY customer_id LIMIT 1 "
          "OFFSET ",
          i));
      grpc::ClientContext context;
      v1::VerifyLedgerRequest request;
      request.set_account(absl::StrCat("accounts/", customer));
      v1::LedgerVerification proof;
      ASSERT_TRUE(stub_->VerifyLedger(&context, request, &proof).ok());
      EXPECT_TRUE(proof.consistent()) << proof.DebugString();
      EXPECT_EQ(proof.points_balance(),
                QueryInt(absl::StrCat("SELECT COALESCE(SUM(points_delta), 0) "
                                      "FROM ledger_entries WHERE customer_id "
                                      "= '",
                                      customer, "'")));
    }
    server_->Shutdown();
  }

  absl::StatusOr<v1::RedeemPointsResponse> Redeem(const std::string& customer,
                                                  int64_t points,
                                                  const std::string& id) {
    grpc::ClientContext context;
    v1::RedeemPointsRequest request;
    request.set_account(absl::StrCat("accounts/", customer));
    request.set_points(points);
    request.set_reason("兑换");
    request.set_request_id(id);
    v1::RedeemPointsResponse response;
    grpc::Status status = stub_->RedeemPoints(&context, request, &response);
    if (!status.ok()) return crm::common::FromGrpcStatus(status);
    return response;
  }

  // The single text a constant query returns (empty if none).
  std::string QueryString(const std::string& query) {
    return crm::common::WithConnection<std::string>(
               *pool_,
               [&](sql::Connection& connection) -> absl::StatusOr<std::string> {
                 std::unique_ptr<sql::Statement> statement(
                     connection.createStatement());
                 std::unique_ptr<sql::ResultSet> rows(
                     statement->executeQuery(query));
                 if (!rows->next()) return absl::NotFoundError("no row");
                 return rows->getString(1).asStdString();
               })
        .value_or("");
  }

  absl::StatusOr<v1::Account> GetAccount(const std::string& name) {
    grpc::ClientContext context;
    v1::GetAccountRequest request;
    request.set_name(name);
    v1::Account response;
    grpc::Status status = stub_->GetAccount(&context, request, &response);
    if (!status.ok()) return crm::common::FromGrpcStatus(status);
    return response;
  }

  absl::StatusOr<v1::AdjustPointsResponse> Adjust(
      const v1::AdjustPointsRequest& request) {
    grpc::ClientContext context;
    v1::AdjustPointsResponse response;
    grpc::Status status = stub_->AdjustPoints(&context, request, &response);
    if (!status.ok()) return crm::common::FromGrpcStatus(status);
    return response;
  }

  static v1::AdjustPointsRequest NewAdjust(const std::string& customer_id,
                                           int64_t delta,
                                           const std::string& request_id) {
    v1::AdjustPointsRequest request;
    request.set_account(absl::StrCat("accounts/", customer_id));
    request.set_points_delta(delta);
    request.set_reason("goodwill 补偿");
    request.set_request_id(request_id);
    return request;
  }

  // The single integer a constant query returns (NULL reads as 0).
  int64_t QueryInt(const std::string& query) {
    return crm::common::WithConnection<int64_t>(
               *pool_,
               [&](sql::Connection& connection) -> absl::StatusOr<int64_t> {
                 std::unique_ptr<sql::Statement> statement(
                     connection.createStatement());
                 std::unique_ptr<sql::ResultSet> rows(
                     statement->executeQuery(query));
                 if (!rows->next()) return absl::NotFoundError("no row");
                 return rows->getInt64(1);
               })
        .value_or(-1);
  }

  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"e"};
  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlAccountRepository accounts_;
  MySqlProgramRepository programs_;
  MySqlRewardRepository rewards_;
  MySqlCampaignRepository campaigns_;
  crm::consents::MySqlConsentRepository consents_;
  crm::common::MySqlIdempotencyRepository idempotency_;
  std::unique_ptr<AccountManager> manager_;
  std::unique_ptr<ProgramManager> program_manager_;
  std::unique_ptr<RewardManager> reward_manager_;
  std::unique_ptr<CampaignManager> campaign_manager_;
  std::unique_ptr<AccountExport> exporter_;
  std::unique_ptr<CouponIssuer> coupon_issuer_;
  MySqlProgramStatisticsRepository statistics_;
  std::unique_ptr<ProgramStatisticsReader> statistics_reader_;
  MySqlReferralRepository referrals_;
  std::unique_ptr<ReferralManager> referral_manager_;
  std::unique_ptr<LoyaltyServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::LoyaltyService::Stub> stub_;
};

TEST_F(LoyaltyServiceTest, FirstEntryCreatesTheAccount) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Account before, GetAccount("accounts/c1"));
  EXPECT_EQ(before.points_balance(), 0);
  EXPECT_EQ(before.customer(), "customers/c1");
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM accounts"), 0);

  CRM_ASSERT_OK_AND_ASSIGN(v1::AdjustPointsResponse credited,
                           Adjust(NewAdjust("c1", 100, "r1")));
  EXPECT_THAT(credited.entry().name(),
              StartsWith("accounts/c1/ledgerEntries/"));
  EXPECT_EQ(credited.entry().type(), v1::LedgerEntry::ADJUST);
  EXPECT_EQ(credited.entry().points_delta(), 100);
  EXPECT_EQ(credited.entry().balance_after(), 100);
  EXPECT_EQ(credited.entry().reason(), "goodwill 补偿");
  EXPECT_EQ(crm::common::FromProtoTimestamp(credited.entry().create_time()),
            kStart);
  EXPECT_EQ(credited.account().name(), "accounts/c1");
  EXPECT_EQ(credited.account().customer(), "customers/c1");
  EXPECT_EQ(credited.account().points_balance(), 100);

  clock_.Advance(absl::Minutes(1));
  CRM_ASSERT_OK_AND_ASSIGN(v1::AdjustPointsResponse debited,
                           Adjust(NewAdjust("c1", -30, "r2")));
  EXPECT_EQ(debited.entry().balance_after(), 70);
  EXPECT_NE(debited.account().etag(), credited.account().etag());

  CRM_ASSERT_OK_AND_ASSIGN(v1::Account account, GetAccount("accounts/c1"));
  EXPECT_TRUE(MessageDifferencer::Equals(account, debited.account()))
      << account.DebugString() << debited.account().DebugString();
  EXPECT_EQ(crm::common::FromProtoTimestamp(account.create_time()), kStart);
  EXPECT_EQ(crm::common::FromProtoTimestamp(account.update_time()),
            kStart + absl::Minutes(1));
}

TEST_F(LoyaltyServiceTest, RejectsInvalidRequestsNamingTheField) {
  struct Case {
    const char* field;
    reason::ErrorReason reason;
    v1::AdjustPointsRequest request;
  };
  std::vector<Case> cases = {
      {"request_id", reason::FIELD_REQUIRED, NewAdjust("c1", 10, "")},
      {"request_id", reason::FIELD_INVALID,
       NewAdjust("c1", 10, std::string(65, 'x'))},
      {"points_delta", reason::FIELD_REQUIRED, NewAdjust("c1", 0, "r")},
      {"points_delta", reason::FIELD_INVALID,
       NewAdjust("c1", 1'000'000'001, "r")},
      {"points_delta", reason::FIELD_INVALID,
       NewAdjust("c1", -1'000'000'001, "r")},
      {"reason", reason::FIELD_REQUIRED, NewAdjust("c1", 10, "r")},
      {"reason", reason::FIELD_INVALID, NewAdjust("c1", 10, "r")},
      {"account", reason::FIELD_INVALID, NewAdjust("c1", 10, "r")},
  };
  cases[5].request.set_reason("  ");
  cases[6].request.set_reason(std::string(501, 'y'));
  cases[7].request.set_account("customers/c1");
  for (const Case& c : cases) {
    absl::StatusOr<v1::AdjustPointsResponse> result = Adjust(c.request);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument))
        << c.field;
    EXPECT_EQ(ReasonOf(StatusOf(result)), c.reason) << c.field;
    EXPECT_EQ(MetadataOf(result, "field"), c.field);
  }
  absl::StatusOr<v1::Account> bad_name = GetAccount("accounts/");
  EXPECT_THAT(bad_name, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(MetadataOf(bad_name, "field"), "name");
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM ledger_entries"), 0);

  // The largest allowed magnitude is accepted.
  EXPECT_THAT(Adjust(NewAdjust("c1", 1'000'000'000, "max")), IsOk());
}

TEST_F(LoyaltyServiceTest, NeverOverdraws) {
  absl::StatusOr<v1::AdjustPointsResponse> first_debit =
      Adjust(NewAdjust("c2", -1, "first-debit"));
  EXPECT_THAT(first_debit, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(StatusOf(first_debit)), reason::INSUFFICIENT_BALANCE);
  EXPECT_EQ(MetadataOf(first_debit, "available_points"), "0");
  // A refused first entry leaves no account behind.
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM accounts"), 0);

  ASSERT_THAT(Adjust(NewAdjust("c2", 50, "credit")), IsOk());
  absl::StatusOr<v1::AdjustPointsResponse> too_much =
      Adjust(NewAdjust("c2", -51, "too-much"));
  EXPECT_THAT(too_much, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(StatusOf(too_much)), reason::INSUFFICIENT_BALANCE);
  CRM_ASSERT_OK_AND_ASSIGN(v1::AdjustPointsResponse all,
                           Adjust(NewAdjust("c2", -50, "all")));
  EXPECT_EQ(all.account().points_balance(), 0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM ledger_entries"), 2);
}

TEST_F(LoyaltyServiceTest, RepeatedRequestIdAppliesOnce) {
  v1::AdjustPointsRequest request = NewAdjust("c3", 40, "once");
  CRM_ASSERT_OK_AND_ASSIGN(v1::AdjustPointsResponse first, Adjust(request));
  clock_.Advance(absl::Seconds(3));
  CRM_ASSERT_OK_AND_ASSIGN(v1::AdjustPointsResponse second, Adjust(request));
  EXPECT_TRUE(MessageDifferencer::Equals(first, second))
      << second.DebugString();
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM ledger_entries"), 1);
  CRM_ASSERT_OK_AND_ASSIGN(v1::Account account, GetAccount("accounts/c3"));
  EXPECT_EQ(account.points_balance(), 40);

  absl::StatusOr<v1::AdjustPointsResponse> reused =
      Adjust(NewAdjust("c3", 41, "once"));
  EXPECT_THAT(reused, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(StatusOf(reused)), reason::REQUEST_ID_REUSED);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM ledger_entries"), 1);
}

TEST_F(LoyaltyServiceTest, ConcurrentRedemptionsNeverOverdraw) {
  constexpr int64_t kInitial = 1000;
  constexpr int64_t kCost = 7;
  constexpr int kThreads = 16;
  constexpr int kAttemptsPerThread = 10;  // 160 * 7 = 1120 > 1000.
  ASSERT_THAT(Adjust(NewAdjust("c4", kInitial, "seed")), IsOk());

  std::atomic<int> succeeded{0};
  std::atomic<int> refused{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAttemptsPerThread; ++i) {
        absl::StatusOr<v1::AdjustPointsResponse> result =
            Adjust(NewAdjust("c4", -kCost, absl::StrCat("redeem-", t, "-", i)));
        if (result.ok()) {
          ++succeeded;
        } else if (result.status().code() ==
                       absl::StatusCode::kFailedPrecondition &&
                   ReasonOf(result.status()) == reason::INSUFFICIENT_BALANCE) {
          ++refused;
        } else {
          ADD_FAILURE() << result.status();
          ++other;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(succeeded.load(), kInitial / kCost);  // 142: until below 7.
  EXPECT_EQ(refused.load(), kThreads * kAttemptsPerThread - succeeded.load());
  CRM_ASSERT_OK_AND_ASSIGN(v1::Account account, GetAccount("accounts/c4"));
  EXPECT_EQ(account.points_balance(), kInitial - kCost * succeeded.load());
  EXPECT_EQ(account.points_balance(),
            QueryInt("SELECT SUM(points_delta) FROM ledger_entries "
                     "WHERE customer_id = 'c4'"));
  EXPECT_EQ(account.points_balance(),
            QueryInt("SELECT points_balance FROM accounts "
                     "WHERE customer_id = 'c4'"));
  EXPECT_EQ(QueryInt("SELECT MIN(balance_after) FROM ledger_entries "
                     "WHERE customer_id = 'c4'"),
            account.points_balance());
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM ledger_entries "
                     "WHERE customer_id = 'c4'"),
            1 + succeeded.load());
}

TEST_F(LoyaltyServiceTest, HundredConcurrentRedemptionsNeverOverdraw) {
  constexpr int kRedeemers = 100;
  constexpr int64_t kCost = 10;
  constexpr int64_t kInitial = 555;  // Covers 55 redemptions, 5 left over.
  ASSERT_THAT(Adjust(NewAdjust("c5", 300, "seed-1")), IsOk());
  clock_.Advance(absl::Seconds(1));
  ASSERT_THAT(Adjust(NewAdjust("c5", kInitial - 300, "seed-2")), IsOk());

  std::atomic<int> succeeded{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kRedeemers; ++t) {
    threads.emplace_back([&, t] {
      absl::StatusOr<v1::RedeemPointsResponse> result =
          Redeem("c5", kCost, absl::StrCat("redeem-", t));
      if (result.ok()) {
        EXPECT_GE(result->account().points_balance(), 0);
        ++succeeded;
      } else {
        EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition)
            << result.status();
        EXPECT_EQ(ReasonOf(result.status()), reason::INSUFFICIENT_BALANCE);
        ++refused;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(succeeded.load(), kInitial / kCost);
  EXPECT_EQ(refused.load(), kRedeemers - succeeded.load());
  CRM_ASSERT_OK_AND_ASSIGN(v1::Account account, GetAccount("accounts/c5"));
  EXPECT_EQ(account.points_balance(), kInitial % kCost);
  // The lots hold exactly the balance, the older one emptied first.
  EXPECT_EQ(QueryInt("SELECT SUM(remaining_points) FROM point_lots "
                     "WHERE customer_id = 'c5'"),
            kInitial % kCost);
  EXPECT_EQ(QueryInt("SELECT MIN(remaining_points) FROM point_lots "
                     "WHERE customer_id = 'c5'"),
            0);
}

TEST_F(LoyaltyServiceTest, TwoRedeemersOfTheLastPointsOneWins) {
  ASSERT_THAT(Adjust(NewAdjust("c6", 50, "seed")), IsOk());
  std::atomic<int> won{0};
  std::atomic<int> lost{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      absl::StatusOr<v1::RedeemPointsResponse> result =
          Redeem("c6", 50, absl::StrCat("last-", t));
      if (result.ok()) {
        ++won;
      } else if (ReasonOf(result.status()) == reason::INSUFFICIENT_BALANCE) {
        EXPECT_EQ(
            crm::common::ErrorMetadataOf(result.status())["available_points"],
            "0");
        ++lost;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), 1);
  CRM_ASSERT_OK_AND_ASSIGN(v1::Account account, GetAccount("accounts/c6"));
  EXPECT_EQ(account.points_balance(), 0);
}

TEST_F(LoyaltyServiceTest, RedemptionReversalAndStatements) {
  ASSERT_THAT(Adjust(NewAdjust("c7", 100, "seed")), IsOk());
  clock_.Advance(absl::Hours(24));
  CRM_ASSERT_OK_AND_ASSIGN(v1::RedeemPointsResponse redeemed,
                           Redeem("c7", 80, "buy"));
  clock_.Advance(absl::Hours(24));
  grpc::ClientContext reverse_context;
  v1::ReverseRedemptionRequest reverse;
  reverse.set_name(redeemed.entry().name());
  reverse.set_reason("退货");
  reverse.set_request_id("undo");
  v1::ReverseRedemptionResponse reversed;
  ASSERT_TRUE(
      stub_->ReverseRedemption(&reverse_context, reverse, &reversed).ok());
  EXPECT_EQ(reversed.account().points_balance(), 100);

  grpc::ClientContext list_context;
  v1::ListLedgerEntriesRequest list;
  list.set_parent("accounts/c7");
  list.set_filter("type != ADJUST AND create_time >= \"2026-01-02T00:00:00Z\"");
  list.set_page_size(1);
  v1::ListLedgerEntriesResponse page;
  ASSERT_TRUE(stub_->ListLedgerEntries(&list_context, list, &page).ok());
  ASSERT_EQ(page.ledger_entries_size(), 1);
  EXPECT_EQ(page.ledger_entries(0).type(), v1::LedgerEntry::REVERSE);
  EXPECT_EQ(page.ledger_entries(0).sequence(), 3);
  list.set_page_token(page.next_page_token());
  grpc::ClientContext next_context;
  ASSERT_TRUE(stub_->ListLedgerEntries(&next_context, list, &page).ok());
  ASSERT_EQ(page.ledger_entries_size(), 1);
  EXPECT_EQ(page.ledger_entries(0).type(), v1::LedgerEntry::REDEEM);
  EXPECT_TRUE(page.next_page_token().empty());
}

TEST_F(LoyaltyServiceTest, ProgramSettingsUpdateWithEtag) {
  grpc::ClientContext get_context;
  v1::GetProgramRequest get;
  get.set_name("programs/default");
  v1::Program initial;
  ASSERT_TRUE(stub_->GetProgram(&get_context, get, &initial).ok());
  EXPECT_EQ(initial.name(), "programs/default");
  EXPECT_EQ(initial.earn_rates_size(), 0);

  v1::UpdateProgramRequest update;
  *update.mutable_program() = initial;
  v1::EarnRate* rate = update.mutable_program()->add_earn_rates();
  rate->set_currency_code("CNY");
  rate->set_points(1);
  rate->set_per_amount_minor(100);
  update.mutable_program()->mutable_expiry_policy()->set_mode(
      v1::ExpiryPolicy::MONTHS_AFTER_EARN);
  update.mutable_program()->mutable_expiry_policy()->set_months(12);
  grpc::ClientContext update_context;
  v1::Program updated;
  ASSERT_TRUE(stub_->UpdateProgram(&update_context, update, &updated).ok());
  EXPECT_EQ(updated.earn_rates_size(), 1);
  EXPECT_NE(updated.etag(), initial.etag());

  // The stale etag is refused and changes nothing.
  grpc::ClientContext stale_context;
  v1::Program ignored;
  grpc::Status stale = stub_->UpdateProgram(&stale_context, update, &ignored);
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(ReasonOf(crm::common::FromGrpcStatus(stale)),
            reason::ETAG_MISMATCH);
  grpc::ClientContext again_context;
  v1::Program stored;
  ASSERT_TRUE(stub_->GetProgram(&again_context, get, &stored).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(stored, updated))
      << stored.DebugString();

  // Invalid settings name the field.
  update.mutable_program()->set_etag(updated.etag());
  update.mutable_program()->mutable_earn_rates(0)->set_points(0);
  grpc::ClientContext invalid_context;
  grpc::Status invalid =
      stub_->UpdateProgram(&invalid_context, update, &ignored);
  EXPECT_EQ(invalid.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(crm::common::ErrorMetadataOf(
                crm::common::FromGrpcStatus(invalid))["field"],
            "program.earn_rates[0].points");

  // Another programme does not exist.
  get.set_name("programs/other");
  grpc::ClientContext other_context;
  EXPECT_EQ(stub_->GetProgram(&other_context, get, &ignored).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(LoyaltyServiceTest, RewardStockAndPointsAreNeverOverspent) {
  grpc::ClientContext create_context;
  v1::CreateRewardRequest create;
  create.mutable_reward()->set_display_name("咖啡券 coffee");
  create.mutable_reward()->set_point_cost(100);
  create.mutable_reward()->set_stock(5);
  v1::Reward reward;
  ASSERT_TRUE(stub_->CreateReward(&create_context, create, &reward).ok());
  EXPECT_EQ(reward.coupon_validity_days(), 30);
  // 12 members with 250 points each, two redemptions each, all at once: 24
  // attempts for 5 units.
  constexpr int kMembers = 12;
  for (int m = 0; m < kMembers; ++m) {
    ASSERT_THAT(
        Adjust(NewAdjust(absl::StrCat("m", m), 250, absl::StrCat("seed-", m))),
        IsOk());
  }
  std::atomic<int> issued{0};
  std::atomic<int> sold_out{0};
  std::vector<std::string> codes(kMembers * 2);
  std::vector<std::thread> threads;
  for (int t = 0; t < kMembers * 2; ++t) {
    threads.emplace_back([&, t] {
      grpc::ClientContext context;
      v1::RedeemRewardRequest request;
      request.set_account(absl::StrCat("accounts/m", t % kMembers));
      request.set_reward(reward.name());
      request.set_request_id(absl::StrCat("buy-", t));
      v1::RedeemRewardResponse response;
      grpc::Status status = stub_->RedeemReward(&context, request, &response);
      if (status.ok()) {
        ++issued;
        codes[t] = response.coupon().code();
        EXPECT_EQ(response.entry().points_delta(), -100);
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
        ++sold_out;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(issued.load(), 5);
  EXPECT_EQ(sold_out.load(), kMembers * 2 - 5);
  EXPECT_EQ(QueryInt(absl::StrCat("SELECT stock FROM rewards WHERE id = '",
                                  reward.name().substr(8), "'")),
            0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM coupons"), 5);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM ledger_entries "
                     "WHERE type = 'REDEEM'"),
            5);

  // One coupon, redeemed by 8 cashiers at once: exactly one succeeds.
  std::string code;
  for (const std::string& c : codes) {
    if (!c.empty()) code = c;
  }
  ASSERT_EQ(code.size(), 20u);
  std::atomic<int> redeemed{0};
  std::atomic<int> refused{0};
  threads.clear();
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      grpc::ClientContext context;
      v1::RedeemCouponRequest request;
      request.set_code(t % 2 == 0 ? code : absl::AsciiStrToLower(code));
      request.set_request_id(absl::StrCat("till-", t));
      v1::Coupon coupon;
      grpc::Status status = stub_->RedeemCoupon(&context, request, &coupon);
      if (status.ok()) {
        EXPECT_EQ(coupon.state(), v1::Coupon::REDEEMED);
        ++redeemed;
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
        ++refused;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(redeemed.load(), 1);
  EXPECT_EQ(refused.load(), 7);

  // Validation: a redeemed coupon, an unknown code, a malformed code.
  grpc::ClientContext validate_context;
  v1::ValidateCouponRequest validate;
  validate.set_code(code);
  v1::Coupon ignored;
  EXPECT_EQ(
      stub_->ValidateCoupon(&validate_context, validate, &ignored).error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);
  validate.set_code("00000000000000000000");
  grpc::ClientContext unknown_context;
  EXPECT_EQ(
      stub_->ValidateCoupon(&unknown_context, validate, &ignored).error_code(),
      grpc::StatusCode::NOT_FOUND);
  validate.set_code("short");
  grpc::ClientContext malformed_context;
  EXPECT_EQ(stub_->ValidateCoupon(&malformed_context, validate, &ignored)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(LoyaltyServiceTest, CouponsExpire) {
  grpc::ClientContext create_context;
  v1::CreateRewardRequest create;
  create.mutable_reward()->set_display_name("tea");
  create.mutable_reward()->set_point_cost(10);
  create.mutable_reward()->set_stock(1);
  create.mutable_reward()->set_coupon_validity_days(7);
  v1::Reward reward;
  ASSERT_TRUE(stub_->CreateReward(&create_context, create, &reward).ok());
  ASSERT_THAT(Adjust(NewAdjust("e1", 10, "seed")), IsOk());
  grpc::ClientContext redeem_context;
  v1::RedeemRewardRequest redeem;
  redeem.set_account("accounts/e1");
  redeem.set_reward(reward.name());
  redeem.set_request_id("buy");
  v1::RedeemRewardResponse bought;
  ASSERT_TRUE(stub_->RedeemReward(&redeem_context, redeem, &bought).ok());
  clock_.Advance(absl::Hours(24 * 7));
  grpc::ClientContext validate_context;
  v1::ValidateCouponRequest validate;
  validate.set_code(bought.coupon().code());
  v1::Coupon coupon;
  EXPECT_EQ(
      stub_->ValidateCoupon(&validate_context, validate, &coupon).error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);
  grpc::ClientContext get_context;
  v1::GetCouponRequest get;
  get.set_name(bought.coupon().name());
  ASSERT_TRUE(stub_->GetCoupon(&get_context, get, &coupon).ok());
  EXPECT_EQ(coupon.state(), v1::Coupon::EXPIRED);
}

TEST_F(LoyaltyServiceTest, CouponsAreListedAndStatisticsServedOverGrpc) {
  grpc::ClientContext create_context;
  v1::CreateRewardRequest create;
  create.mutable_reward()->set_display_name("tea");
  create.mutable_reward()->set_point_cost(10);
  create.mutable_reward()->set_stock(5);
  v1::Reward reward;
  ASSERT_TRUE(stub_->CreateReward(&create_context, create, &reward).ok());
  ASSERT_THAT(Adjust(NewAdjust("l1", 25, "seed")), IsOk());
  grpc::ClientContext redeem_context;
  v1::RedeemRewardRequest redeem;
  redeem.set_account("accounts/l1");
  redeem.set_reward(reward.name());
  redeem.set_request_id("buy");
  v1::RedeemRewardResponse bought;
  ASSERT_TRUE(stub_->RedeemReward(&redeem_context, redeem, &bought).ok());

  grpc::ClientContext list_context;
  v1::ListCouponsRequest list;
  list.set_filter(absl::StrCat("customer = \"customers/l1\" AND reward = \"",
                               reward.name(), "\" AND state = ISSUED"));
  v1::ListCouponsResponse listed;
  ASSERT_TRUE(stub_->ListCoupons(&list_context, list, &listed).ok());
  ASSERT_EQ(listed.coupons_size(), 1);
  EXPECT_TRUE(MessageDifferencer::Equals(listed.coupons(0), bought.coupon()));
  grpc::ClientContext bad_context;
  list.set_filter("state = SOLD");
  EXPECT_EQ(stub_->ListCoupons(&bad_context, list, &listed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  grpc::ClientContext statistics_context;
  v1::GetProgramStatisticsRequest get;
  get.set_name("programs/default/statistics");
  v1::ProgramStatistics statistics;
  ASSERT_TRUE(
      stub_->GetProgramStatistics(&statistics_context, get, &statistics).ok());
  EXPECT_EQ(statistics.member_count(), 1);
  ASSERT_EQ(statistics.tier_members_size(), 1);
  EXPECT_EQ(statistics.tier_members(0).member_count(), 1);
  EXPECT_EQ(statistics.outstanding_points(), 15);
  grpc::ClientContext missing_context;
  get.set_name("programs/other/statistics");
  EXPECT_EQ(stub_->GetProgramStatistics(&missing_context, get, &statistics)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(LoyaltyServiceTest, ReferralsAreServedOverGrpc) {
  grpc::ClientContext code_context;
  v1::GetReferralCodeRequest get;
  get.set_name("customers/ref-a/referralCode");
  v1::ReferralCode code;
  ASSERT_TRUE(stub_->GetReferralCode(&code_context, get, &code).ok());
  EXPECT_EQ(code.name(), "customers/ref-a/referralCode");
  EXPECT_EQ(code.code().size(), 20u);

  grpc::ClientContext create_context;
  v1::CreateReferralRequest create;
  create.mutable_referral()->set_referred("customers/ref-b");
  create.mutable_referral()->set_referral_code(code.code());
  create.set_request_id("refer-b");
  v1::Referral referral;
  ASSERT_TRUE(stub_->CreateReferral(&create_context, create, &referral).ok());
  EXPECT_EQ(referral.referrer(), "customers/ref-a");
  EXPECT_EQ(referral.state(), v1::Referral::PENDING);

  grpc::ClientContext again_context;
  create.set_request_id("refer-b-again");
  const grpc::Status twice =
      stub_->CreateReferral(&again_context, create, &referral);
  EXPECT_EQ(twice.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(
      crm::common::ErrorMetadataOf(crm::common::FromGrpcStatus(twice))["field"],
      "referral.referred");

  grpc::ClientContext list_context;
  v1::ListReferralsRequest list;
  list.set_filter("referrer = \"customers/ref-a\"");
  v1::ListReferralsResponse listed;
  ASSERT_TRUE(stub_->ListReferrals(&list_context, list, &listed).ok());
  ASSERT_EQ(listed.referrals_size(), 1);
  EXPECT_EQ(listed.referrals(0).referred(), "customers/ref-b");

  // The export of either side shows the referral; the referrer's its code.
  grpc::ClientContext export_context;
  v1::ExportAccountDataRequest export_request;
  export_request.set_name("accounts/ref-a");
  v1::AccountDataExport exported;
  ASSERT_TRUE(
      stub_->ExportAccountData(&export_context, export_request, &exported)
          .ok());
  ASSERT_EQ(exported.accounts_size(), 1);
  EXPECT_EQ(exported.accounts(0).referral_code().code(), code.code());
  ASSERT_EQ(exported.accounts(0).referrals_size(), 1);
  EXPECT_EQ(exported.accounts(0).referrals(0).name(),
            listed.referrals(0).name());
  grpc::ClientContext referred_context;
  export_request.set_name("accounts/ref-b");
  ASSERT_TRUE(
      stub_->ExportAccountData(&referred_context, export_request, &exported)
          .ok());
  EXPECT_FALSE(exported.accounts(0).has_referral_code());
  EXPECT_EQ(exported.accounts(0).referrals_size(), 1);
}

// Applies, as loyalty's feed consumer does, a CUSTOMER_UPDATED event of
// `customer` at feed position `sequence` whose only answer is `status` for
// `purpose`.
absl::Status ApplyConsentEvent(crm::common::UnitOfWork& unit_of_work,
                               crm::consents::ConsentRepository& consents,
                               const std::string& customer, int64_t sequence,
                               customerprofile::v1::Consent::Purpose purpose,
                               customerprofile::v1::Consent::Status status) {
  customerprofile::v1::ChangeEvent event;
  event.set_type(customerprofile::v1::ChangeEvent::CUSTOMER_UPDATED);
  event.set_sequence(sequence);
  event.set_customer_name(absl::StrCat("customers/", customer));
  event.mutable_customer()->set_state(customerprofile::v1::Customer::ACTIVE);
  customerprofile::v1::Consent* consent =
      event.mutable_customer()->add_consents();
  consent->set_purpose(purpose);
  consent->set_status(status);
  crm::consents::ConsentTracker tracker(consents);
  return unit_of_work.Run({}, [&](crm::common::Transaction& tx) {
    return tracker.Apply(tx, event);
  });
}

TEST_F(LoyaltyServiceTest, BulkCouponsReachOnlyCustomersWithConsent) {
  namespace cp = ::crm::customerprofile::v1;
  grpc::ClientContext create_context;
  v1::CreateRewardRequest create;
  create.mutable_reward()->set_display_name("welcome coupon");
  create.mutable_reward()->set_point_cost(1);
  create.mutable_reward()->set_stock(10);
  v1::Reward reward;
  ASSERT_TRUE(stub_->CreateReward(&create_context, create, &reward).ok());
  // yes1 agreed to SMS marketing, no1 refused it, unknown1 never answered.
  ASSERT_THAT(
      ApplyConsentEvent(*unit_of_work_, consents_, "yes1", 1,
                        cp::Consent::SMS_MARKETING, cp::Consent::GRANTED),
      IsOk());
  ASSERT_THAT(
      ApplyConsentEvent(*unit_of_work_, consents_, "no1", 2,
                        cp::Consent::SMS_MARKETING, cp::Consent::DENIED),
      IsOk());
  auto issue = [&](const std::string& request_id,
                   v1::Campaign::MarketingChannel channel,
                   v1::IssueCouponsResponse* response) {
    grpc::ClientContext context;
    v1::IssueCouponsRequest request;
    request.set_reward(reward.name());
    for (const char* customer : {"yes1", "no1", "unknown1"}) {
      request.add_customers(absl::StrCat("customers/", customer));
    }
    request.set_marketing_channel(channel);
    request.set_request_id(request_id);
    return stub_->IssueCoupons(&context, request, response);
  };
  v1::IssueCouponsResponse issued;
  ASSERT_TRUE(issue("sms-1", v1::Campaign::SMS, &issued).ok());
  ASSERT_EQ(issued.coupons_size(), 1);
  EXPECT_EQ(issued.coupons(0).customer(), "customers/yes1");
  EXPECT_EQ(issued.coupons(0).state(), v1::Coupon::ISSUED);
  EXPECT_EQ(issued.skipped_without_consent(), 2);
  EXPECT_THAT(issued.skipped_customers(),
              ::testing::ElementsAre("customers/no1", "customers/unknown1"));
  // A repeat returns the first response and issues nothing more.
  v1::IssueCouponsResponse repeated;
  ASSERT_TRUE(issue("sms-1", v1::Campaign::SMS, &repeated).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(issued, repeated));
  // Email marketing was never granted by anyone.
  v1::IssueCouponsResponse by_email;
  ASSERT_TRUE(issue("email-1", v1::Campaign::EMAIL, &by_email).ok());
  EXPECT_EQ(by_email.coupons_size(), 0);
  EXPECT_EQ(by_email.skipped_without_consent(), 3);

  // yes1 revokes (the event delivered twice); the next issue skips them.
  for (int delivery = 0; delivery < 2; ++delivery) {
    ASSERT_THAT(
        ApplyConsentEvent(*unit_of_work_, consents_, "yes1", 3,
                          cp::Consent::SMS_MARKETING, cp::Consent::REVOKED),
        IsOk());
  }
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM customer_consents "
                     "WHERE customer_id = 'yes1'"),
            1);
  v1::IssueCouponsResponse after;
  ASSERT_TRUE(issue("sms-2", v1::Campaign::SMS, &after).ok());
  EXPECT_EQ(after.coupons_size(), 0);
  EXPECT_EQ(after.skipped_without_consent(), 3);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM coupons WHERE reward_id = '" +
                     reward.name().substr(strlen("rewards/")) + "'"),
            1);
  EXPECT_EQ(QueryInt("SELECT stock FROM rewards WHERE id = '" +
                     reward.name().substr(strlen("rewards/")) + "'"),
            9);

  // A malformed or repeated customer is refused naming it.
  grpc::ClientContext bad_context;
  v1::IssueCouponsRequest bad;
  bad.set_reward(reward.name());
  bad.add_customers("customers/yes1");
  bad.add_customers("customers/yes1");
  bad.set_request_id("bad");
  v1::IssueCouponsResponse refused;
  const grpc::Status status = stub_->IssueCoupons(&bad_context, bad, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("customers[1]"));
}

TEST_F(LoyaltyServiceTest, CampaignsAreCreatedReadAndListed) {
  v1::CreateCampaignRequest create;
  create.mutable_campaign()->set_display_name("双倍积分 double points");
  *create.mutable_campaign()->mutable_start_time() =
      crm::common::ToProtoTimestamp(kStart);
  *create.mutable_campaign()->mutable_end_time() =
      crm::common::ToProtoTimestamp(kStart + absl::Hours(24));
  create.mutable_campaign()->add_tier_ids("gold");
  create.mutable_campaign()->set_multiplier_percent(200);
  create.mutable_campaign()->set_points_budget(5000);
  create.set_request_id("campaign-1");
  v1::Campaign campaign;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->CreateCampaign(&context, create, &campaign).ok());
  }
  EXPECT_EQ(campaign.points_budget(), 5000);
  EXPECT_EQ(campaign.points_awarded(), 0);
  EXPECT_EQ(campaign.tier_ids_size(), 1);
  {
    // The same request_id again: the same campaign.
    grpc::ClientContext context;
    v1::Campaign again;
    ASSERT_TRUE(stub_->CreateCampaign(&context, create, &again).ok());
    EXPECT_EQ(again.name(), campaign.name());
  }
  {
    grpc::ClientContext context;
    v1::GetCampaignRequest get;
    get.set_name(campaign.name());
    v1::Campaign read;
    ASSERT_TRUE(stub_->GetCampaign(&context, get, &read).ok());
    EXPECT_EQ(read.display_name(), "双倍积分 double points");
    EXPECT_EQ(read.end_time().seconds(), absl::ToUnixSeconds(kStart) + 86400);
  }
  {
    grpc::ClientContext context;
    v1::ListCampaignsResponse list;
    ASSERT_TRUE(
        stub_->ListCampaigns(&context, v1::ListCampaignsRequest(), &list).ok());
    ASSERT_EQ(list.campaigns_size(), 1);
  }
  {
    grpc::ClientContext context;
    v1::CreateCampaignRequest bad = create;
    bad.set_request_id("campaign-2");
    *bad.mutable_campaign()->mutable_end_time() = bad.campaign().start_time();
    v1::Campaign refused;
    grpc::Status status = stub_->CreateCampaign(&context, bad, &refused);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(status.error_message().find("campaign.end_time"),
              std::string::npos);
  }
  {
    grpc::ClientContext context;
    v1::GetCampaignRequest get;
    get.set_name("campaigns/none");
    v1::Campaign read;
    EXPECT_EQ(stub_->GetCampaign(&context, get, &read).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
}

}  // namespace
}  // namespace crm::loyalty

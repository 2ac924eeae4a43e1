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
#include "services/loyalty/account_manager.h"
#include "services/loyalty/loyalty_service.h"
#include "services/loyalty/migrations.h"
#include "services/loyalty/mysql_account_repository.h"
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
    manager_ = std::make_unique<AccountManager>(*unit_of_work_, accounts_,
                                                idempotency_, clock_, ids_);
    service_ = std::make_unique<LoyaltyServiceImpl>(*manager_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::LoyaltyService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
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
  crm::common::MySqlIdempotencyRepository idempotency_;
  std::unique_ptr<AccountManager> manager_;
  std::unique_ptr<LoyaltyServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::LoyaltyService::Stub> stub_;
};

TEST_F(LoyaltyServiceTest, FirstEntryCreatesTheAccount) {
  absl::StatusOr<v1::Account> missing = GetAccount("accounts/c1");
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(ReasonOf(StatusOf(missing)), reason::RESOURCE_NOT_FOUND);
  EXPECT_EQ(MetadataOf(missing, "resource"), "accounts/c1");

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
  // A refused first entry leaves no account behind.
  EXPECT_THAT(GetAccount("accounts/c2"), StatusIs(absl::StatusCode::kNotFound));

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

}  // namespace
}  // namespace crm::loyalty

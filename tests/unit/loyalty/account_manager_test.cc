// The account manager over in-memory fakes (no database): the ledger rules,
// idempotency, not-found and validation reasons, and rollback of refused
// adjustments.
#include "services/loyalty/account_manager.h"

#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/etag.h"
#include "services/common/id_generator.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_account_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::loyalty {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::common::RequestContext;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::google::protobuf::util::MessageDifferencer;
namespace reason = ::crm::type::v1;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

class AccountManagerTest : public ::testing::Test {
 protected:
  static v1::AdjustPointsRequest NewAdjust(const std::string& customer_id,
                                           int64_t delta,
                                           const std::string& request_id) {
    v1::AdjustPointsRequest request;
    request.set_account(absl::StrCat("accounts/", customer_id));
    request.set_points_delta(delta);
    request.set_reason("goodwill");
    request.set_request_id(request_id);
    return request;
  }

  absl::StatusOr<v1::AdjustPointsResponse> Adjust(
      const v1::AdjustPointsRequest& request) {
    return manager_.AdjustPoints(context_, request);
  }

  absl::StatusOr<v1::Account> Get(const std::string& name) {
    v1::GetAccountRequest request;
    request.set_name(name);
    return manager_.GetAccount(context_, request);
  }

  // The sum of the committed ledger of `customer_id`.
  int64_t LedgerSum(const std::string& customer_id) {
    int64_t sum = 0;
    for (const LedgerEntryRecord& entry : accounts_.Entries(customer_id)) {
      sum += entry.points_delta;
    }
    return sum;
  }

  RequestContext context_;
  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"e"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryAccountRepository accounts_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  AccountManager manager_{unit_of_work_, accounts_, keys_, clock_, ids_};
};

TEST_F(AccountManagerTest, FirstEntryCreatesTheAccount) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::AdjustPointsResponse response,
                           Adjust(NewAdjust("c1", 100, "r1")));
  EXPECT_EQ(response.entry().name(), "accounts/c1/ledgerEntries/e0000000001");
  EXPECT_EQ(response.entry().type(), v1::LedgerEntry::ADJUST);
  EXPECT_EQ(response.entry().points_delta(), 100);
  EXPECT_EQ(response.entry().balance_after(), 100);
  EXPECT_EQ(response.entry().reason(), "goodwill");
  EXPECT_EQ(crm::common::FromProtoTimestamp(response.entry().create_time()),
            kStart);
  EXPECT_EQ(response.account().name(), "accounts/c1");
  EXPECT_EQ(response.account().customer(), "customers/c1");
  EXPECT_EQ(response.account().points_balance(), 100);
  EXPECT_EQ(response.account().etag(), crm::common::EncodeEtag(1));

  std::optional<AccountRecord> stored = accounts_.Account("c1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->points_balance, 100);
  EXPECT_EQ(stored->version, 1);
  ASSERT_EQ(accounts_.Entries("c1").size(), 1u);
  EXPECT_EQ(accounts_.Entries("c1")[0].idempotency_key, "adjust:r1");

  CRM_ASSERT_OK_AND_ASSIGN(v1::Account account, Get("accounts/c1"));
  EXPECT_TRUE(MessageDifferencer::Equals(account, response.account()))
      << account.DebugString();
}

TEST_F(AccountManagerTest, BalanceIsTheSumOfTheEntries) {
  const int64_t deltas[] = {100, -30, 45, -115, 7, 1'000'000'000, -2};
  int64_t expected = 0;
  int n = 0;
  for (int64_t delta : deltas) {
    clock_.Advance(absl::Seconds(1));
    expected += delta;
    CRM_ASSERT_OK_AND_ASSIGN(
        v1::AdjustPointsResponse response,
        Adjust(NewAdjust("c1", delta, absl::StrCat("r", ++n))));
    EXPECT_EQ(response.entry().balance_after(), expected);
    EXPECT_EQ(response.account().points_balance(), expected);
    EXPECT_EQ(LedgerSum("c1"), expected);
  }
  CRM_ASSERT_OK_AND_ASSIGN(v1::Account account, Get("accounts/c1"));
  EXPECT_EQ(account.points_balance(), LedgerSum("c1"));
  EXPECT_EQ(account.etag(), crm::common::EncodeEtag(n));
  EXPECT_EQ(crm::common::FromProtoTimestamp(account.create_time()),
            kStart + absl::Seconds(1));
  EXPECT_EQ(crm::common::FromProtoTimestamp(account.update_time()),
            kStart + absl::Seconds(n));
}

TEST_F(AccountManagerTest, NeverOverdrawsAndRefusalsWriteNothing) {
  absl::StatusOr<v1::AdjustPointsResponse> first_debit =
      Adjust(NewAdjust("c1", -1, "d1"));
  EXPECT_THAT(first_debit, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(first_debit.status()), reason::INSUFFICIENT_BALANCE);
  EXPECT_EQ(ErrorMetadataOf(first_debit.status())["field"], "points_delta");
  // The refused first entry left no account, and no stored response.
  EXPECT_FALSE(accounts_.Account("c1").has_value());
  EXPECT_EQ(keys_.size(), 0u);

  ASSERT_THAT(Adjust(NewAdjust("c1", 50, "c")), IsOk());
  absl::StatusOr<v1::AdjustPointsResponse> too_much =
      Adjust(NewAdjust("c1", -51, "d2"));
  EXPECT_EQ(ReasonOf(too_much.status()), reason::INSUFFICIENT_BALANCE);
  EXPECT_EQ(accounts_.Entries("c1").size(), 1u);
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 50);
  EXPECT_EQ(accounts_.Account("c1")->version, 1);

  // A refused request id is not spent: the same id may carry a valid debit.
  CRM_ASSERT_OK_AND_ASSIGN(v1::AdjustPointsResponse all,
                           Adjust(NewAdjust("c1", -50, "d2")));
  EXPECT_EQ(all.account().points_balance(), 0);
  EXPECT_EQ(LedgerSum("c1"), 0);
  for (const LedgerEntryRecord& entry : accounts_.Entries("c1")) {
    EXPECT_GE(entry.balance_after, 0);
  }
}

TEST_F(AccountManagerTest, BalanceNeverExceedsTheLargestValue) {
  AccountRecord full;
  full.customer_id = "c1";
  full.points_balance = std::numeric_limits<int64_t>::max() - 5;
  full.create_time = full.update_time = kStart;
  accounts_.Put(full);
  absl::StatusOr<v1::AdjustPointsResponse> overflow =
      Adjust(NewAdjust("c1", 6, "r"));
  EXPECT_THAT(overflow, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(overflow.status()), reason::RESOURCE_STATE_CONFLICT);
  EXPECT_TRUE(accounts_.Entries("c1").empty());
}

TEST_F(AccountManagerTest, RepeatedRequestReturnsTheFirstResponse) {
  const v1::AdjustPointsRequest request = NewAdjust("c1", 40, "once");
  CRM_ASSERT_OK_AND_ASSIGN(v1::AdjustPointsResponse first, Adjust(request));
  clock_.Advance(absl::Seconds(3));
  CRM_ASSERT_OK_AND_ASSIGN(v1::AdjustPointsResponse second, Adjust(request));
  EXPECT_TRUE(MessageDifferencer::Equals(first, second))
      << second.DebugString();
  EXPECT_EQ(accounts_.Entries("c1").size(), 1u);
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 40);

  absl::StatusOr<v1::AdjustPointsResponse> reused =
      Adjust(NewAdjust("c1", 41, "once"));
  EXPECT_THAT(reused, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(reused.status()), reason::REQUEST_ID_REUSED);
  EXPECT_EQ(accounts_.Entries("c1").size(), 1u);
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 40);
}

TEST_F(AccountManagerTest, LedgerRefusesARequestAppliedBefore) {
  // The ledger holds the request but its stored response has expired.
  ASSERT_THAT(Adjust(NewAdjust("c1", 10, "seed")), IsOk());
  LedgerEntryRecord earlier = accounts_.Entries("c1")[0];
  earlier.id = "old";
  earlier.idempotency_key = "adjust:expired";
  accounts_.PutEntry(earlier);

  absl::StatusOr<v1::AdjustPointsResponse> again =
      Adjust(NewAdjust("c1", 10, "expired"));
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(ReasonOf(again.status()), reason::RESOURCE_ALREADY_EXISTS);
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 10);
}

TEST_F(AccountManagerTest, ReportsAMissingAccountByName) {
  absl::StatusOr<v1::Account> missing = Get("accounts/nobody");
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(ReasonOf(missing.status()), reason::RESOURCE_NOT_FOUND);
  EXPECT_EQ(ErrorMetadataOf(missing.status())["resource"], "accounts/nobody");
}

TEST_F(AccountManagerTest, InvalidRequestsNameTheFieldAndTouchNothing) {
  struct Case {
    const char* field;
    reason::ErrorReason reason;
    v1::AdjustPointsRequest request;
  };
  std::vector<Case> cases = {
      {"account", reason::FIELD_INVALID, NewAdjust("c1", 1, "r")},
      {"points_delta", reason::FIELD_REQUIRED, NewAdjust("c1", 0, "r")},
      {"reason", reason::FIELD_REQUIRED, NewAdjust("c1", 1, "r")},
      {"request_id", reason::FIELD_REQUIRED, NewAdjust("c1", 1, "")},
      {"account", reason::FIELD_REQUIRED, NewAdjust("c1", 1, "r")},
      {"reason", reason::FIELD_REQUIRED, NewAdjust("c1", 1, "r")},
  };
  cases[0].request.set_account("customers/c1");
  cases[2].request.set_reason("");
  cases[4].request.set_account("");
  cases[5].request.set_reason(" \t ");  // only whitespace counts as unset
  for (const Case& c : cases) {
    absl::StatusOr<v1::AdjustPointsResponse> result = Adjust(c.request);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument))
        << c.field;
    EXPECT_EQ(ReasonOf(result.status()), c.reason) << c.field;
    EXPECT_EQ(ErrorMetadataOf(result.status())["field"], c.field);
  }
  absl::StatusOr<v1::Account> bad_name = Get("accounts/");
  EXPECT_THAT(bad_name, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(bad_name.status()), reason::FIELD_INVALID);
  EXPECT_EQ(ErrorMetadataOf(bad_name.status())["field"], "name");
  absl::StatusOr<v1::Account> no_name = Get("");
  EXPECT_EQ(ReasonOf(no_name.status()), reason::FIELD_REQUIRED);
  EXPECT_EQ(ErrorMetadataOf(no_name.status())["field"], "name");
  // Validation happens before any unit of work.
  EXPECT_EQ(unit_of_work_.runs(), 0);
  EXPECT_EQ(unit_of_work_.reads(), 0);
}

TEST_F(AccountManagerTest, FailedCommitLeavesNoTrace) {
  unit_of_work_.FailNextCommit(absl::UnavailableError("database went away"));
  EXPECT_THAT(Adjust(NewAdjust("c1", 10, "r")),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(accounts_.Account("c1").has_value());
  EXPECT_EQ(keys_.size(), 0u);
  // The retried request applies once.
  ASSERT_THAT(Adjust(NewAdjust("c1", 10, "r")), IsOk());
  EXPECT_EQ(LedgerSum("c1"), 10);
}

TEST_F(AccountManagerTest, ExpiredDeadlineWritesNothing) {
  RequestContext late = RequestContext::WithDeadline(kStart - absl::Seconds(1));
  absl::StatusOr<v1::AdjustPointsResponse> result =
      manager_.AdjustPoints(late, NewAdjust("c1", 10, "r"));
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(ReasonOf(result.status()), reason::REQUEST_DEADLINE_EXCEEDED);
  EXPECT_FALSE(accounts_.Account("c1").has_value());
}

}  // namespace
}  // namespace crm::loyalty

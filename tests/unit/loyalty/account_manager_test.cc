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
#include "tests/testing/fakes/loyalty/in_memory_program_repository.h"
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
  // Every scenario ends with every account's ledger adding up (unless the
  // test planted an inconsistent state on purpose).
  void TearDown() override {
    if (skip_ledger_verification_) return;
    for (const char* customer : {"c1", "c2", "c3", "nobody"}) {
      v1::VerifyLedgerRequest request;
      request.set_account(absl::StrCat("accounts/", customer));
      absl::StatusOr<v1::LedgerVerification> proof =
          manager_.VerifyLedger(context_, request);
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_TRUE(proof->consistent()) << proof->DebugString();
    }
  }

  absl::StatusOr<v1::RedeemPointsResponse> Redeem(const std::string& customer,
                                                  int64_t points,
                                                  const std::string& id) {
    v1::RedeemPointsRequest request;
    request.set_account(absl::StrCat("accounts/", customer));
    request.set_points(points);
    request.set_reason("兑换 coffee");
    request.set_request_id(id);
    return manager_.RedeemPoints(context_, request);
  }

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
  crm::testing::InMemoryProgramRepository programs_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  AccountManager manager_{unit_of_work_, accounts_, programs_,
                          keys_,         clock_,    ids_};
  bool skip_ledger_verification_ = false;
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
  skip_ledger_verification_ = true;  // A balance without entries or lots.
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
  skip_ledger_verification_ = true;  // A planted entry.

  absl::StatusOr<v1::AdjustPointsResponse> again =
      Adjust(NewAdjust("c1", 10, "expired"));
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(ReasonOf(again.status()), reason::RESOURCE_ALREADY_EXISTS);
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 10);
}

TEST_F(AccountManagerTest, ACustomerWithoutEntriesHasAZeroBalance) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Account account, Get("accounts/nobody"));
  EXPECT_EQ(account.name(), "accounts/nobody");
  EXPECT_EQ(account.customer(), "customers/nobody");
  EXPECT_EQ(account.points_balance(), 0);
  EXPECT_EQ(account.etag(), crm::common::EncodeEtag(0));
  EXPECT_FALSE(account.has_create_time());
  // Reading creates nothing.
  EXPECT_FALSE(accounts_.Account("nobody").has_value());
}

TEST_F(AccountManagerTest, RedemptionSpendsLotsOldestFirst) {
  ASSERT_THAT(Adjust(NewAdjust("c1", 100, "a")), IsOk());
  clock_.Advance(absl::Seconds(1));
  ASSERT_THAT(Adjust(NewAdjust("c1", 50, "b")), IsOk());
  clock_.Advance(absl::Seconds(1));
  CRM_ASSERT_OK_AND_ASSIGN(v1::RedeemPointsResponse redeemed,
                           Redeem("c1", 120, "r1"));
  EXPECT_EQ(redeemed.entry().type(), v1::LedgerEntry::REDEEM);
  EXPECT_EQ(redeemed.entry().points_delta(), -120);
  EXPECT_EQ(redeemed.entry().sequence(), 3);
  EXPECT_EQ(redeemed.entry().source(), "redeem:r1");
  EXPECT_EQ(redeemed.account().points_balance(), 30);
  const std::vector<LotRecord> lots = accounts_.Lots("c1");
  ASSERT_EQ(lots.size(), 2u);
  EXPECT_EQ(lots[0].remaining_points, 0);   // The older lot first...
  EXPECT_EQ(lots[1].remaining_points, 30);  // ...then the newer.

  absl::StatusOr<v1::RedeemPointsResponse> too_much = Redeem("c1", 31, "r2");
  EXPECT_THAT(too_much, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(too_much.status()), reason::INSUFFICIENT_BALANCE);
  EXPECT_EQ(ErrorMetadataOf(too_much.status())["available_points"], "30");
  EXPECT_EQ(ErrorMetadataOf(too_much.status())["field"], "points");
  EXPECT_EQ(accounts_.Entries("c1").size(), 3u);
}

TEST_F(AccountManagerTest, NegativeAdjustmentsSpendLotsToo) {
  ASSERT_THAT(Adjust(NewAdjust("c1", 10, "a")), IsOk());
  clock_.Advance(absl::Seconds(1));
  ASSERT_THAT(Adjust(NewAdjust("c1", 10, "b")), IsOk());
  ASSERT_THAT(Adjust(NewAdjust("c1", -15, "c")), IsOk());
  const std::vector<LotRecord> lots = accounts_.Lots("c1");
  ASSERT_EQ(lots.size(), 2u);
  EXPECT_EQ(lots[0].remaining_points, 0);
  EXPECT_EQ(lots[1].remaining_points, 5);
}

TEST_F(AccountManagerTest, ARedemptionIsGivenBackOnce) {
  ASSERT_THAT(Adjust(NewAdjust("c1", 100, "a")), IsOk());
  CRM_ASSERT_OK_AND_ASSIGN(v1::RedeemPointsResponse redeemed,
                           Redeem("c1", 60, "r1"));
  v1::ReverseRedemptionRequest request;
  request.set_name(redeemed.entry().name());
  request.set_reason("order cancelled");
  request.set_request_id("back-1");
  CRM_ASSERT_OK_AND_ASSIGN(v1::ReverseRedemptionResponse reversed,
                           manager_.ReverseRedemption(context_, request));
  EXPECT_EQ(reversed.entry().type(), v1::LedgerEntry::REVERSE);
  EXPECT_EQ(reversed.entry().points_delta(), 60);
  EXPECT_EQ(reversed.account().points_balance(), 100);
  // The same request again: the first response.
  CRM_ASSERT_OK_AND_ASSIGN(v1::ReverseRedemptionResponse again,
                           manager_.ReverseRedemption(context_, request));
  EXPECT_TRUE(MessageDifferencer::Equals(again, reversed));
  // Another request for the same redemption: refused.
  request.set_request_id("back-2");
  absl::StatusOr<v1::ReverseRedemptionResponse> twice =
      manager_.ReverseRedemption(context_, request);
  EXPECT_THAT(twice, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(twice.status()), reason::RESOURCE_STATE_CONFLICT);
  // Only redemptions can be given back; unknown entries are NOT_FOUND.
  request.set_name(reversed.entry().name());
  request.set_request_id("back-3");
  EXPECT_EQ(ReasonOf(manager_.ReverseRedemption(context_, request).status()),
            reason::RESOURCE_STATE_CONFLICT);
  request.set_name("accounts/c1/ledgerEntries/missing");
  request.set_request_id("back-4");
  EXPECT_THAT(manager_.ReverseRedemption(context_, request),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 100);
}

TEST_F(AccountManagerTest, StatementsPageNewestFirstAndFilter) {
  for (int i = 1; i <= 5; ++i) {
    clock_.Advance(absl::Hours(24));
    ASSERT_THAT(Adjust(NewAdjust("c1", i * 10, absl::StrCat("a", i))), IsOk());
  }
  ASSERT_THAT(Redeem("c1", 5, "r"), IsOk());
  v1::ListLedgerEntriesRequest request;
  request.set_parent("accounts/c1");
  request.set_page_size(4);
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListLedgerEntriesResponse first,
                           manager_.ListLedgerEntries(context_, request));
  ASSERT_EQ(first.ledger_entries_size(), 4);
  EXPECT_EQ(first.ledger_entries(0).sequence(), 6);
  EXPECT_EQ(first.ledger_entries(3).sequence(), 3);
  ASSERT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListLedgerEntriesResponse second,
                           manager_.ListLedgerEntries(context_, request));
  ASSERT_EQ(second.ledger_entries_size(), 2);
  EXPECT_EQ(second.ledger_entries(1).sequence(), 1);
  EXPECT_TRUE(second.next_page_token().empty());

  // A period and a type.
  request.clear_page_token();
  request.set_page_size(0);
  request.set_filter(
      "type = ADJUST AND create_time >= \"2026-01-03T00:00:00Z\" AND "
      "create_time < \"2026-01-05T00:00:00Z\"");
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListLedgerEntriesResponse period,
                           manager_.ListLedgerEntries(context_, request));
  ASSERT_EQ(period.ledger_entries_size(), 2);
  EXPECT_EQ(period.ledger_entries(0).points_delta(), 30);
  EXPECT_EQ(period.ledger_entries(1).points_delta(), 20);

  // A token of another filter, and a bad filter, are refused.
  request.set_page_token(first.next_page_token());
  EXPECT_EQ(ReasonOf(manager_.ListLedgerEntries(context_, request).status()),
            reason::PAGE_TOKEN_INVALID);
  request.clear_page_token();
  request.set_filter("points = 3");
  EXPECT_EQ(ReasonOf(manager_.ListLedgerEntries(context_, request).status()),
            reason::FILTER_INVALID);
}

TEST_F(AccountManagerTest, ATicketIsCompensatedOnce) {
  v1::IssueCompensationRequest request;
  request.set_account("accounts/c1");
  request.set_points(200);
  request.set_ticket("tickets/t-9");
  request.set_reason("送货延误");
  request.set_request_id("comp-1");
  CRM_ASSERT_OK_AND_ASSIGN(v1::IssueCompensationResponse issued,
                           manager_.IssueCompensation(context_, request));
  EXPECT_EQ(issued.entry().type(), v1::LedgerEntry::BONUS);
  EXPECT_EQ(issued.entry().points_delta(), 200);
  EXPECT_EQ(issued.entry().source(), "compensation:tickets/t-9");
  EXPECT_EQ(issued.entry().reason(), "送货延误");
  // The same request: the first response; another request for the same
  // ticket: refused.
  CRM_ASSERT_OK_AND_ASSIGN(v1::IssueCompensationResponse again,
                           manager_.IssueCompensation(context_, request));
  EXPECT_TRUE(MessageDifferencer::Equals(again, issued));
  request.set_request_id("comp-2");
  EXPECT_EQ(ReasonOf(manager_.IssueCompensation(context_, request).status()),
            reason::RESOURCE_STATE_CONFLICT);
  request.set_ticket("bad ticket");
  EXPECT_EQ(
      ErrorMetadataOf(
          manager_.IssueCompensation(context_, request).status())["field"],
      "ticket");
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 200);
}

TEST_F(AccountManagerTest, BulkAdjustmentsReportEveryRowInOrder) {
  std::vector<v1::AdjustPointsRequest> rows = {
      NewAdjust("c1", 100, "b1"), NewAdjust("c2", -5, "b2"),
      NewAdjust("c1", -40, "b3"), NewAdjust("c1", 100, "b1"),
      NewAdjust("c3", 0, "b4")};
  size_t next = 0;
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::BulkAdjustPointsResponse response,
      manager_.BulkAdjustPoints(
          context_, [&]() -> std::optional<v1::AdjustPointsRequest> {
            if (next == rows.size()) return std::nullopt;
            return rows[next++];
          }));
  ASSERT_EQ(response.results_size(), 5);
  EXPECT_EQ(response.applied_count(), 3);
  EXPECT_EQ(response.failed_count(), 2);
  EXPECT_EQ(response.results(0).entry().points_delta(), 100);
  EXPECT_EQ(response.results(1).error().code(),
            static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(response.results(2).entry().balance_after(), 60);
  // A repeated request id returns the first entry, applied once.
  EXPECT_EQ(response.results(3).entry().name(),
            response.results(0).entry().name());
  EXPECT_EQ(response.results(4).row(), 4);
  EXPECT_EQ(response.results(4).error().code(),
            static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 60);
}

TEST_F(AccountManagerTest, PositiveAdjustmentsExpireByTheProgrammesPolicy) {
  ProgramRecord program;
  program.id = "default";
  program.version = 1;
  program.settings.mutable_expiry_policy()->set_mode(
      v1::ExpiryPolicy::END_OF_MONTH_AFTER_MONTHS);
  program.settings.mutable_expiry_policy()->set_months(1);
  programs_.Put(program);
  CRM_ASSERT_OK_AND_ASSIGN(v1::AdjustPointsResponse credited,
                           Adjust(NewAdjust("c1", 10, "a")));
  // Earned in January 2026: expires at the start of March.
  EXPECT_EQ(crm::common::FromProtoTimestamp(credited.entry().expire_time()),
            absl::FromUnixSeconds(1772323200));  // 2026-03-01T00:00:00Z
  ASSERT_EQ(accounts_.Lots("c1").size(), 1u);
  EXPECT_EQ(accounts_.Lots("c1")[0].expire_time,
            absl::FromUnixSeconds(1772323200));
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

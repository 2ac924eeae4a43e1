// The ledger's pure rules: lots spent oldest first, the insufficient-points
// error, and the verification of a ledger.
#include "services/loyalty/ledger_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"

namespace crm::loyalty {
namespace {

using ::testing::ElementsAre;

LotRecord Lot(const char* id, int64_t points, int64_t remaining) {
  LotRecord lot;
  lot.customer_id = "c1";
  lot.id = id;
  lot.points = points;
  lot.remaining_points = remaining;
  return lot;
}

LedgerEntryRecord Entry(const char* id, int64_t sequence, int64_t delta,
                        int64_t balance_after) {
  LedgerEntryRecord entry;
  entry.customer_id = "c1";
  entry.id = id;
  entry.sequence = sequence;
  entry.points_delta = delta;
  entry.balance_after = balance_after;
  return entry;
}

TEST(DrawOldestFirstTest, EmptiesEachLotBeforeTheNext) {
  const std::vector<LotRecord> lots = {Lot("a", 100, 40), Lot("b", 50, 50),
                                       Lot("c", 10, 10)};
  EXPECT_THAT(DrawOldestFirst(lots, 30), ElementsAre(LotDraw{"a", 30, 10}));
  EXPECT_THAT(DrawOldestFirst(lots, 40), ElementsAre(LotDraw{"a", 40, 0}));
  EXPECT_THAT(DrawOldestFirst(lots, 75),
              ElementsAre(LotDraw{"a", 40, 0}, LotDraw{"b", 35, 15}));
  EXPECT_THAT(DrawOldestFirst(lots, 1000),
              ElementsAre(LotDraw{"a", 40, 0}, LotDraw{"b", 50, 0},
                          LotDraw{"c", 10, 0}));
}

TEST(InsufficientPointsErrorTest, CarriesTheReasonAndTheAvailablePoints) {
  const absl::Status status = InsufficientPointsError("points", 42);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(crm::common::ReasonOf(status), crm::type::v1::INSUFFICIENT_BALANCE);
  auto metadata = crm::common::ErrorMetadataOf(status);
  EXPECT_EQ(metadata["field"], "points");
  EXPECT_EQ(metadata["available_points"], "42");
}

TEST(VerifyLedgerRecordsTest, AConsistentLedgerHasNoFindings) {
  AccountRecord account;
  account.customer_id = "c1";
  account.points_balance = 70;
  account.version = 2;
  const v1::LedgerVerification proof = VerifyLedgerRecords(
      "accounts/c1", account, {Entry("a", 1, 100, 100), Entry("b", 2, -30, 70)},
      70);
  EXPECT_TRUE(proof.consistent()) << proof.DebugString();
  EXPECT_EQ(proof.entries_sum(), 70);
  EXPECT_EQ(proof.entry_count(), 2);
  EXPECT_TRUE(
      VerifyLedgerRecords("accounts/c2", std::nullopt, {}, 0).consistent());
}

TEST(VerifyLedgerRecordsTest, FindsEveryKindOfBreak) {
  AccountRecord account;
  account.customer_id = "c1";
  account.points_balance = 70;
  account.version = 2;
  // Balance against entries.
  EXPECT_FALSE(
      VerifyLedgerRecords("accounts/c1", account,
                          {Entry("a", 1, 100, 100), Entry("b", 2, -20, 80)}, 70)
          .consistent());
  // Balance against lots.
  EXPECT_FALSE(
      VerifyLedgerRecords("accounts/c1", account,
                          {Entry("a", 1, 100, 100), Entry("b", 2, -30, 70)}, 71)
          .consistent());
  // A gap in the sequence.
  EXPECT_FALSE(
      VerifyLedgerRecords("accounts/c1", account,
                          {Entry("a", 1, 100, 100), Entry("b", 3, -30, 70)}, 70)
          .consistent());
  // A wrong running balance.
  EXPECT_FALSE(
      VerifyLedgerRecords("accounts/c1", account,
                          {Entry("a", 1, 100, 90), Entry("b", 2, -30, 70)}, 70)
          .consistent());
}

}  // namespace
}  // namespace crm::loyalty

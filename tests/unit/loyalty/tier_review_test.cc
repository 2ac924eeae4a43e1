// The scheduled tier review over the in-memory fakes: windows move and
// grace periods end without any new activity.
#include "services/loyalty/tier_review.h"

#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/request_context.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/loyalty/in_memory_account_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_program_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::loyalty {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

class TierReviewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ProgramRecord program;
    program.id = "default";
    program.version = 1;
    v1::Tier* member = program.settings.add_tiers();
    member->set_tier_id("member");
    v1::Tier* gold = program.settings.add_tiers();
    gold->set_tier_id("gold");
    gold->set_min_qualifying_points(100);
    program.settings.set_qualification_window_days(30);
    program.settings.set_downgrade_grace_days(10);
    programs_.Put(program);
  }

  // A member of `tier` who earned `points` at `when`.
  void PutMember(const std::string& customer, const std::string& tier,
                 int64_t points, absl::Time when) {
    AccountRecord account;
    account.customer_id = customer;
    account.tier = tier;
    account.create_time = account.update_time = when;
    accounts_.Put(account);
    LedgerEntryRecord entry;
    entry.customer_id = customer;
    entry.id = customer + "-e";
    entry.qualifying_delta = points;
    entry.create_time = when;
    accounts_.PutEntry(entry);
  }

  crm::common::FakeClock clock_{kStart};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryAccountRepository accounts_{&unit_of_work_};
  crm::testing::InMemoryProgramRepository programs_{&unit_of_work_};
  TierReview review_{unit_of_work_, accounts_, programs_, clock_};
};

TEST_F(TierReviewTest, DowngradesOnlyAfterTheWindowMovesAndTheGraceEnds) {
  PutMember("a", "gold", 150, kStart);
  PutMember("b", "", 120, kStart);  // Not yet evaluated: upgraded.
  PutMember("c", "member", 5, kStart);

  CRM_ASSERT_OK_AND_ASSIGN(TierReviewRun first,
                           review_.ReviewAll({}, /*batch=*/2));
  EXPECT_EQ(first.accounts, 3);
  EXPECT_EQ(first.changed, 1);
  EXPECT_EQ(accounts_.Account("b")->tier, "gold");

  // 31 days later the earnings left the window: grace starts.
  clock_.Advance(absl::Hours(24 * 31));
  CRM_ASSERT_OK_AND_ASSIGN(TierReviewRun second, review_.ReviewAll({}));
  EXPECT_EQ(second.changed, 2);
  EXPECT_EQ(accounts_.Account("a")->tier, "gold");
  EXPECT_EQ(accounts_.Account("a")->tier_grace_end_time,
            kStart + absl::Hours(24 * 41));

  // After the grace: down to member.
  clock_.Advance(absl::Hours(24 * 10));
  CRM_ASSERT_OK_AND_ASSIGN(TierReviewRun third, review_.ReviewAll({}));
  EXPECT_EQ(third.changed, 2);
  EXPECT_EQ(accounts_.Account("a")->tier, "member");
  EXPECT_FALSE(accounts_.Account("a")->tier_grace_end_time.has_value());
  EXPECT_EQ(accounts_.Account("c")->tier, "member");
}

}  // namespace
}  // namespace crm::loyalty

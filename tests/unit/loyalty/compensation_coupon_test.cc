// IssueCompensation with a coupon over the in-memory fakes: a coupon of the
// reward (one unit of stock), once per ticket and account whichever the
// kind (points or coupon), idempotent on request_id, and the errors of a
// reward out of stock, unknown, or named together with points.
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/loyalty/account_manager.h"
#include "services/loyalty/coupon_codes.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_account_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_program_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_reward_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

class CompensationCouponTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RewardRecord reward;
    reward.id = "r1";
    reward.display_name = "apology coffee";
    reward.point_cost = 1;
    reward.stock = 2;
    reward.coupon_validity_days = 30;
    ASSERT_THAT(unit_of_work_.Run({},
                                  [&](crm::common::Transaction& tx) {
                                    return rewards_.InsertReward(tx, reward);
                                  }),
                IsOk());
  }

  v1::IssueCompensationRequest Request(const std::string& customer,
                                       const std::string& ticket,
                                       const std::string& request_id) {
    v1::IssueCompensationRequest request;
    request.set_account("accounts/" + customer);
    request.set_reward("rewards/r1");
    request.set_ticket(ticket);
    request.set_reason("late delivery");
    request.set_request_id(request_id);
    return request;
  }

  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"e"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryAccountRepository accounts_{&unit_of_work_};
  crm::testing::InMemoryProgramRepository programs_{&unit_of_work_};
  crm::testing::InMemoryRewardRepository rewards_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  AccountManager manager_{
      unit_of_work_, accounts_, programs_, keys_,
      clock_,        ids_,      &rewards_, &CsprngCouponCodes::Instance()};
};

TEST_F(CompensationCouponTest, ACouponOncePerTicketAndAccount) {
  absl::StatusOr<v1::IssueCompensationResponse> issued =
      manager_.IssueCompensation({}, Request("c1", "tickets/t1", "q1"));
  ASSERT_THAT(issued.status(), IsOk());
  EXPECT_EQ(issued->coupon().customer(), "customers/c1");
  EXPECT_EQ(issued->coupon().reward(), "rewards/r1");
  EXPECT_FALSE(issued->has_entry());
  EXPECT_EQ(rewards_.Reward("r1")->stock, 1);
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 0);

  // The same request: the same response, nothing more issued.
  absl::StatusOr<v1::IssueCompensationResponse> again =
      manager_.IssueCompensation({}, Request("c1", "tickets/t1", "q1"));
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_EQ(again->coupon().name(), issued->coupon().name());
  EXPECT_EQ(rewards_.coupon_count(), 1u);

  // The same ticket by another request, in a coupon or in points.
  EXPECT_EQ(manager_.IssueCompensation({}, Request("c1", "tickets/t1", "q2"))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  v1::IssueCompensationRequest points = Request("c1", "tickets/t1", "q3");
  points.clear_reward();
  points.set_points(100);
  EXPECT_EQ(manager_.IssueCompensation({}, points).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(accounts_.Account("c1")->points_balance, 0);
  // A ticket compensated in points refuses a coupon afterwards.
  v1::IssueCompensationRequest points_t2 = Request("c1", "tickets/t2", "q4");
  points_t2.clear_reward();
  points_t2.set_points(100);
  ASSERT_THAT(manager_.IssueCompensation({}, points_t2).status(), IsOk());
  EXPECT_EQ(manager_.IssueCompensation({}, Request("c1", "tickets/t2", "q5"))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(rewards_.coupon_count(), 1u);
  // Another account, same ticket: its own compensation.
  ASSERT_THAT(manager_.IssueCompensation({}, Request("c2", "tickets/t1", "q6"))
                  .status(),
              IsOk());
  EXPECT_EQ(rewards_.Reward("r1")->stock, 0);
}

TEST_F(CompensationCouponTest, Errors) {
  v1::IssueCompensationRequest both = Request("c1", "tickets/t1", "q1");
  both.set_points(5);
  EXPECT_TRUE(absl::StrContains(
      manager_.IssueCompensation({}, both).status().message(), "reward"));
  v1::IssueCompensationRequest neither = Request("c1", "tickets/t1", "q2");
  neither.clear_reward();
  EXPECT_EQ(manager_.IssueCompensation({}, neither).status().code(),
            absl::StatusCode::kInvalidArgument);
  v1::IssueCompensationRequest unknown = Request("c1", "tickets/t1", "q3");
  unknown.set_reward("rewards/none");
  EXPECT_EQ(manager_.IssueCompensation({}, unknown).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_THAT(
      manager_.IssueCompensation({}, Request("c1", "tickets/a", "q4")).status(),
      IsOk());
  ASSERT_THAT(
      manager_.IssueCompensation({}, Request("c1", "tickets/b", "q5")).status(),
      IsOk());
  absl::StatusOr<v1::IssueCompensationResponse> out =
      manager_.IssueCompensation({}, Request("c1", "tickets/c", "q6"));
  EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(out.status().message(), "reward"));
  EXPECT_EQ(rewards_.coupon_count(), 2u);
}

}  // namespace
}  // namespace crm::loyalty

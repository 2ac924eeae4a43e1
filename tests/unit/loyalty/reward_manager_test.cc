// The reward manager over the in-memory fakes: validation naming the field,
// redemption that spends points, stock and issues a coupon in one unit of
// work (or nothing), coupons redeemed once, code clashes retried.
#include "services/loyalty/reward_manager.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/id_generator.h"
#include "services/loyalty/account_manager.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_account_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_program_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_reward_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::loyalty {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::testing::IsOk;
namespace reason = ::crm::type::v1;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

// Hands out the given codes in order, then fresh ones.
class ScriptedCodes final : public CouponCodeGenerator {
 public:
  explicit ScriptedCodes(std::vector<std::string> codes)
      : codes_(std::move(codes)) {}
  absl::StatusOr<std::string> NewCode() const override {
    if (next_ < codes_.size()) return codes_[next_++];
    return CsprngCouponCodes::Instance().NewCode();
  }

 private:
  std::vector<std::string> codes_;
  mutable size_t next_ = 0;
};

class RewardManagerTest : public ::testing::Test {
 protected:
  v1::Reward Create(int64_t cost, int64_t stock) {
    v1::CreateRewardRequest request;
    request.mutable_reward()->set_display_name("咖啡");
    request.mutable_reward()->set_point_cost(cost);
    request.mutable_reward()->set_stock(stock);
    absl::StatusOr<v1::Reward> reward = manager_.CreateReward({}, request);
    EXPECT_TRUE(reward.ok()) << reward.status();
    return reward.value_or(v1::Reward());
  }
  void Credit(const std::string& customer, int64_t points) {
    v1::AdjustPointsRequest request;
    request.set_account(absl::StrCat("accounts/", customer));
    request.set_points_delta(points);
    request.set_reason("seed");
    request.set_request_id(absl::StrCat("seed-", customer, points));
    ASSERT_THAT(accounts_manager_.AdjustPoints({}, request).status(), IsOk());
  }
  absl::StatusOr<v1::RedeemRewardResponse> Redeem(const std::string& customer,
                                                  const v1::Reward& reward,
                                                  const std::string& id) {
    v1::RedeemRewardRequest request;
    request.set_account(absl::StrCat("accounts/", customer));
    request.set_reward(reward.name());
    request.set_request_id(id);
    return manager_.RedeemReward({}, request);
  }

  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"id"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryAccountRepository accounts_{&unit_of_work_};
  crm::testing::InMemoryProgramRepository programs_{&unit_of_work_};
  crm::testing::InMemoryRewardRepository rewards_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  ScriptedCodes codes_{{"AAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAA"}};
  AccountManager accounts_manager_{unit_of_work_, accounts_, programs_,
                                   keys_,         clock_,    ids_};
  RewardManager manager_{unit_of_work_, rewards_, accounts_, keys_,
                         clock_,        ids_,     codes_};
};

TEST_F(RewardManagerTest, InvalidRewardsNameTheField) {
  v1::CreateRewardRequest request;
  request.mutable_reward()->set_display_name("x");
  request.mutable_reward()->set_point_cost(10);
  request.mutable_reward()->set_stock(-1);
  absl::Status status = manager_.CreateReward({}, request).status();
  EXPECT_EQ(ReasonOf(status), reason::FIELD_INVALID);
  EXPECT_EQ(ErrorMetadataOf(status)["field"], "reward.stock");
  request.mutable_reward()->set_stock(1);
  request.mutable_reward()->set_display_name("   ");
  status = manager_.CreateReward({}, request).status();
  EXPECT_EQ(ReasonOf(status), reason::FIELD_REQUIRED);
}

TEST_F(RewardManagerTest, RedemptionSpendsPointsStockAndIssuesACoupon) {
  const v1::Reward reward = Create(100, 1);
  Credit("c1", 150);
  CRM_ASSERT_OK_AND_ASSIGN(v1::RedeemRewardResponse first,
                           Redeem("c1", reward, "r1"));
  EXPECT_EQ(first.account().points_balance(), 50);
  EXPECT_EQ(first.coupon().state(), v1::Coupon::ISSUED);
  EXPECT_EQ(first.coupon().code(), "AAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(first.coupon().customer(), "customers/c1");
  EXPECT_EQ(rewards_.Reward(reward.name().substr(8))->stock, 0);

  // Out of stock: nothing spent, no coupon.
  Credit("c2", 500);
  absl::Status sold_out = Redeem("c2", reward, "r2").status();
  EXPECT_EQ(sold_out.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(sold_out), reason::RESOURCE_STATE_CONFLICT);
  EXPECT_EQ(ErrorMetadataOf(sold_out)["field"], "reward");
  EXPECT_EQ(accounts_.Account("c2")->points_balance, 500);
  EXPECT_EQ(rewards_.coupon_count(), 1u);

  // Not enough points: nothing taken from stock.
  const v1::Reward more = Create(1000, 3);
  absl::Status poor = Redeem("c1", more, "r3").status();
  EXPECT_EQ(ReasonOf(poor), reason::INSUFFICIENT_BALANCE);
  EXPECT_EQ(ErrorMetadataOf(poor)["available_points"], "50");
  EXPECT_EQ(rewards_.Reward(more.name().substr(8))->stock, 3);
}

TEST_F(RewardManagerTest, ACodeClashIsRetriedAndACouponRedeemsOnce) {
  const v1::Reward reward = Create(10, 5);
  Credit("c1", 100);
  CRM_ASSERT_OK_AND_ASSIGN(v1::RedeemRewardResponse first,
                           Redeem("c1", reward, "r1"));
  // The second redemption draws the same scripted code first, then a
  // fresh one.
  CRM_ASSERT_OK_AND_ASSIGN(v1::RedeemRewardResponse second,
                           Redeem("c1", reward, "r2"));
  EXPECT_NE(second.coupon().code(), first.coupon().code());

  v1::RedeemCouponRequest request;
  request.set_code(first.coupon().code());
  request.set_request_id("till-1");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Coupon redeemed,
                           manager_.RedeemCoupon({}, request));
  EXPECT_EQ(redeemed.state(), v1::Coupon::REDEEMED);
  request.set_request_id("till-2");
  EXPECT_EQ(ReasonOf(manager_.RedeemCoupon({}, request).status()),
            reason::RESOURCE_STATE_CONFLICT);
}

TEST_F(RewardManagerTest, CouponsListNewestFirstAndExpireAtReadTime) {
  const v1::Reward reward = Create(10, 10);
  Credit("c1", 100);
  Credit("c2", 100);
  std::vector<std::string> issued;
  int redemptions = 0;
  for (const char* customer : {"c1", "c2", "c1", "c1"}) {
    CRM_ASSERT_OK_AND_ASSIGN(
        v1::RedeemRewardResponse redeemed,
        Redeem(customer, reward, absl::StrCat("list-", ++redemptions)));
    if (std::string(customer) == "c1") {
      issued.insert(issued.begin(), redeemed.coupon().name());
    }
    clock_.Advance(absl::Minutes(1));
  }
  v1::ListCouponsRequest request;
  request.set_filter("customer = \"customers/c1\" AND state = ISSUED");
  request.set_page_size(2);
  std::vector<std::string> listed;
  do {
    CRM_ASSERT_OK_AND_ASSIGN(v1::ListCouponsResponse page,
                             manager_.ListCoupons({}, request));
    for (const v1::Coupon& coupon : page.coupons()) {
      listed.push_back(coupon.name());
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(listed, issued);

  // Thirty days later (the default validity) they read as EXPIRED.
  clock_.Advance(absl::Hours(24 * 30));
  request.set_page_size(0);
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCouponsResponse none,
                           manager_.ListCoupons({}, request));
  EXPECT_EQ(none.coupons_size(), 0);
  request.set_filter("state = EXPIRED");
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCouponsResponse expired,
                           manager_.ListCoupons({}, request));
  ASSERT_EQ(expired.coupons_size(), 4);
  EXPECT_EQ(expired.coupons(0).state(), v1::Coupon::EXPIRED);

  request.set_filter("customer = \"c1\"");
  absl::Status bad = manager_.ListCoupons({}, request).status();
  EXPECT_EQ(ReasonOf(bad), reason::FILTER_INVALID);
  EXPECT_EQ(ErrorMetadataOf(bad)["field"], "filter");
}

}  // namespace
}  // namespace crm::loyalty

// Coupons to a segment and compensation coupons on MariaDB: every member
// with consent gets one coupon, a repeat of the request (after a short
// stock, after the segment grew) issues only to members without one, the
// issue keys are unique per customer and survive a merge of two recipients,
// an erasure clears them, and a ticket is compensated once whichever the
// kind. Also times a segment of 2,000 members (printed).
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/consents/mysql_consent_repository.h"
#include "services/loyalty/account_manager.h"
#include "services/loyalty/coupon_codes.h"
#include "services/loyalty/coupon_issue.h"
#include "services/loyalty/member_lifecycle.h"
#include "services/loyalty/migrations.h"
#include "services/loyalty/mysql_account_repository.h"
#include "services/loyalty/mysql_program_repository.h"
#include "services/loyalty/mysql_reward_repository.h"
#include "tests/testing/fakes/loyalty/fake_segmentation_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
namespace cp = ::crm::customerprofile::v1;

class SegmentCouponsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<crm::testing::TestDatabase>> database =
        crm::testing::TestDatabase::Create("loyalty_segment_coupons");
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = std::move(database).value().release();
    absl::StatusOr<std::unique_ptr<crm::common::MySqlPool>> pool =
        database_->NewMigratedPool(Migrations(), 4);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(pool).value().release();
  }
  static void TearDownTestSuite() {
    delete pool_;
    delete database_;
  }

  void SetUp() override {
    ASSERT_NE(pool_, nullptr);
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    issuer_ = std::make_unique<CouponIssuer>(
        *unit_of_work_, rewards_, accounts_, consents_, idempotency_, clock_,
        ids_, CsprngCouponCodes::Instance(), &segmentation_);
    accounts_manager_ = std::make_unique<AccountManager>(
        *unit_of_work_, accounts_, programs_, idempotency_, clock_, ids_,
        &rewards_, &CsprngCouponCodes::Instance());
    lifecycle_ = std::make_unique<MemberLifecycle>(
        accounts_, rewards_, programs_, ids_, clock_, &idempotency_);
  }

  void AddReward(const std::string& id, int64_t stock) {
    RewardRecord reward;
    reward.id = id;
    reward.display_name = "welcome";
    reward.point_cost = 1;
    reward.stock = stock;
    reward.coupon_validity_days = 30;
    ASSERT_THAT(unit_of_work_->Run({},
                                   [&](crm::common::Transaction& tx) {
                                     return rewards_.InsertReward(tx, reward);
                                   }),
                IsOk());
  }

  void SetStock(const std::string& id, int64_t stock) {
    ASSERT_THAT(unit_of_work_->Run(
                    {},
                    [&](crm::common::Transaction& tx) -> absl::Status {
                      absl::StatusOr<std::optional<RewardRecord>> reward =
                          rewards_.FindReward(tx, id, true);
                      if (!reward.ok()) return reward.status();
                      (*reward)->stock = stock;
                      return rewards_.UpdateReward(tx, **reward);
                    }),
                IsOk());
  }

  // `customer` granted email marketing.
  void Grant(const std::string& customer) {
    crm::consents::ConsentAnswer answer;
    answer.purpose = cp::Consent::EMAIL_MARKETING;
    answer.status = cp::Consent::GRANTED;
    ASSERT_THAT(
        unit_of_work_->Run(
            {},
            [&](crm::common::Transaction& tx) {
              return consents_.Replace(tx, customer, {answer}, 1).status();
            }),
        IsOk());
  }

  v1::IssueCouponsRequest SegmentRequest(const std::string& reward,
                                         const std::string& segment,
                                         const std::string& request_id) {
    v1::IssueCouponsRequest request;
    request.set_reward("rewards/" + reward);
    request.set_segment("segments/" + segment);
    request.set_marketing_channel(v1::Campaign::EMAIL);
    request.set_request_id(request_id);
    return request;
  }

  int64_t QueryInt(const std::string& query) {
    absl::StatusOr<std::vector<std::string>> values =
        database_->QueryColumn(query);
    EXPECT_TRUE(values.ok()) << values.status();
    return !values.ok() || values->empty() ? -1 : std::stoll((*values)[0]);
  }

  static crm::testing::TestDatabase* database_;
  static crm::common::MySqlPool* pool_;

  crm::common::FakeClock clock_{absl::FromCivil(
      absl::CivilSecond(2026, 3, 1, 0, 0, 0), absl::UTCTimeZone())};
  crm::common::RandomIdGenerator ids_;
  crm::testing::FakeSegmentationClient segmentation_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlAccountRepository accounts_;
  MySqlProgramRepository programs_;
  MySqlRewardRepository rewards_;
  crm::consents::MySqlConsentRepository consents_;
  crm::common::MySqlIdempotencyRepository idempotency_;
  std::unique_ptr<CouponIssuer> issuer_;
  std::unique_ptr<AccountManager> accounts_manager_;
  std::unique_ptr<MemberLifecycle> lifecycle_;
};

crm::testing::TestDatabase* SegmentCouponsTest::database_ = nullptr;
crm::common::MySqlPool* SegmentCouponsTest::pool_ = nullptr;

TEST_F(SegmentCouponsTest, RepeatsIssueOnlyToMembersWithoutACoupon) {
  AddReward("s1", 1);
  for (const char* member : {"a", "b", "c"}) {
    segmentation_.AddMember("vip", member);
    Grant(member);
  }
  segmentation_.AddMember("vip", "n");  // No consent: skipped.
  // One unit of stock for three members: the batch issues nothing.
  EXPECT_EQ(issuer_->IssueCoupons({}, SegmentRequest("s1", "vip", "q1"))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM coupons WHERE reward_id='s1'"), 0);
  SetStock("s1", 10);
  absl::StatusOr<v1::IssueCouponsResponse> issued =
      issuer_->IssueCoupons({}, SegmentRequest("s1", "vip", "q1"));
  ASSERT_THAT(issued.status(), IsOk());
  EXPECT_EQ(issued->issued_count(), 3);
  EXPECT_EQ(issued->skipped_without_consent(), 1);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM coupons WHERE reward_id='s1' AND "
                     "issue_key IS NOT NULL"),
            3);
  // Again, with a new member: one more coupon.
  segmentation_.AddMember("vip", "d");
  Grant("d");
  issued = issuer_->IssueCoupons({}, SegmentRequest("s1", "vip", "q1"));
  ASSERT_THAT(issued.status(), IsOk());
  EXPECT_EQ(issued->issued_count(), 4);
  EXPECT_EQ(issued->coupons_size(), 1);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM coupons WHERE reward_id='s1'"), 4);
  EXPECT_EQ(QueryInt("SELECT stock FROM rewards WHERE id='s1'"), 6);

  // Two recipients merged: both coupons move, keys stay unique.
  ASSERT_THAT(unit_of_work_->Run({},
                                 [&](crm::common::Transaction& tx) {
                                   return lifecycle_->Merge(tx, "a", "b");
                                 }),
              IsOk());
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM coupons WHERE customer_id='a' AND "
                     "reward_id='s1'"),
            2);
  issued = issuer_->IssueCoupons({}, SegmentRequest("s1", "vip", "q1"));
  ASSERT_THAT(issued.status(), IsOk());
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM coupons WHERE reward_id='s1'"), 4);
  // An erasure clears the keys with the re-key.
  ASSERT_THAT(unit_of_work_->Run({},
                                 [&](crm::common::Transaction& tx) {
                                   return lifecycle_->Erase(tx, "c");
                                 }),
              IsOk());
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM coupons WHERE customer_id='c'"), 0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM coupons WHERE reward_id='s1' AND "
                     "customer_id LIKE 'erased-%' AND state='CANCELLED' AND "
                     "issue_key IS NULL"),
            1);
}

TEST_F(SegmentCouponsTest, ATicketIsCompensatedOnceWhicheverTheKind) {
  AddReward("k1", 5);
  v1::IssueCompensationRequest request;
  request.set_account("accounts/t1");
  request.set_reward("rewards/k1");
  request.set_ticket("tickets/x");
  request.set_reason("late");
  request.set_request_id("comp-1");
  absl::StatusOr<v1::IssueCompensationResponse> issued =
      accounts_manager_->IssueCompensation({}, request);
  ASSERT_THAT(issued.status(), IsOk());
  EXPECT_EQ(issued->coupon().customer(), "customers/t1");
  request.set_request_id("comp-2");
  EXPECT_EQ(accounts_manager_->IssueCompensation({}, request).status().code(),
            absl::StatusCode::kFailedPrecondition);
  request.clear_reward();
  request.set_points(10);
  request.set_request_id("comp-3");
  EXPECT_EQ(accounts_manager_->IssueCompensation({}, request).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM coupons WHERE reward_id='k1'"), 1);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM ledger_entries WHERE "
                     "customer_id='t1'"),
            0);
}

TEST_F(SegmentCouponsTest, TimesASegmentOf2000Members) {
  AddReward("big", 5000);
  for (int i = 0; i < 2000; ++i) {
    const std::string member = absl::StrCat("m", 10000 + i);
    segmentation_.AddMember("big", member);
    if (i % 4 != 0) Grant(member);  // A quarter without consent.
  }
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::IssueCouponsResponse> issued =
      issuer_->IssueCoupons({}, SegmentRequest("big", "big", "q-big"));
  const absl::Duration first = absl::Now() - start;
  ASSERT_THAT(issued.status(), IsOk());
  EXPECT_EQ(issued->segment_member_count(), 2000);
  EXPECT_EQ(issued->issued_count(), 1500);
  EXPECT_EQ(issued->skipped_without_consent(), 500);
  const absl::Time again_start = absl::Now();
  issued = issuer_->IssueCoupons({}, SegmentRequest("big", "big", "q-big"));
  const absl::Duration again = absl::Now() - again_start;
  ASSERT_THAT(issued.status(), IsOk());
  EXPECT_EQ(issued->issued_count(), 1500);
  EXPECT_EQ(issued->coupons_size(), 0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM coupons WHERE reward_id='big'"),
            1500);
  std::cout << "segment of 2000 members (1500 with consent): first issue "
            << absl::FormatDuration(first) << ", repeat "
            << absl::FormatDuration(again) << std::endl;
}

}  // namespace
}  // namespace crm::loyalty

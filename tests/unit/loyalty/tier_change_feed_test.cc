// Tier changes on loyalty's own feed, over the in-memory fakes: every
// change of a member's tier — by an earning, a refund, a merge or the
// scheduled review — appends exactly one TIER_CHANGED event (customer, old
// and new tier, reason) with the change, a repeat or a change of the grace
// period alone appends none, and a failed unit of work leaves none.
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/loyalty/v1/change_event.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/loyalty/member_lifecycle.h"
#include "services/loyalty/order_earning.h"
#include "services/loyalty/tier_change_feed.h"
#include "services/loyalty/tier_review.h"
#include "tests/testing/fakes/consents/in_memory_consent_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/loyalty/in_memory_account_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_campaign_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_program_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_reward_repository.h"
#include "tests/testing/fakes/recording_change_feed_writer.h"
#include "tests/testing/status_matchers.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
namespace cp = ::crm::customerprofile::v1;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

cp::ChangeEvent OrderEvent(cp::ChangeEvent::Type type,
                           const std::string& customer,
                           const std::string& order, int64_t amount,
                           int64_t refunded, int64_t sequence) {
  cp::ChangeEvent event;
  event.set_type(type);
  event.set_sequence(sequence);
  event.set_customer_name(absl::StrCat("customers/", customer));
  event.mutable_order()->set_name(
      absl::StrCat("customers/", customer, "/orders/", order));
  event.mutable_order()->mutable_amount()->set_currency_code("CNY");
  event.mutable_order()->mutable_amount()->set_amount_minor(amount);
  event.mutable_order()->mutable_refunded_amount()->set_currency_code("CNY");
  event.mutable_order()->mutable_refunded_amount()->set_amount_minor(refunded);
  return event;
}

class TierChangeFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ProgramRecord program;
    program.id = "default";
    program.version = 1;
    v1::EarnRate* rate = program.settings.add_earn_rates();
    rate->set_currency_code("CNY");
    rate->set_points(1);
    rate->set_per_amount_minor(100);
    v1::Tier* silver = program.settings.add_tiers();
    silver->set_tier_id("silver");
    silver->set_min_qualifying_points(100);
    silver->set_multiplier_percent(100);
    v1::Tier* gold = program.settings.add_tiers();
    gold->set_tier_id("gold");
    gold->set_min_qualifying_points(1000);
    gold->set_multiplier_percent(100);
    program.settings.set_qualification_window_days(30);
    program.settings.set_downgrade_grace_days(10);
    programs_.Put(program);
  }

  absl::Status Apply(const cp::ChangeEvent& event) {
    return unit_of_work_.Run({}, [&](crm::common::Transaction& tx) {
      return earning_.Apply(tx, event);
    });
  }

  // The TIER_CHANGED event at `index` of the recorded feed.
  v1::ChangeEvent EventAt(size_t index) {
    v1::ChangeEvent event;
    EXPECT_LT(index, feed_.events().size());
    if (index >= feed_.events().size()) return event;
    EXPECT_EQ(feed_.events()[index].type, v1::ChangeEvent::TIER_CHANGED);
    EXPECT_TRUE(event.ParseFromString(feed_.events()[index].payload));
    return event;
  }

  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"e"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryAccountRepository accounts_{&unit_of_work_};
  crm::testing::InMemoryProgramRepository programs_{&unit_of_work_};
  crm::testing::InMemoryCampaignRepository campaigns_{&unit_of_work_};
  crm::testing::InMemoryConsentRepository consents_{&unit_of_work_};
  crm::testing::InMemoryRewardRepository rewards_{&unit_of_work_};
  crm::testing::RecordingChangeFeedWriter feed_{&unit_of_work_};
  OrderEarning earning_{accounts_, programs_, campaigns_, consents_,
                        ids_,      clock_,    nullptr,    &feed_};
  MemberLifecycle lifecycle_{accounts_, rewards_, programs_, ids_,   clock_,
                             nullptr,   nullptr,  &feed_,    nullptr};
  TierReview review_{unit_of_work_, accounts_, programs_, clock_, &feed_};
};

TEST_F(TierChangeFeedTest, AnEarningThatChangesTheTierEmitsOneEvent) {
  ASSERT_THAT(Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "c1", "o1",
                               5000, 0, 1)),
              IsOk());  // 50 points: no tier.
  EXPECT_EQ(feed_.events().size(), 0u);
  ASSERT_THAT(Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "c1", "o2",
                               10000, 0, 2)),
              IsOk());  // 150: silver.
  ASSERT_EQ(feed_.events().size(), 1u);
  EXPECT_EQ(feed_.events()[0].key, "c1");
  const v1::ChangeEvent event = EventAt(0);
  EXPECT_EQ(event.customer(), "customers/c1");
  EXPECT_EQ(event.tier_change().old_tier_id(), "");
  EXPECT_EQ(event.tier_change().new_tier_id(), "silver");
  EXPECT_EQ(event.tier_change().reason(), v1::TierChange::ORDER_EARNED);
  // The same order again, and an order within silver: no event.
  ASSERT_THAT(Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "c1", "o2",
                               10000, 0, 2)),
              IsOk());
  ASSERT_THAT(Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "c1", "o3",
                               1000, 0, 3)),
              IsOk());
  EXPECT_EQ(feed_.events().size(), 1u);
}

TEST_F(TierChangeFeedTest, GraceAloneIsNoChangeTheReviewDowngrades) {
  ASSERT_THAT(Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "c1", "o1",
                               20000, 0, 1)),
              IsOk());  // 200: silver.
  ASSERT_EQ(feed_.events().size(), 1u);
  // A full refund: below silver, kept in grace; the tier id is unchanged.
  ASSERT_THAT(Apply(OrderEvent(cp::ChangeEvent::ORDER_REFUNDED, "c1", "o1",
                               20000, 20000, 2)),
              IsOk());
  EXPECT_EQ(accounts_.Account("c1")->tier, "silver");
  EXPECT_EQ(feed_.events().size(), 1u);
  // After the grace period the review drops the tier: one event.
  clock_.Advance(absl::Hours(24 * 11));
  ASSERT_THAT(review_.ReviewAll({}).status(), IsOk());
  ASSERT_EQ(feed_.events().size(), 2u);
  const v1::ChangeEvent event = EventAt(1);
  EXPECT_EQ(event.tier_change().old_tier_id(), "silver");
  EXPECT_EQ(event.tier_change().new_tier_id(), "");
  EXPECT_EQ(event.tier_change().reason(), v1::TierChange::TIER_REVIEW);
  EXPECT_GE(feed_.notifications(), 1);
  // A second review changes nothing.
  ASSERT_THAT(review_.ReviewAll({}).status(), IsOk());
  EXPECT_EQ(feed_.events().size(), 2u);
}

TEST_F(TierChangeFeedTest, AMergeThatLiftsTheSurvivorEmitsOneEvent) {
  ASSERT_THAT(Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "s", "o1",
                               60000, 0, 1)),
              IsOk());  // 600: silver.
  ASSERT_THAT(Apply(OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "d", "o1",
                               50000, 0, 2)),
              IsOk());  // 500: silver.
  ASSERT_EQ(feed_.events().size(), 2u);
  ASSERT_THAT(unit_of_work_.Run({},
                                [&](crm::common::Transaction& tx) {
                                  return lifecycle_.Merge(tx, "s", "d");
                                }),
              IsOk());  // 1100 together: gold.
  ASSERT_EQ(feed_.events().size(), 3u);
  const v1::ChangeEvent event = EventAt(2);
  EXPECT_EQ(event.customer(), "customers/s");
  EXPECT_EQ(event.tier_change().old_tier_id(), "silver");
  EXPECT_EQ(event.tier_change().new_tier_id(), "gold");
  EXPECT_EQ(event.tier_change().reason(), v1::TierChange::CUSTOMER_MERGED);
}

TEST_F(TierChangeFeedTest, AFailedUnitOfWorkLeavesNoEvent) {
  const absl::Status failed =
      unit_of_work_.Run({}, [&](crm::common::Transaction& tx) -> absl::Status {
        absl::Status applied =
            earning_.Apply(tx, OrderEvent(cp::ChangeEvent::ORDER_RECORDED, "c1",
                                          "o1", 20000, 0, 1));
        if (!applied.ok()) return applied;
        return absl::InternalError("rolled back after the tier change");
      });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(feed_.events().size(), 0u);
  EXPECT_FALSE(accounts_.Account("c1").has_value() &&
               accounts_.Account("c1")->tier == "silver");
}

}  // namespace
}  // namespace crm::loyalty

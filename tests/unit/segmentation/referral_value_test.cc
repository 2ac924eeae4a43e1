// The CRV pieces over the in-memory fakes: LoyaltyFeedApplier (which events
// store or remove an edge, survivors and tombstones, malformed names),
// ReferralEdgeHook (merges re-key both sides and drop a self-referral,
// erasures delete every edge naming the customer) and AddReferralValues
// (each referred customer counted once, CLV summed, 0 without one, the
// scoring currency, nothing without a repository).
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "crm/loyalty/v1/change_event.pb.h"
#include "crm/segmentation/v1/customer_score.pb.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "services/segmentation/referral_value.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/segmentation/in_memory_read_model_repository.h"
#include "tests/testing/fakes/segmentation/in_memory_referral_edge_repository.h"
#include "tests/testing/fakes/segmentation/in_memory_score_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::segmentation {
namespace {

namespace lv1 = ::crm::loyalty::v1;
using ::crm::testing::IsOk;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

lv1::ChangeEvent Event(lv1::ChangeEvent::Type type, const std::string& referral,
                       const std::string& referrer,
                       const std::string& referred) {
  lv1::ChangeEvent event;
  event.set_type(type);
  event.mutable_referral_change()->set_referral("referrals/" + referral);
  event.mutable_referral_change()->set_referrer("customers/" + referrer);
  event.mutable_referral_change()->set_referred("customers/" + referred);
  *event.mutable_referral_change()->mutable_reward_time() =
      crm::common::ToProtoTimestamp(kStart);
  return event;
}

class ReferralValueUnitTest : public ::testing::Test {
 protected:
  absl::Status Apply(const lv1::ChangeEvent& event) {
    return applier_.Apply(tx_, event);
  }
  std::vector<std::string> Edges() {
    std::vector<std::string> out;
    for (const auto& [id, edge] : edges_.edges()) {
      out.push_back(id + ":" + edge.referrer_id + ">" + edge.referred_id);
    }
    return out;
  }
  void SetClv(const std::string& customer, std::optional<int64_t> clv) {
    CustomerScoreRecord score;
    score.customer_id = customer;
    score.clv_minor = clv;
    score.score_time = kStart;
    ASSERT_THAT(scores_.Save(tx_, score), IsOk());
  }

  const crm::common::RequestContext context_;
  crm::testing::FakeTransaction tx_{context_};
  crm::testing::InMemoryReadModelRepository read_model_{nullptr};
  crm::testing::InMemoryScoreRepository scores_{nullptr};
  crm::testing::InMemoryReferralEdgeRepository edges_{nullptr, &read_model_,
                                                      &scores_};
  LoyaltyFeedApplier applier_{edges_};
  ReadModelChangeHook hook_ = ReferralEdgeHook(edges_, read_model_);
};

TEST_F(ReferralValueUnitTest, RewardedStoresCancelledAndErasedRemove) {
  ASSERT_THAT(Apply(Event(lv1::ChangeEvent::REFERRAL_REWARDED, "r1", "a", "b")),
              IsOk());
  ASSERT_THAT(Apply(Event(lv1::ChangeEvent::REFERRAL_REWARDED, "r2", "a", "c")),
              IsOk());
  ASSERT_THAT(Apply(Event(lv1::ChangeEvent::REFERRAL_REWARDED, "r3", "d", "e")),
              IsOk());
  // Repeated: stored once.
  ASSERT_THAT(Apply(Event(lv1::ChangeEvent::REFERRAL_REWARDED, "r1", "a", "b")),
              IsOk());
  // A tombstoned side or a self-referral: nothing.
  ASSERT_THAT(Apply(Event(lv1::ChangeEvent::REFERRAL_REWARDED, "r4", "a",
                          "erased-abc")),
              IsOk());
  ASSERT_THAT(Apply(Event(lv1::ChangeEvent::REFERRAL_REWARDED, "r5", "f", "f")),
              IsOk());
  // Another type: ignored.
  lv1::ChangeEvent tier;
  tier.set_type(lv1::ChangeEvent::TIER_CHANGED);
  ASSERT_THAT(Apply(tier), IsOk());
  EXPECT_EQ(Edges(), (std::vector<std::string>{"r1:a>b", "r2:a>c", "r3:d>e"}));

  ASSERT_THAT(
      Apply(Event(lv1::ChangeEvent::REFERRAL_CANCELLED, "r2", "a", "a")),
      IsOk());
  ASSERT_THAT(
      Apply(Event(lv1::ChangeEvent::REFERRAL_ERASED, "r3", "erased-x", "e")),
      IsOk());
  EXPECT_EQ(Edges(), (std::vector<std::string>{"r1:a>b"}));

  // A malformed name stops the consumer rather than being skipped.
  lv1::ChangeEvent bad =
      Event(lv1::ChangeEvent::REFERRAL_REWARDED, "r9", "a", "b");
  bad.mutable_referral_change()->set_referrer("nobody");
  EXPECT_FALSE(Apply(bad).ok());
}

TEST_F(ReferralValueUnitTest, EdgesFollowMergesAndErasures) {
  for (const char* edge : {"a>dup", "dup>z", "x>y"}) {
    const std::string text(edge);
    const size_t split = text.find('>');
    ASSERT_THAT(Apply(Event(lv1::ChangeEvent::REFERRAL_REWARDED,
                            "r-" + text.substr(0, split), text.substr(0, split),
                            text.substr(split + 1))),
                IsOk());
  }
  MergeRecord merge;
  merge.duplicate_id = "dup";
  merge.survivor_id = "surv";
  merge.merge_time = kStart;
  ASSERT_THAT(read_model_.RecordMerge(tx_, merge), IsOk());
  ASSERT_THAT(hook_(tx_, "dup", ReadModelChange::kMergedAway), IsOk());
  EXPECT_EQ(Edges(), (std::vector<std::string>{"r-a:a>surv", "r-dup:surv>z",
                                               "r-x:x>y"}));
  // A late event naming the duplicate lands on the survivor.
  ASSERT_THAT(
      Apply(Event(lv1::ChangeEvent::REFERRAL_REWARDED, "r-late", "q", "dup")),
      IsOk());
  EXPECT_EQ(edges_.edges().at("r-late").referred_id, "surv");
  // Merging the referrer into the referred leaves no self-referral.
  MergeRecord xy;
  xy.duplicate_id = "x";
  xy.survivor_id = "y";
  xy.merge_time = kStart;
  ASSERT_THAT(read_model_.RecordMerge(tx_, xy), IsOk());
  ASSERT_THAT(hook_(tx_, "x", ReadModelChange::kMergedAway), IsOk());
  EXPECT_EQ(edges_.edges().count("r-x"), 0u);
  // An update changes nothing; an erasure removes both sides' edges.
  ASSERT_THAT(hook_(tx_, "surv", ReadModelChange::kUpdated), IsOk());
  EXPECT_EQ(edges_.edges().size(), 3u);
  ASSERT_THAT(hook_(tx_, "surv", ReadModelChange::kErased), IsOk());
  EXPECT_TRUE(edges_.edges().empty());
}

TEST_F(ReferralValueUnitTest, ValuesCountEachReferredCustomerOnceAndSumClv) {
  for (const auto& [referral, referred] :
       std::vector<std::pair<std::string, std::string>>{
           {"r1", "b"}, {"r2", "c"}, {"r3", "d"}, {"r4", "b2"}}) {
    ASSERT_THAT(Apply(Event(lv1::ChangeEvent::REFERRAL_REWARDED, referral, "a",
                            referred)),
                IsOk());
  }
  // b2 merged into b: two referrals, one referred customer.
  MergeRecord merge;
  merge.duplicate_id = "b2";
  merge.survivor_id = "b";
  merge.merge_time = kStart;
  ASSERT_THAT(read_model_.RecordMerge(tx_, merge), IsOk());
  ASSERT_THAT(hook_(tx_, "b2", ReadModelChange::kMergedAway), IsOk());
  SetClv("b", 1200);
  SetClv("c", std::nullopt);  // Scored without a CLV model: 0.
  // d has no score at all: counted, worth 0.

  v1::CustomerScore a;
  a.set_name("customers/a/score");
  v1::CustomerScore b;
  b.set_name("customers/b/score");
  ASSERT_THAT(AddReferralValues(&edges_, tx_, "CNY", {&a, &b}), IsOk());
  EXPECT_EQ(a.referral_count(), 3);
  EXPECT_EQ(a.referral_value().currency_code(), "CNY");
  EXPECT_EQ(a.referral_value().amount_minor(), 1200);
  EXPECT_EQ(b.referral_count(), 0);
  EXPECT_EQ(b.referral_value().currency_code(), "CNY");
  EXPECT_EQ(b.referral_value().amount_minor(), 0);

  v1::CustomerScore untouched;
  untouched.set_name("customers/a/score");
  ASSERT_THAT(AddReferralValues(nullptr, tx_, "CNY", {&untouched}), IsOk());
  EXPECT_FALSE(untouched.has_referral_value());
}

}  // namespace
}  // namespace crm::segmentation
